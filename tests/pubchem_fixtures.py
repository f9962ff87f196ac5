"""Fixtures for the PubChem tests: the PUG REST stand-in, a throwaway cache folder, and
a one-widget app to drive the lookup pane in.

Import the ones a module uses (``from pubchem_fixtures import standin``); the
stand-in answers from 127.0.0.1 only.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from pubchem_standin import PubChemStandin
from sensortop.pubchem import LookupCache, PubChemClient
from sensortop.tui.widgets.lookup_pane import LookupPane


@pytest.fixture
def standin() -> Iterator[PubChemStandin]:
    """A running stand-in enforcing 5 requests per second; Retry-After 1 s keeps tests quick."""
    server = PubChemStandin(retry_after="1")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own; also set as SENSORTOP_CACHE_DIR so nothing
    lands in the user's real cache."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SENSORTOP_CACHE_DIR", str(root))
    return root / "pubchem"


@pytest.fixture
def refused_url() -> str:
    """A PUG REST base on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/rest/pug"


class PaneApp(App[None]):
    """The lookup pane alone, for Pilot."""

    def __init__(self, pane: LookupPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


def make_pane(url: str, cache_dir: Path, **client_options: object) -> LookupPane:
    """A pane over a real client of ``url`` with its own cache; quick retries."""
    client_options.setdefault("backoff", 0.01)
    client = PubChemClient(url, cache=LookupCache(cache_dir), **client_options)  # type: ignore[arg-type]
    return LookupPane(client=client, suggest=False)
