"""PubChem's limit is per machine: processes sharing a cache folder keep it together.

The stand-in on 127.0.0.1 is the judge: it answers a sixth request within one
second with 503, and records when each request arrived.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pubchem_standin import PubChemStandin
from sensortop.pubchem import LookupCache, Outcome, PubChemClient
from sensortop.pubchem.sharedwindow import FILE_NAME, SharedWindow
from support import max_in_window

pytest_plugins = ["pubchem_fixtures"]



def unknown_names(prefix: str, count: int) -> list[str]:
    """Names the stand-in does not know: each costs one request and is answered 404."""
    return [f"{prefix} no such compound {i}" for i in range(count)]


class VirtualWallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def window(path: Path, clock: VirtualWallClock, **kwargs: object) -> SharedWindow:
    kwargs.setdefault("lock_timeout", 1.0)
    return SharedWindow(path, per_second=5, per_minute=400, second_window=1.1,
                        minute_window=60.1, clock=clock, **kwargs)  # type: ignore[arg-type]


# -- two processes, one machine ---------------------------------------------------------


def test_two_lookup_processes_together_keep_five_per_second(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    """Two ``sensortop lookup`` runs at once once sent 6 requests in a second and got a 503."""
    env = {**os.environ, "SENSORTOP_CACHE_DIR": str(cache_dir.parent)}

    def start(tag: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "sensortop", "lookup", *unknown_names(tag, 8),
                   "--pubchem-url", standin.url]  # fmt: skip
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)  # fmt: skip

    runs = [start("first"), start("second")]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert standin.request_count == 16
    assert 503 not in standin.statuses()
    assert max_in_window([s.at for s in standin.seen]) <= 5
    assert (cache_dir / FILE_NAME).is_file()


async def test_two_clients_with_their_own_limiters_share_the_folders_limit(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    names = unknown_names("a", 8), unknown_names("b", 8)
    async with (
        PubChemClient(standin.url, cache=LookupCache(cache_dir)) as one,
        PubChemClient(standin.url, cache=LookupCache(cache_dir)) as two,
    ):
        assert one.limiter is not two.limiter

        async def run(client: PubChemClient, batch: list[str]) -> list[Outcome]:
            return [r.outcome async for r in client.lookup_many(batch)]

        outcomes = await asyncio.gather(run(one, names[0]), run(two, names[1]))
        assert one.limiter.shared is not None and two.limiter.shared is not None
    assert outcomes == [[Outcome.NOT_FOUND] * 8] * 2
    assert 503 not in standin.statuses()
    assert max_in_window([s.at for s in standin.seen]) <= 5


# -- a file that cannot be shared -----------------------------------------------------


async def test_unusable_file_falls_back_to_per_process_and_says_so_once(
    standin: PubChemStandin, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (cache_dir / FILE_NAME).mkdir(parents=True)  # a folder where the file should be
    caplog.set_level(logging.WARNING, logger="sensortop.pubchem.sharedwindow")
    async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
        results = [r async for r in client.lookup_many(["water", "ethanol", "benzene"])]
        assert client.limiter.shared is None
    assert {r.outcome for r in results} == {Outcome.FOUND}
    warnings = [r for r in caplog.records if "per process only" in r.getMessage()]
    assert len(warnings) == 1


def test_lock_held_too_long_falls_back_instead_of_hanging(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    clock = VirtualWallClock()
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        shared = window(path, clock, lock_timeout=0.05)
        assert shared.try_grant() is None
        assert shared.failed is not None and "held" in shared.failed
    finally:
        os.close(holder)


async def test_waiting_for_the_lock_never_blocks_the_event_loop(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    cache_dir.mkdir(parents=True)
    holder = os.open(cache_dir / FILE_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    released = False
    try:
        async with PubChemClient(standin.url, cache=LookupCache(cache_dir)) as client:
            lookup = asyncio.ensure_future(client.lookup("water"))
            await asyncio.sleep(0.05)  # the loop runs while the lookup waits for the lock
            assert not lookup.done()
            os.close(holder)
            released = True
            result = await lookup
            assert client.limiter.shared is not None  # it waited for the lock, not gave up
    finally:
        if not released:
            os.close(holder)
    assert result.outcome is Outcome.FOUND


def test_damaged_file_is_ignored_and_rewritten(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    clock = VirtualWallClock()
    future = clock.now + 3600
    path.write_bytes(b"garbage\n\xff\xfe\nnan\ninf\n" + f"{future}\n".encode() * 10)
    shared = window(path, clock)
    assert shared.try_grant() == 0.0  # the far-future times would otherwise block an hour
    assert path.read_text() == f"{clock.now:.6f}\n"


# -- the shared window's arithmetic ------------------------------------------------------


def test_sixth_start_in_a_window_waits_for_the_first_to_leave_it(tmp_path: Path) -> None:
    clock = VirtualWallClock()
    first = window(tmp_path / FILE_NAME, clock)
    second = window(tmp_path / FILE_NAME, clock)  # another process, same file
    start = clock.now
    for i in range(5):
        clock.now = start + 0.1 * i
        assert (first if i % 2 else second).try_grant() == 0.0
    clock.now = start + 0.5
    assert first.try_grant() == pytest.approx(0.6)  # until start + 1.1
    clock.now = start + 1.1
    assert second.try_grant() == 0.0


def test_spacing_holds_across_processes(tmp_path: Path) -> None:
    clock = VirtualWallClock()
    first = window(tmp_path / FILE_NAME, clock)
    second = window(tmp_path / FILE_NAME, clock)
    assert first.try_grant(spacing=0.5) == 0.0
    clock.now += 0.2
    assert second.try_grant(spacing=0.5) == pytest.approx(0.3)


def test_file_keeps_at_most_a_minutes_worth(tmp_path: Path) -> None:
    clock = VirtualWallClock()
    shared = window(tmp_path / FILE_NAME, clock)
    for _ in range(1000):
        clock.now += 0.25
        assert shared.try_grant() == 0.0
    assert len((tmp_path / FILE_NAME).read_text().splitlines()) == 241  # 60.1 s at 4/s
