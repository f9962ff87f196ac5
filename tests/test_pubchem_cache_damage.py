"""A damaged cache entry is a miss, never a traceback, and the next good answer replaces it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pubchem_standin import PubChemStandin
from sensortop.pubchem import LookupCache, Outcome, PubChemClient
from sensortop.pubchem.models import Compound, LookupResult

pytest_plugins = ["pubchem_fixtures"]

NOW = 1_800_000_000.0
WATER = LookupResult("water", Outcome.FOUND, (Compound(962, "H2O", 18.015),))


def entry_path(cache: LookupCache, query: str = "water") -> Path:
    return cache._file("lookup", query)


def write_entry(cache: LookupCache, body: object | bytes, query: str = "water") -> Path:
    path = entry_path(cache, query)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body if isinstance(body, bytes) else json.dumps(body).encode())
    return path


def good_entry(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "version": 1, "key": "water", "stored": NOW, "outcome": "found", "message": "",
        "compounds": [{"cid": 962, "molecular_formula": "H2O", "molecular_weight": 18.015}],
    }  # fmt: skip
    entry.update(overrides)
    return entry


@pytest.mark.parametrize(
    "body",
    [
        good_entry(compounds=[None]),
        good_entry(compounds=["x"]),
        good_entry(compounds="H2O"),
        good_entry(compounds={"cid": 962}),
        good_entry(compounds=[{"cid": 10**400}]),
        good_entry(compounds=[{"cid": 962, "molecular_weight": float("nan")}]),
        good_entry(outcome=None),
        good_entry(outcome=["found"]),
        good_entry(message=["x"]),
        good_entry(stored=float("nan")),
        good_entry(stored=float("inf")),
        good_entry(stored=1e300),
        good_entry(stored=10**400),
        good_entry(stored=True),
        good_entry(stored="1800000000"),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"version": 1, "key": "water", "stored": NaN, "outcome": "found"}',
        b"\xff\xfe\x00garbage",
        b"",
    ],
    ids=["compounds [null]", "compounds [x]", "compounds text", "compounds object",
         "cid of 400 digits", "weight NaN", "outcome null", "outcome list", "message list",
         "stored NaN", "stored inf", "stored 1e300", "stored 400 digits", "stored true",
         "stored text", "100,000 deep", "NaN literal", "not UTF-8", "empty"],
)
def test_damaged_entry_is_a_miss(tmp_path: Path, body: object) -> None:
    cache = LookupCache(tmp_path, clock=lambda: NOW)
    write_entry(cache, body)
    assert cache.get("water") is None


def test_entry_stored_as_nan_is_not_kept_forever(tmp_path: Path) -> None:
    cache = LookupCache(tmp_path, clock=lambda: NOW)
    write_entry(cache, b'{"version": 1, "key": "water", "stored": NaN, "outcome": "found", '
                       b'"compounds": [{"cid": 962}]}')  # fmt: skip
    assert cache.get("water") is None


def test_entry_stored_far_in_the_future_is_a_miss(tmp_path: Path) -> None:
    cache = LookupCache(tmp_path, clock=lambda: NOW)
    write_entry(cache, good_entry(stored=NOW + 10 * 365 * 86400))
    assert cache.get("water") is None
    write_entry(cache, good_entry(stored=NOW + 5))  # another process's clock a hair ahead
    assert cache.get("water") is not None


def test_fifo_in_place_of_an_entry_is_a_miss_without_hanging(tmp_path: Path) -> None:
    cache = LookupCache(tmp_path)
    path = entry_path(cache)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert cache.get("water") is None  # opened without blocking, then refused


def test_oversized_entry_is_a_miss(tmp_path: Path) -> None:
    cache = LookupCache(tmp_path, clock=lambda: NOW)
    body = json.dumps(good_entry(message="x" * (5 * 2**20))).encode()
    write_entry(cache, body)
    assert cache.get("water") is None


def test_answer_with_a_lone_surrogate_is_still_cached(tmp_path: Path) -> None:
    """json.dump once wrote lone surrogates into a UTF-8 file and raised UnicodeEncodeError."""
    cache = LookupCache(tmp_path, clock=lambda: NOW)
    cache.put(LookupResult("odd", Outcome.NOT_FOUND, message="bad \ud800 text"))
    again = cache.get("odd")
    assert again is not None and again.outcome is Outcome.NOT_FOUND
    assert "\ud800" not in again.message


async def test_damaged_entry_is_replaced_by_the_next_good_answer(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    cache = LookupCache(cache_dir)
    # under the stand-in's scope, where its client keeps its answers
    path = write_entry(cache.scoped(standin.url), good_entry(compounds=[None]))
    async with PubChemClient(standin.url, cache=cache) as client:
        first = await client.lookup("water")
        standin.reset_counts()
        second = await client.lookup("water")
    assert first.outcome is Outcome.FOUND and not first.from_cache
    assert second.from_cache and standin.request_count == 0
    assert json.loads(path.read_text())["compounds"][0]["cid"] == 962


@pytest.mark.parametrize("body", [good_entry(compounds=[None]), b"[" * 100_000])
def test_lookup_command_with_a_damaged_cache_answers_and_exits_0(
    standin: PubChemStandin, cache_dir: Path, body: object
) -> None:
    """The README says a damaged file is a miss; it once gave a traceback and exit 1."""
    # The entry lives under the stand-in's scope, as the command's client will look for it.
    write_entry(LookupCache(cache_dir).scoped(standin.url), body)
    done = subprocess.run(
        [sys.executable, "-m", "sensortop", "lookup", "water", "--pubchem-url", standin.url],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "SENSORTOP_CACHE_DIR": str(cache_dir.parent)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "H2O" in done.stdout
