"""The on-disk answer cache: repeats cost no request; a bad cache file costs nothing but a miss."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from pubchem_standin import TEXTBOOK_NAMES, PubChemStandin
from sensortop.pubchem import LookupCache, Outcome, PubChemClient, default_cache_dir
from sensortop.pubchem.models import Compound, LookupResult

pytest_plugins = ["pubchem_fixtures"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


WATER = LookupResult("water", Outcome.FOUND, (Compound(962, "H2O", 18.015),))


async def test_repeated_lookups_answer_from_cache_with_zero_requests(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        first = [r async for r in client.lookup_many(TEXTBOOK_NAMES)]
        standin.reset_counts()
        again = [r async for r in client.lookup_many(TEXTBOOK_NAMES)]
    assert standin.request_count == 0
    assert all(r.from_cache for r in again)
    assert {r.query: r.compounds for r in again} == {r.query: r.compounds for r in first}


async def test_cache_survives_a_new_client(standin: PubChemStandin, cache_dir: Path) -> None:
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        await client.lookup("caffeine")
    standin.reset_counts()
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        result = await client.lookup("Caffeine")
    assert result.from_cache and result.query == "Caffeine"
    assert standin.request_count == 0


async def test_not_found_is_cached_too(standin: PubChemStandin, cache_dir: Path) -> None:
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        await client.lookup("srthrthsr")
        standin.reset_counts()
        result = await client.lookup("srthrthsr")
    assert result.outcome is Outcome.NOT_FOUND and result.from_cache
    assert standin.request_count == 0


async def test_failures_are_not_cached(standin: PubChemStandin, cache_dir: Path) -> None:
    standin.busy_next = 10
    standin.retry_after = None
    async with PubChemClient(
        standin.url, cache=LookupCache(cache_dir), retries=0, backoff=0.01
    ) as client:
        busy = await client.lookup("water")
        standin.busy_next = 0
        later = await client.lookup("water")
    assert busy.outcome is Outcome.BUSY
    assert later.outcome is Outcome.FOUND and not later.from_cache


async def test_synonyms_are_cached(standin: PubChemStandin, cache_dir: Path) -> None:
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        first = await client.synonyms("aspirin")
        standin.reset_counts()
        again = await client.synonyms("aspirin")
    assert again == first and standin.request_count == 0


async def test_answers_of_one_service_never_answer_for_another(
    standin: PubChemStandin, refused_url: str, cache_dir: Path
) -> None:
    standin.add_name("stand-in only", 702)
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        assert (await client.lookup("stand-in only")).outcome is Outcome.FOUND
    # Same cache folder, another service (here a dead one): the stand-in's answer is not its own.
    async with PubChemClient(refused_url, cache=LookupCache(cache_dir), retries=0) as client:
        other = await client.lookup("stand-in only")
    assert other.outcome is Outcome.NETWORK_ERROR and not other.from_cache


def test_found_answer_expires(tmp_path: Path) -> None:
    clock = Clock()
    cache = LookupCache(tmp_path, found_ttl=100, clock=clock)
    cache.put(WATER)
    clock.now += 99
    assert cache.get("water") is not None
    clock.now += 2
    assert cache.get("water") is None


def test_not_found_expires_sooner_than_found(tmp_path: Path) -> None:
    clock = Clock()
    cache = LookupCache(tmp_path, found_ttl=1000, not_found_ttl=10, clock=clock)
    cache.put(LookupResult("nope", Outcome.NOT_FOUND, message="No CID found"))
    cache.put(WATER)
    clock.now += 11
    assert cache.get("nope") is None
    assert cache.get("water") is not None


def test_key_ignores_case_and_surrounding_space(tmp_path: Path) -> None:
    cache = LookupCache(tmp_path)
    cache.put(WATER)
    hit = cache.get("  WATER ")
    assert hit is not None and hit.compounds == WATER.compounds


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b"[1, 2]", b'{"version": 1}', b"\xff\xfe\x00",
     b'{"version": 1, "key": "water", "stored": 1e18, "outcome": "found",'
     b' "compounds": [{"x": 1}]}'],
)  # fmt: skip
def test_corrupt_cache_file_is_a_miss(tmp_path: Path, garbage: bytes) -> None:
    cache = LookupCache(tmp_path)
    cache.put(WATER)
    (entry,) = tmp_path.rglob("*.json")
    entry.write_bytes(garbage)
    assert cache.get("water") is None


async def test_corrupt_cache_file_is_refetched_and_rewritten(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        await client.lookup("water")
        (entry,) = cache_dir.rglob("*.json")
        entry.write_text("{truncated", encoding="utf-8")
        result = await client.lookup("water")
        standin.reset_counts()
        again = await client.lookup("water")
    assert result.outcome is Outcome.FOUND and not result.from_cache
    assert again.from_cache and standin.request_count == 0


def test_unwritable_cache_folder_is_only_a_slower_cache_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = LookupCache(blocker)
    cache.put(WATER)  # must not raise
    cache.put(WATER)
    assert cache.get("water") is None
    warnings = [r for r in caplog.records if "will not be cached" in r.getMessage()]
    assert len(warnings) == 1 and str(blocker) in warnings[0].getMessage()


def test_cache_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SENSORTOP_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "pubchem"
    assert LookupCache().path == tmp_path / "pubchem"


def test_cache_folder_defaults_to_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENSORTOP_CACHE_DIR", raising=False)
    assert default_cache_dir() == Path(platformdirs.user_cache_dir("sensortop")) / "pubchem"
