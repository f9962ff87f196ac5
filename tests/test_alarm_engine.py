"""Alarms in the running engine on virtual time: readings, the alarm tick, operator actions.

The loop's clock is the engine's wall clock here, so delays, stale, re-alarm and the
end of a shelving happen at exact instants (README "Alarms").
"""

from __future__ import annotations

import asyncio

import pytest

from sensortop.model.alarms import AlarmEvent, AlarmKind, Lifecycle
from sensortop.model.readings import AlarmState, Reading
from sensortop.sampling.alarm_ops import TICK, operator_name
from test_engine_schedule import Scripted, run_virtual, sensor, virtual_engine


def events_of(items: list[Reading | AlarmEvent]) -> list[tuple[float, str, str, str, str]]:
    return [(round(i.ts, 3), i.alarm.value, i.event.value, i.from_state.value, i.to_state.value)
            for i in items if isinstance(i, AlarmEvent)]


def test_stale_raises_on_the_tick_while_the_source_hangs_and_clears_after() -> None:
    async def main() -> None:
        engine = virtual_engine()
        spec = sensor(interval=1.0, timeout=0.5, alarms={"stale": {"after": 3.0}})
        # good at 0, then four silent reads (timeouts), then good again
        engine.add(spec, Scripted(spec, [(0, 1.0), *[(0, None)] * 4, (0, 2.0)]))
        seen: list[Reading | AlarmEvent] = []
        engine.subscribe_events(seen.append)
        await engine.start()
        await asyncio.sleep(7.0)
        await engine.stop()
        got = events_of(seen)
        assert [g[1:3] for g in got] == [("stale", "raise"), ("stale", "clear")]
        assert got[0][0] == pytest.approx(3.0, abs=TICK)  # the tick's resolution
        assert got[1][0] == 5.0  # the good read at t=5 clears it
        view = engine.sensors["s"].view
        assert view.alarm_summary.lines[0].state is Lifecycle.RTN_UNACK

    run_virtual(main)


def test_operator_actions_shelve_expires_and_latch_resets() -> None:
    async def main() -> None:
        engine = virtual_engine()
        spec = sensor(interval=1.0, limits={"hi": 10.0},
                      alarms={"hi": {"latch": True}, "realarm": 5.0})
        values = [12.0] * 3 + [5.0] * 30
        engine.add(spec, Scripted(spec, [(0, v) for v in values]))
        seen: list[Reading | AlarmEvent] = []
        engine.subscribe_events(seen.append)
        await engine.start()
        await asyncio.sleep(0.5)
        assert engine.sensors["s"].view.alarm is AlarmState.HI
        acks = engine.acknowledge("s", AlarmKind.HI)
        assert acks[0].user == operator_name() and acks[0].user
        await asyncio.sleep(3.0)  # cleared at t=3: latched, no re-alarm since it cleared
        assert engine.sensors["s"].view.alarm_summary.lines[0].state is Lifecycle.LATCHED
        assert engine.reset_latch("s", AlarmKind.HI, user="ana")[0].to_state is Lifecycle.NORMAL
        shelved = engine.shelve("s", AlarmKind.HI, 4.0, user="ana")
        assert shelved[0].until == pytest.approx(engine._wall() + 4.0)
        with pytest.raises(ValueError, match="shelve_max"):
            engine.shelve("s", AlarmKind.HI, 3601.0)
        await asyncio.sleep(5.0)
        out = engine.set_out_of_service("s", True, user="ana")
        assert [e.to_state for e in out] == [Lifecycle.OUT_OF_SERVICE]
        assert engine.sensors["s"].view.alarm_summary.out_of_service
        engine.set_out_of_service("s", False, user="ana")
        await engine.stop()
        kinds = [e[2] for e in events_of(seen)]
        assert kinds == ["raise", "ack", "clear", "reset", "shelve", "unshelve",
                         "out_of_service", "in_service"]
        unshelve = next(e for e in events_of(seen) if e[2] == "unshelve")
        assert unshelve[0] == pytest.approx(shelved[0].until, abs=TICK)

    run_virtual(main)


def test_a_flood_starts_past_ten_raises_in_ten_minutes() -> None:
    async def main() -> None:
        engine = virtual_engine()
        for i in range(12):
            spec = sensor(f"s{i}", interval=1.0, limits={"hi": 10.0})
            engine.add(spec, Scripted(spec, [(0, 12.0)] * 100))
        await engine.start()
        await asyncio.sleep(0.5)
        assert engine.flood.flooding
        await engine.stop()

    run_virtual(main)
