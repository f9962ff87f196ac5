"""The ticker's fast path: sources that answer at once are read with no task of their own,
and one that waits, fails or hangs still gets its timeout and retries and stalls no other.

Virtual time (see ``test_engine_schedule``): instants are exact however loaded the machine.
"""

from __future__ import annotations

import asyncio

import pytest

from sensortop.model.readings import Status
from sensortop.sources import PolledSource
from test_engine_schedule import run_for, run_virtual, sensor, virtual_engine


class AtOnce(PolledSource):
    """Answers at once unless the script says: ("hang",), ("wait", s, v), ("raise", exc)."""

    answers_at_once = True

    def __init__(self, spec, script: dict[int, tuple[object, ...]] | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(spec)
        self.script = script or {}
        self.calls = 0
        self.tasks: list[asyncio.Task[object] | None] = []

    async def read(self) -> float:
        self.calls += 1
        self.tasks.append(asyncio.current_task())
        step = self.script.get(self.calls)
        if step is None:
            return float(self.calls)
        if step[0] == "hang":
            await asyncio.Event().wait()
        if step[0] == "wait":
            await asyncio.sleep(step[1])  # type: ignore[arg-type]
            return float(step[2])  # type: ignore[arg-type]
        raise step[1]  # type: ignore[misc]


def test_an_immediate_source_is_read_on_the_grid_without_a_task_per_reading() -> None:
    async def main() -> None:
        engine = virtual_engine()
        source = AtOnce(sensor())
        state = engine.add(sensor(interval=0.1, timeout=0.05), source)
        readings = await run_for(engine, 0.95)
        assert [r.ts for r in readings] == pytest.approx([0.1 * k for k in range(10)], abs=1e-9)
        assert [r.value for r in readings] == [float(k) for k in range(1, 11)]
        # read from the ticker's own step: no task was made for any of them
        ticker = {id(t) for t in source.tasks}
        assert len(ticker) == 1 and state.task is None
        assert engine.lateness.percentiles(99)[0] == pytest.approx(0.0, abs=1e-9)
    run_virtual(main)


def test_a_hanging_immediate_read_times_out_alone_and_stalls_no_other() -> None:
    async def main() -> None:
        engine = virtual_engine()
        hangs = AtOnce(sensor("a"), {2: ("hang",)})
        waits = AtOnce(sensor("b"), {1: ("wait", 0.03, 7.0)})
        engine.add(sensor("a", interval=0.1, timeout=0.25), hangs)
        engine.add(sensor("b", interval=0.1, timeout=0.05), waits)
        engine.add(sensor("c", interval=0.1, timeout=0.05), AtOnce(sensor("c")))
        readings = await run_for(engine, 0.55)
        by = {s: [(r.ts, r.status, r.value) for r in readings if r.sensor == s] for s in "abc"}
        # a's second read (due 0.1) hangs until its timeout at 0.35: slot 0.2 is skipped,
        # slot 0.3 read at once (late), then the grid again
        assert by["a"] == [(0.0, Status.OK, 1.0), (pytest.approx(0.1), Status.TIMEOUT, None),
                           (pytest.approx(0.35), Status.OK, 3.0),
                           (pytest.approx(0.4), Status.OK, 4.0),
                           (pytest.approx(0.5), Status.OK, 5.0)]
        assert engine.sensors["a"].skipped_slots == 1
        assert by["b"][0] == (0.0, Status.OK, 7.0)  # waited 0.03 s under its timeout
        for s in "bc":  # every slot read, on time, while a hung
            assert [ts for ts, _, _ in by[s]] == pytest.approx([0.1 * k for k in range(6)])
        assert readings[1].error is None
        assert next(r for r in readings if r.sensor == "a" and r.status is Status.TIMEOUT
                    ).error == "no answer within 0.25 s"
    run_virtual(main)


def test_a_read_that_awaits_keeps_the_timeout_from_when_it_began() -> None:
    async def main() -> None:
        engine = virtual_engine()
        engine.add(sensor(interval=1.0, timeout=0.2), AtOnce(sensor(), {1: ("wait", 0.3, 5.0)}))
        readings = await run_for(engine, 0.5)
        assert [(r.status, r.error) for r in readings] == [
            (Status.TIMEOUT, "no answer within 0.2 s")]
    run_virtual(main)


def test_an_immediate_failure_is_retried_in_the_same_slot() -> None:
    async def main() -> None:
        engine = virtual_engine()
        source = AtOnce(sensor(), {1: ("raise", OSError("busy")), 3: ("raise", ValueError("x")),
                                   4: ("raise", ValueError("y"))})
        engine.add(sensor(interval=0.5, timeout=0.2, retries=1), source)
        readings = await run_for(engine, 0.6)
        assert [(r.status, r.value, r.error) for r in readings] == [
            (Status.OK, 2.0, None), (Status.ERROR, None, "ValueError: y (2 attempts)")]
        assert source.calls == 4
    run_virtual(main)


def test_removing_a_sensor_mid_read_stops_it_and_the_rest_go_on() -> None:
    async def main() -> None:
        engine = virtual_engine()
        engine.add(sensor("a", interval=0.1, timeout=5.0), AtOnce(sensor("a"), {1: ("hang",)}))
        engine.add(sensor("b", interval=0.1, timeout=0.1), AtOnce(sensor("b")))
        readings: list = []  # type: ignore[type-arg]
        engine.subscribe(readings.append)
        await engine.start()
        await asyncio.sleep(0.05)
        assert engine.sensors["a"].task is not None  # its hanging read has a task
        await engine.remove("a")
        await asyncio.sleep(0.3)
        await engine.stop()
        assert {r.sensor for r in readings} == {"b"} and len(readings) == 4
    run_virtual(main)


def test_a_failure_inside_the_engine_costs_one_reading_not_the_ticker() -> None:
    async def main() -> None:
        engine = virtual_engine()
        engine.add(sensor("a", interval=0.1, timeout=0.1), AtOnce(sensor("a")))
        engine.add(sensor("b", interval=0.1, timeout=0.1), AtOnce(sensor("b")))
        add, calls = engine.lateness.add, [0]

        def broken_once(late: float) -> None:
            calls[0] += 1
            if calls[0] == 3:  # the second slot of the first sensor due then
                raise RuntimeError("a bug")
            add(late)

        engine.lateness.add = broken_once  # type: ignore[method-assign]
        readings = await run_for(engine, 0.45)
        stamps = {s: [r.ts for r in readings if r.sensor == s] for s in "ab"}
        assert sorted(len(v) for v in stamps.values()) == [4, 5]  # one reading lost, once
        for times in stamps.values():  # both still on their grid
            assert all(round(t * 10, 6).is_integer() for t in times)
    run_virtual(main)
