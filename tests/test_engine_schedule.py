"""Engine schedules on virtual time: exact instants, no wall-clock tolerances.

Each test runs on an event loop whose clock only moves when every task waits:
it then jumps to the next timer. Sleeps, read timeouts and the engine's grid
all use that clock, and the engine stamps readings with it (``wall``), so a
schedule can be asserted to the nanosecond however loaded the machine is.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from sensortop.config.loader import make_sensor
from sensortop.model.readings import Reading, Status
from sensortop.sampling.engine import BACKOFF_START, Engine
from sensortop.sources import Source, StreamingSource


class _VirtualSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Polls for real I/O without waiting; a wait for a timer moves the clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only real I/O can wake us
            return super().select(None)
        self.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now


def run_virtual(main: Callable[[], Awaitable[None]]) -> None:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        runner.run(main())  # type: ignore[arg-type]


def sensor(sensor_id: str = "s", **fields: object):  # type: ignore[no-untyped-def]
    return make_sensor({"id": sensor_id, "noise": 0.0, **fields})


def virtual_engine(**kwargs: Any) -> Engine:
    loop = asyncio.get_running_loop()
    return Engine(stagger=False, wall=loop.time, **kwargs)


class Scripted(Source):
    """Each read takes the next (delay, outcome): a number, an exception, or None to hang."""

    def __init__(self, spec, script: list[tuple[float, object]]) -> None:  # type: ignore[no-untyped-def]
        super().__init__(spec)
        self.script = list(script)
        self.starts: list[float] = []

    async def read(self) -> float:
        self.starts.append(asyncio.get_running_loop().time())
        delay, outcome = self.script.pop(0) if self.script else (0.0, 1.0)
        if outcome is None:
            await asyncio.Event().wait()  # never answers
        await asyncio.sleep(delay)
        if isinstance(outcome, BaseException):
            raise outcome
        return float(outcome)  # type: ignore[arg-type]


async def run_for(engine: Engine, seconds: float) -> list[Reading]:
    readings: list[Reading] = []
    engine.subscribe(readings.append)
    await engine.start()
    await asyncio.sleep(seconds)
    await engine.stop()
    return readings


def test_readings_fall_on_the_grid_however_long_reads_take() -> None:
    async def main() -> None:
        engine = virtual_engine()
        slow = [(d, 1.0) for d in (0.03, 0.09, 0.0, 0.07, 0.05, 0.099, 0.01, 0.08)]
        engine.add(sensor(interval=0.1, timeout=0.1), Scripted(sensor(), slow))
        readings = await run_for(engine, 0.85)
        stamps = [r.ts for r in readings]
        assert stamps == pytest.approx([0.1 * k for k in range(9)], abs=1e-9)
        assert engine.sensors["s"].skipped_slots == 0
    run_virtual(main)


def test_a_read_overrunning_slots_skips_them_rather_than_bursting() -> None:
    async def main() -> None:
        engine = virtual_engine()
        reads = [(0.0, 1.0), (0.25, 2.0), (0.0, 3.0), (0.0, 4.0)]
        engine.add(sensor(interval=0.1, timeout=0.5), Scripted(sensor(), reads))
        readings = await run_for(engine, 0.55)
        # slot 1 read until 0.35: slot 2 is skipped, slot 3 read at once (late), then 0.4
        assert [r.ts for r in readings] == pytest.approx([0.0, 0.1, 0.35, 0.4, 0.5], abs=1e-9)
        assert [r.value for r in readings] == [1.0, 2.0, 3.0, 4.0, 1.0]
        assert engine.sensors["s"].skipped_slots == 1
    run_virtual(main)


def test_retries_of_a_silent_source_stay_within_the_interval() -> None:
    """interval = timeout = 0.2 s, retries = 3, a source that never answers: one
    timeout reading per slot, none skipped (was 2 readings and 6 skipped in 2 s)."""
    async def main() -> None:
        engine = virtual_engine()
        source = Scripted(sensor(), [(0.0, None)] * 100)
        engine.add(sensor(interval=0.2, timeout=0.2, retries=3), source)
        readings = await run_for(engine, 2.1)  # the tenth ends at 2.0
        assert [r.ts for r in readings] == pytest.approx([0.2 * k for k in range(10)], abs=1e-9)
        assert all(r.status is Status.TIMEOUT for r in readings)
        assert engine.sensors["s"].skipped_slots == 0
        assert readings[0].error == "no answer within 0.2 s"
    run_virtual(main)


def test_each_retry_gets_what_remains_of_the_slot() -> None:
    async def main() -> None:
        engine = virtual_engine()
        source = Scripted(sensor(), [(0.0, None)] * 100)
        engine.add(sensor(interval=0.25, timeout=0.1, retries=5), source)
        readings = await run_for(engine, 0.3)
        # attempts at 0, 0.1 and 0.2 (that one with 0.05 s left); none at the slot's end
        assert source.starts[:3] == pytest.approx([0.0, 0.1, 0.2], abs=1e-9)
        assert source.starts[3] == pytest.approx(0.25, abs=1e-9)  # the next slot's first
        assert readings[0].status is Status.TIMEOUT
        assert readings[0].error == "no answer within 0.05 s (3 attempts)"
    run_virtual(main)


def test_a_retry_that_succeeds_gives_a_good_reading_in_the_same_slot() -> None:
    async def main() -> None:
        engine = virtual_engine()
        script = [(0.01, ValueError("garbled")), (0.01, OSError("busy")), (0.01, 7.0)]
        engine.add(sensor(interval=0.5, timeout=0.2, retries=2), Scripted(sensor(), script))
        readings = await run_for(engine, 0.1)
        assert [(r.ts, r.status, r.value) for r in readings] == [(0.0, Status.OK, 7.0)]
    run_virtual(main)


class Link(Source):
    """A connection source whose link dies after one read: a retry must reconnect."""

    connection = True

    def __init__(self, spec) -> None:  # type: ignore[no-untyped-def]
        super().__init__(spec)
        self.connects: list[float] = []
        self.reads_on_link = 0
        self.refuse = False

    async def connect(self) -> None:
        self.connects.append(asyncio.get_running_loop().time())
        if self.refuse:
            raise ConnectionRefusedError("refused")
        self.reads_on_link = 0

    async def close(self) -> None:
        self.reads_on_link = -100  # a closed link must not be read

    async def read(self) -> float:
        self.reads_on_link += 1
        if self.reads_on_link != 1:
            raise ConnectionResetError("read on a dead link")
        await asyncio.sleep(0.01)
        if len(self.connects) % 2:  # every other link is dead on arrival
            raise ConnectionResetError("reset by peer")
        return float(len(self.connects))


def test_a_connection_source_reconnects_for_a_retry() -> None:
    async def main() -> None:
        engine = virtual_engine()
        link = Link(sensor())
        engine.add(sensor(interval=0.5, timeout=0.2, retries=1), link)
        readings = await run_for(engine, 0.1)
        assert [(r.status, r.value) for r in readings] == [(Status.OK, 2.0)]
        assert link.connects == pytest.approx([0.0, 0.01], abs=1e-9)
    run_virtual(main)


def test_a_refused_peer_is_retried_with_doubling_backoff() -> None:
    async def main() -> None:
        engine = virtual_engine()
        link = Link(sensor())
        link.refuse = True
        engine.add(sensor(interval=0.1, timeout=0.1), link)
        readings = await run_for(engine, 8.0)
        gaps = [b - a for a, b in zip(link.connects, link.connects[1:], strict=False)]
        # 0.5, 1, 2, 4 s, each rounded up to the sensor's 0.1 s grid
        assert gaps == pytest.approx([0.5, 1.0, 2.0, 4.0], abs=1e-6)
        assert all(r.status is Status.ERROR for r in readings)
        assert len(readings) == 80  # an error reading every slot while the peer is away
    run_virtual(main)


def test_pause_stops_readings_and_resume_returns_to_the_grid() -> None:
    async def main() -> None:
        engine = virtual_engine()
        engine.add(sensor(interval=0.1, timeout=0.1), Scripted(sensor(), []))
        readings: list[Reading] = []
        engine.subscribe(readings.append)
        await engine.start()
        await asyncio.sleep(0.25)
        engine.pause("s")
        await asyncio.sleep(0.43)
        assert len(readings) == 3  # 0, 0.1, 0.2
        engine.resume("s")  # at 0.68: the next slot on the grid is 0.7
        await asyncio.sleep(0.25)
        await engine.stop()
        assert [r.ts for r in readings] == pytest.approx([0.0, 0.1, 0.2, 0.7, 0.8, 0.9],
                                                         abs=1e-9)
    run_virtual(main)


class Stream(StreamingSource):
    """A broker that is never there: every connect is refused."""

    async def connect(self) -> None:
        raise ConnectionRefusedError("no broker")

    async def stream(self) -> AsyncIterator[float]:  # never reached: connect fails first
        raise AssertionError("streamed without a connection")
        yield 0.0


def test_a_stream_reconnects_with_doubling_backoff_through_the_injected_sleep() -> None:
    async def main() -> None:
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            await asyncio.sleep(seconds)

        engine = virtual_engine(sleep=sleep)
        engine.add(sensor(), Stream(sensor()))
        readings = await run_for(engine, 16.0)
        assert slept[:6] == [BACKOFF_START * 2**k for k in range(6)]
        assert [r.ts for r in readings] == pytest.approx([0.0, 0.5, 1.5, 3.5, 7.5, 15.5])
    run_virtual(main)


def test_an_injected_clock_and_sleep_drive_the_schedule() -> None:
    """No virtual loop here: a fake clock and a sleep that moves it are enough for a
    source that answers at once (read timeouts would still run on the loop's clock)."""
    async def main() -> None:
        now = [100.0]

        async def sleep(seconds: float) -> None:
            now[0] += seconds
            await asyncio.sleep(0)

        engine = Engine(stagger=False, clock=lambda: now[0], sleep=sleep,
                        wall=lambda: 1e9 + now[0])
        engine.add(sensor(interval=0.5, timeout=0.5), Scripted(sensor(), []))
        readings: list[Reading] = []
        five = asyncio.Event()

        def got(reading: Reading) -> None:
            readings.append(reading)
            if len(readings) == 5:
                five.set()

        engine.subscribe(got)
        await engine.start()
        await five.wait()
        await engine.stop()
        assert [r.ts - 1e9 for r in readings[:5]] == pytest.approx(
            [100.0, 100.5, 101.0, 101.5, 102.0], abs=1e-6)
    asyncio.run(main())
