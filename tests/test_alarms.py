"""Alarm limits with deadband: states follow the value without chattering."""

from __future__ import annotations

import itertools

from sensortop.model.readings import AlarmState
from sensortop.model.specs import Limits
from sensortop.sampling.alarms import SensorAlarms


def run(limits: Limits, values: list[float]) -> list[AlarmState]:
    evaluator = SensorAlarms(limits)
    return [evaluator.update(v) for v in values]


def test_levels_entered_at_their_limits() -> None:
    limits = Limits(lolo=0, lo=10, hi=90, hihi=100)
    assert run(limits, [50, 90, 100, 50, 10, 0]) == [
        AlarmState.NORMAL, AlarmState.HI, AlarmState.HIHI, AlarmState.NORMAL,
        AlarmState.LO, AlarmState.LOLO]


def test_deadband_stops_chatter_at_a_limit() -> None:
    hovering = [89.8, 90.1, 89.9, 90.2, 89.7, 90.0, 89.6] * 5
    without = run(Limits(hi=90), hovering)
    with_band = run(Limits(hi=90, deadband=1.0), hovering)
    changes = lambda states: sum(a != b for a, b in itertools.pairwise(states))  # noqa: E731
    assert changes(without) > 20
    assert changes(with_band) == 1  # entered once, never left while hovering


def test_alarm_clears_once_past_the_deadband() -> None:
    states = run(Limits(hi=90, deadband=1.0), [91, 89.5, 89.1, 89.0])
    assert states == [AlarmState.HI, AlarmState.HI, AlarmState.HI, AlarmState.NORMAL]


def test_hihi_falls_back_to_hi_before_normal() -> None:
    states = run(Limits(hi=90, hihi=100, deadband=1.0), [101, 99.5, 98.9, 88.0])
    assert states == [AlarmState.HIHI, AlarmState.HIHI, AlarmState.HI, AlarmState.NORMAL]


def test_low_side_deadband() -> None:
    states = run(Limits(lo=10, deadband=0.5), [9.9, 10.2, 10.6])
    assert states == [AlarmState.LO, AlarmState.LO, AlarmState.NORMAL]


def test_new_alarm_needs_acknowledgement() -> None:
    evaluator = SensorAlarms(Limits(hi=1))
    evaluator.update(2)
    assert not evaluator.acknowledged
    evaluator.acknowledge()
    assert evaluator.acknowledged
