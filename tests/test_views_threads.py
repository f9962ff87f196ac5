"""Sensor views across threads: every view a reader takes is one consistent moment.

The engine writes a sensor's history, alarms and counters on its thread; the
dashboard reads ``SensorState.view`` on another (README, "Where the engine
runs"). These tests hammer that from two threads, across the ring's wrap.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

from sensortop.config.loader import make_sensor
from sensortop.model.alarms import AlarmKind, Lifecycle
from sensortop.model.readings import AlarmState, Status
from sensortop.sampling.alarms import SensorAlarms
from sensortop.sampling.engine import Engine
from sensortop.sampling.history import History

T0 = 1_000_000.0
CAPACITY = 16
POINTS = 20_000


def _series() -> tuple[np.ndarray, np.ndarray]:
    """Reading i: ts = T0 + i; every 7th fails; values wander through the alarm limits."""
    rng = np.random.default_rng(11)
    values = 25.0 + 10.0 * np.sin(np.arange(POINTS) / 40.0) + rng.normal(0, 0.5, POINTS)
    values[::7] = np.nan
    return T0 + np.arange(POINTS, dtype=float), values


def test_every_view_taken_while_the_engine_writes_is_self_consistent() -> None:
    times, values = _series()
    spec = make_sensor({"id": "hammered", "interval": 0.1, "timeout": 0.1,
                        "limits": {"hi": 30.0, "hihi": 34.0, "lo": 18.0, "deadband": 0.5}})
    engine = Engine(history=CAPACITY)
    state = engine.add(spec)
    # What each view must say after n readings, worked out beforehand, one reading at a time.
    evaluator = SensorAlarms(spec)
    alarms, acked, failures, good_n = [], [], [], []
    sums = np.zeros(POINTS)
    bad = 0
    for i, value in enumerate(values.tolist()):
        ok = not math.isnan(value)
        alarms.append(evaluator.update(value, T0 + i) if ok else evaluator.state)
        acked.append(evaluator.acknowledged)
        bad += not ok
        failures.append(bad)
        good_n.append(i + 1 - bad)
        sums[i] = value if ok else 0.0
    cumulative = np.cumsum(sums)

    done = threading.Event()
    problems: list[str] = []
    checked = {"views": 0, "lapped": 0}

    def write() -> None:  # the engine's side: the real reading path
        try:
            for ts, value in zip(times.tolist(), values.tolist(), strict=True):
                ok = not math.isnan(value)
                engine._emit(state, ts, value if ok else None,
                             Status.OK if ok else Status.ERROR, None if ok else "no")
        finally:
            done.set()

    def check(view) -> None:  # type: ignore[no-untyped-def]
        n = view.version
        if n == 0:
            return
        last = n - 1
        reading = view.last_reading
        if view.readings != n or reading is None or reading.ts != times[last]:
            problems.append(f"counters {view.readings} / reading {reading} at version {n}")
        if view.kept != min(n, CAPACITY) or view.failures != failures[last]:
            problems.append(f"kept {view.kept} failures {view.failures} at {n}")
        if view.alarm is not alarms[last] or view.acknowledged != acked[last]:
            problems.append(f"alarm {view.alarm}/{view.acknowledged} at {n}")
        stats = view.running_stats
        if stats.count != good_n[last] or not math.isclose(
                stats.mean, cumulative[last] / good_n[last], rel_tol=1e-9):
            problems.append(f"stats {stats} at {n}")
        ts, vs = view.snapshot()
        if len(ts) != len(vs) or len(ts) > view.kept:
            problems.append(f"snapshot of {len(ts)}/{len(vs)} points at {n}")
            return
        checked["lapped"] += len(ts) < view.kept
        want = slice(n - len(ts), n)  # whatever was kept: the newest points, aligned
        if not (np.array_equal(ts, times[want])
                and np.array_equal(vs, values[want], equal_nan=True)):
            problems.append(f"snapshot points differ at {n}")
        tail = view.tail(5)
        if not np.array_equal(tail, values[n - len(tail):n], equal_nan=True):
            problems.append(f"tail differs at {n}")

    def read() -> None:  # the dashboard's side
        while not done.is_set():
            check(state.view)
            checked["views"] += 1

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible
    try:
        reader = threading.Thread(target=read)
        writer = threading.Thread(target=write)
        reader.start()
        writer.start()
        writer.join()
        reader.join()
    finally:
        sys.setswitchinterval(before)
    check(state.view)
    assert problems == []
    assert checked["views"] > 100  # the reader did run alongside the writer
    assert state.view.version == POINTS


def test_a_view_keeps_its_moment_while_the_ring_moves_on() -> None:
    history = History(8)
    for i in range(20):
        history.append(float(i), float(i) * 2)
    end = history.version
    for i in range(20, 23):  # the writer goes on after the view was taken
        history.append(float(i), float(i) * 2)
    ts, vs = history.window(end, 4)  # slots not reached yet: all four, as they were
    assert ts.tolist() == [16.0, 17.0, 18.0, 19.0] and vs.tolist() == [32.0, 34.0, 36.0, 38.0]
    ts, vs = history.window(end, 8)  # three of these slots were written again: dropped
    assert ts.tolist() == [15.0, 16.0, 17.0, 18.0, 19.0]
    assert vs.tolist() == [30.0, 32.0, 34.0, 36.0, 38.0]


def test_a_write_in_flight_costs_a_full_window_its_oldest_point() -> None:
    history = History(8)
    for i in range(10):
        history.append(float(i), float(i))
    assert history.window(history.version, 8)[0].tolist() == [float(i) for i in range(2, 10)]
    history._begun += 1  # as if the writer had begun storing into the oldest slot
    assert history.window(history.version, 8)[0].tolist() == [float(i) for i in range(3, 10)]


def test_a_view_follows_changes_made_outside_the_engine() -> None:
    engine = Engine(history=CAPACITY)
    state = engine.add(make_sensor({"id": "s", "limits": {"hi": 30.0}}))
    first = state.view
    assert first.version == 0 and first.status_word() == "waiting"
    state.history.append(T0, 5.0)
    state.alarms.update(35.0)
    view = state.view
    assert view is not first and view.version == 1 and view.alarm is AlarmState.HI
    assert not view.acknowledged and view.tail(1).tolist() == [5.0]
    assert state.view is view  # nothing changed since: the same view, no rebuild


def test_a_reading_drops_the_view_and_pause_and_acknowledge_publish_one() -> None:
    engine = Engine(history=CAPACITY)
    state = engine.add(make_sensor({"id": "s", "limits": {"hi": 30.0}}))
    engine._emit(state, T0, 20.0, Status.OK)
    before = state.view
    engine._emit(state, T0 + 1, 35.0, Status.OK)
    assert state._view is None  # a reading drops the view; nobody may have asked for it
    published = state.view  # the first reader builds it, under the lock
    assert published is not before and published.alarm is AlarmState.HI
    assert published.version == 2 and published.tail(2).tolist() == [20.0, 35.0]
    assert state.view is published  # nothing changed since: no rebuild
    engine.pause("s")
    assert state._view is not published and state._view.paused
    assert [e.alarm for e in engine.acknowledge("s")] == [AlarmKind.HI]
    assert state._view.acknowledged and state.view is state._view


def test_acknowledge_says_what_it_found_in_one_step() -> None:
    engine = Engine(history=CAPACITY)
    state = engine.add(make_sensor({"id": "s", "limits": {"hi": 30.0}}))
    engine._emit(state, T0, 35.0, Status.OK)
    engine._emit(state, T0 + 1, 20.0, Status.OK)  # the alarm came and went, never seen
    acks = engine.acknowledge("s", user="op")  # it needs acknowledging all the same
    assert [(e.alarm, e.from_state, e.to_state, e.user) for e in acks] == [
        (AlarmKind.HI, Lifecycle.RTN_UNACK, Lifecycle.NORMAL, "op")]
    assert state.view.acknowledged and not state.view.alarm_summary.lines
    engine._emit(state, T0 + 2, 35.0, Status.OK)
    assert [e.to_state for e in engine.acknowledge("s")] == [Lifecycle.ACKED]
    assert engine.acknowledge("s") == []  # already acknowledged: nothing to do
