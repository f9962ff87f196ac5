"""The lookup pane shows one row's failure without losing the others (Pilot, stand-in)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from pubchem_fixtures import PaneApp, make_pane
from pubchem_standin import PubChemStandin
from sensortop.pubchem import LookupResult
from sensortop.tui.widgets.lookup_pane import LOOKING_UP, LookupPane

pytest_plugins = ["pubchem_fixtures"]

FOUND = {"water": "962", "ethanol": "702", "caffeine": "2519"}




def cell(pane: LookupPane, name: str, column: str) -> str:
    return str(pane.query_one(DataTable).get_cell(name.casefold(), column))


async def wait_for(pilot: object, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)  # type: ignore[attr-defined]


def shows(pane: LookupPane, name: str, text: str) -> bool:
    """The row's status is ``text``, whole or cut at a word and marked with ``…``."""
    shown = cell(pane, name, "status")
    return shown == text or (shown.endswith("…") and text.startswith(shown[:-1].rstrip()))


def settled(pane: LookupPane, names: list[str]) -> Callable[[], bool]:
    """Every row has its outcome (a busy stand-in on a loaded machine shows "retrying" first)."""
    def done(name: str) -> bool:
        status = cell(pane, name, "status")
        return status != LOOKING_UP and ", retrying in " not in status
    return lambda: all(done(n) for n in names)


async def type_and_enter(pilot: object, pane: LookupPane, text: str) -> None:
    pane.focus_input()
    await pilot.press(*text, "enter")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("properties_not_objects", "PubChem error: unexpected answer"),
        ("redirect_loop", "PubChem error: too many redirects"),
        ("bad_gzip", "PubChem error: answer cannot be decoded"),
        ("html_200", "PubChem error: unexpected answer (not JSON)"),
    ],
)
async def test_one_broken_answer_fails_its_row_and_the_others_are_found(
    standin: PubChemStandin, cache_dir: Path, kind: str, words: str
) -> None:
    standin.broken_names = {"broken": kind}
    pane = make_pane(standin.url, cache_dir, timeout=5.0)
    names = ["broken", *FOUND]
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, ", ".join(names))
        await wait_for(pilot, settled(pane, names))
        assert cell(pane, "broken", "status").startswith(words)
        for name, cid in FOUND.items():
            assert cell(pane, name, "status") == "found"
            assert cell(pane, name, "cid") == cid
        assert pane.query_one(DataTable).row_count == len(names)


async def test_a_bug_for_one_name_fails_only_its_row(
    standin: PubChemStandin, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pane = make_pane(standin.url, cache_dir, timeout=5.0)
    original = pane.client._property_request

    async def explode(query: str, *args: object) -> LookupResult:
        if query == "water":
            raise AttributeError("'str' object has no attribute 'get'")
        return await original(query, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pane.client, "_property_request", explode)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, ", ".join(FOUND))
        await wait_for(pilot, settled(pane, list(FOUND)))
        assert shows(pane, "water", "PubChem error: unexpected error (AttributeError)")
        assert cell(pane, "ethanol", "status") == "found"
        assert cell(pane, "caffeine", "status") == "found"


async def test_offline_every_row_says_no_network_at_once(cache_dir: Path) -> None:
    pane = make_pane("http://nosuchhost.invalid/rest/pug", cache_dir, retries=4, backoff=5.0,
                      timeout=5.0)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "water, ethanol")
        # No retries: with a 5 s backoff four retries would take over a minute.
        await wait_for(pilot, settled(pane, ["water", "ethanol"]), timeout=20.0)
        for name in ("water", "ethanol"):
            assert shows(pane, name, "network error: no network (cannot resolve host)")
