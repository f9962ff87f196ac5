"""Shared fixtures: deterministic randomness and waiting on conditions, not clocks."""

from __future__ import annotations

import os
import random

import pytest

os.environ["SENSORTOP_SEED"] = "1234"
# Keep every test's cache and config writes inside pytest's temp folders.
os.environ.pop("SENSORTOP_CONFIG", None)
os.environ.pop("SENSORTOP_LOG_DIR", None)
os.environ.pop("SENSORTOP_PUBCHEM_URL", None)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    random.seed(1234)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENSORTOP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
