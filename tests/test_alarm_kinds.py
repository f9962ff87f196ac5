"""Each alarm kind's condition through a sensor's alarm set, on virtual time (README "Alarms")."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.config.loader import make_sensor
from sensortop.model.alarms import AlarmKind, EventKind, Lifecycle, Priority
from sensortop.model.readings import AlarmState
from sensortop.sampling.alarms import SensorAlarms

T0 = 1_700_000_000.0


def alarms_for(**table: object) -> SensorAlarms:
    return SensorAlarms(make_sensor({"id": "s", **table}))


def feed(alarms: SensorAlarms, series: list[tuple[float, float | None]], tick: float = 0.0
         ) -> list[tuple[float, AlarmKind, EventKind, float | None]]:
    """Readings at T0 + t (None: a failed read); ticks every ``tick`` s in between."""
    out = []
    last = 0.0
    for t, value in series:
        if tick:
            now = last + tick
            while now < t:
                out += alarms.tick(T0 + now)
                now += tick
        out += alarms.observe(T0 + t, value)
        last = t
    return [(e.ts - T0, e.alarm, e.event, e.value) for e in out]


def test_levels_are_alarms_of_their_own_with_their_default_priorities() -> None:
    alarms = alarms_for(limits={"lolo": 0, "lo": 10, "hi": 90, "hihi": 100, "deadband": 1})
    events = feed(alarms, [(0, 50), (1, 95), (2, 101), (3, 99.5), (4, 98.9), (5, 88.9)])
    assert [(t, k, e) for t, k, e, _ in events] == [
        (1, AlarmKind.HI, EventKind.RAISE), (2, AlarmKind.HIHI, EventKind.RAISE),
        (4, AlarmKind.HIHI, EventKind.CLEAR), (5, AlarmKind.HI, EventKind.CLEAR)]
    assert {s.setting.kind: s.setting.rule.priority for s in alarms.slots} == {
        AlarmKind.LOLO: Priority.HIGH, AlarmKind.LO: Priority.MEDIUM,
        AlarmKind.HI: Priority.MEDIUM, AlarmKind.HIHI: Priority.HIGH}


def test_the_reading_carries_the_most_severe_active_level() -> None:
    alarms = alarms_for(limits={"hi": 90, "hihi": 100}, alarms={"hihi": {"on_delay": 2}})
    states = []
    for t, v in [(0, 95), (1, 105), (2, 105), (3, 105), (4, 95), (5, 50)]:
        alarms.observe(T0 + t, v)
        states.append(alarms.level)
    assert states == [AlarmState.HI, AlarmState.HI, AlarmState.HI, AlarmState.HIHI,
                      AlarmState.HI, AlarmState.NORMAL]


@pytest.mark.parametrize(("per", "max_rate", "raises_at"), [("s", 2.0, 3), ("min", 40.0, 2)])
def test_rate_of_change_over_its_window(per: str, max_rate: float, raises_at: float) -> None:
    alarms = alarms_for(alarms={"rate": {"max": max_rate, "per": per, "window": 2.0}})
    # over 2 s: 0/s at t=1, 0.75/s (45/min) at t=2, 2/s at t=3, then back to 0
    series = [(0, 0.0), (1, 0.0), (2, 1.5), (3, 4.0), (4, 4.0), (5, 4.0), (6, 4.0)]
    events = feed(alarms, series)
    assert events[0][:3] == (raises_at, AlarmKind.RATE, EventKind.RAISE)
    assert events[-1][2] is EventKind.CLEAR
    scale = 60 if per == "min" else 1
    assert events[0][3] == pytest.approx((series[raises_at][1] - series[raises_at - 2][1])
                                         / 2 * scale)


def test_deviation_from_the_setpoint_both_ways_with_the_deadband() -> None:
    alarms = alarms_for(setpoint=100.0, limits={"deadband": 1.0},
                        alarms={"deviation": {"max": 10.0}})
    events = feed(alarms, [(0, 100), (1, 110), (2, 109.5), (3, 108.9), (4, 89), (5, 95)])
    assert [(t, e) for t, _, e, _ in events] == [(1, EventKind.RAISE), (3, EventKind.CLEAR),
                                                 (4, EventKind.RAISE), (5, EventKind.CLEAR)]
    assert alarms.slots[0].record.limit == 90.0  # the side it crossed


def test_stale_is_raised_by_the_clock_alone_and_cleared_by_a_good_reading() -> None:
    alarms = alarms_for(alarms={"stale": {"after": 5.0}})
    assert alarms.ticking
    events = feed(alarms, [(0, 1.0), (2, None), (3, None), (9, 1.0)], tick=0.5)
    assert [(t, e) for t, _, e, _ in events] == [(5.0, EventKind.RAISE), (9, EventKind.CLEAR)]
    assert events[0][3] == pytest.approx(5.0)  # the value is the age compared with `after`


def test_flatline_needs_the_spread_within_epsilon_for_its_time() -> None:
    alarms = alarms_for(alarms={"flatline": {"after": 3.0, "within": 0.01}})
    series = [(0, 5.0), (1, 5.004), (2, 4.996), (3, 5.006), (4, 5.0), (5, 6.0), (6, 6.0)]
    events = feed(alarms, series)
    # the spread stays within 0.01 from t=0 to t=3: flat for 3 s; 6.0 starts a new spell
    assert [(t, e) for t, _, e, _ in events] == [(3, EventKind.RAISE), (5, EventKind.CLEAR)]


def test_bad_quality_counts_failures_in_a_row() -> None:
    alarms = alarms_for(alarms={"bad_quality": {"after": 3}})
    events = feed(alarms, [(0, None), (1, None), (2, 1.0), (3, None), (4, None), (5, None),
                           (6, None), (7, 2.0)])
    assert [(t, e, v) for t, _, e, v in events] == [(5, EventKind.RAISE, 3.0),
                                                    (7, EventKind.CLEAR, 0.0)]


def test_episodes_keep_duration_and_min_mean_max() -> None:
    alarms = alarms_for(limits={"hi": 10.0})
    feed(alarms, [(0, 5), (1, 12), (2, 16), (3, 11), (4, 2)])
    (episode,) = alarms.summary.episodes
    assert (episode.kind, episode.start - T0, episode.duration, episode.readings) == \
        (AlarmKind.HI, 1, 3, 3)
    assert (episode.low, episode.mean, episode.high) == (11, 13, 16)


def test_the_summary_shows_state_value_limit_and_since() -> None:
    alarms = alarms_for(limits={"hi": 10.0}, alarms={"priority": "critical"})
    feed(alarms, [(0, 12), (1, 13)])
    (line,) = alarms.summary.lines
    assert (line.kind, line.priority, line.state, line.since, line.value, line.limit) == \
        (AlarmKind.HI, Priority.CRITICAL, Lifecycle.UNACK, T0, 13, 10.0)
    assert not alarms.acknowledged
    alarms.acknowledge(T0 + 2, "op")
    assert alarms.summary.lines[0].state is Lifecycle.ACKED and alarms.acknowledged


def test_shelving_is_capped_by_shelve_max() -> None:
    from sensortop.sampling.lifecycle import Shelve
    alarms = alarms_for(limits={"hi": 1.0}, alarms={"shelve_max": 60})
    with pytest.raises(ValueError, match="shelve_max"):
        alarms.operate(AlarmKind.HI, Shelve(T0 + 61, "op"), T0)
    assert alarms.operate(AlarmKind.HI, Shelve(T0 + 60, "op"), T0)[0].until == T0 + 60
    with pytest.raises(KeyError):
        alarms.operate(AlarmKind.LO, Shelve(T0 + 1, "op"), T0)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.floats(-20, 120, allow_nan=False), min_size=1, max_size=60))
def test_the_fast_band_never_hides_a_change(values: list[float]) -> None:
    """What the engine skips (a value strictly inside the band) must change nothing."""
    table = {"limits": {"lolo": 0, "lo": 10, "hi": 90, "hihi": 100, "deadband": 2}}
    fast, slow = alarms_for(**table), alarms_for(**table)
    fast_events, slow_events = [], []
    for i, v in enumerate(values):
        if not fast.band_lo < v < fast.band_hi:
            fast_events += fast.observe(T0 + i, v)
        slow_events += slow.observe(T0 + i, v)
        assert fast.level is slow.level
    assert [(e.ts, e.alarm, e.event) for e in fast_events] == \
        [(e.ts, e.alarm, e.event) for e in slow_events]
    assert not math.isnan(fast.band_lo)


def test_a_paused_sensor_is_never_stale() -> None:
    alarms = alarms_for(alarms={"stale": {"after": 5.0}})
    alarms.observe(T0, 1.0)
    assert all(not alarms.tick(T0 + t, paused=True) for t in range(1, 30))
    assert not alarms.tick(T0 + 33)  # resumed: the clock started again at the last tick
    assert [e.event for e in alarms.tick(T0 + 34)] == [EventKind.RAISE]
