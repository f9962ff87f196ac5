"""Sensors fed from a recorder's log instead of their instruments (``sensortop view``),
and backfill: older logged points put before a sensor's live ones.

The dashboard reads ``SensorState`` objects; a viewer shows the same panels, so
``LogFeed`` keeps the same states in an ``Engine`` that is never started (its
registry and history size) and writes them as the engine would: history,
last reading, counters and alarm state under the sensor's lock, then one
published view. The alarm state is the one the recorder logged; the viewer
evaluates nothing. A sensor appears when it first shows up in the log, with
its units from the log, and its spec from the config where the ids match.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.model.specs import SensorSpec
from sensortop.review.logdata import ALARMS, STATUSES, SensorSeries
from sensortop.sampling.engine import Engine
from sensortop.sampling.state import SensorState
from sensortop.sources import Source

BACKFILL_HORIZON = 24 * 3600.0
"""Backfill reads no further back than this (README "History from the logs")."""
FOLLOW_LAG = 1.0
"""A viewer sees a reading up to a recorder flush (250 ms) and a follower poll (200 ms)
after its time: a sensor named by its id is given this much more than its interval
before it counts as stale, or one read faster than that would always show STALE."""
_STATUS = tuple(Status(s) for s in STATUSES)
_ALARM = tuple(AlarmState(a) for a in ALARMS)


class FollowedSource(Source):
    """The source of a sensor shown from a recorder's log: nothing is ever read from it
    (the feed writes its readings); it only carries the spec."""


def backfill(state: SensorState, series: SensorSeries) -> int:
    """Put logged points older than the sensor's live ones before them, statistics
    included; returns how many were taken. Call it where the engine lives."""
    with state.lock:
        taken = state.history.prepend(series.ts, series.value)
        state.publish()
    return taken


def guess_interval(ts: np.ndarray) -> float:
    """A sensor's interval from its logged times: the median step (1 s with fewer than
    two points), so staleness and chart gaps are judged as the recorder's config would."""
    steps = np.diff(ts)
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else 1.0


class LogFeed:
    """The states of every sensor in a followed log; written by one thread (the follower)."""

    def __init__(self, history: int, specs: Mapping[str, SensorSpec] | None = None) -> None:
        self.engine = Engine((), history=history)
        self._specs = dict(specs or {})

    @property
    def sensors(self) -> dict[str, SensorState]:
        return self.engine.sensors

    def state_for(self, series: SensorSeries) -> SensorState:
        """The sensor's state, made on its first appearance in the log."""
        state = self.engine.sensors.get(series.sensor)
        if state is None:
            spec = self._specs.get(series.sensor)
            if spec is None:
                spec = SensorSpec(id=series.sensor, kind="log", units=series.units,
                                  interval=guess_interval(series.ts))
                spec.timeout = spec.interval + FOLLOW_LAG
            state = self.engine.add(spec, FollowedSource(spec))
        return state

    def backfill(self, found: Mapping[str, SensorSeries]) -> None:
        """History from the logs, before anything followed: each sensor's ring and
        statistics, and its last logged reading as the one shown."""
        for series in found.values():
            if series.ts.size:
                state = self.state_for(series)
                backfill(state, series)
                with state.lock:
                    self._last(state, series, 0, 0)

    def ingest(self, found: Mapping[str, SensorSeries]) -> None:
        """Newly logged readings, each sensor's in time order."""
        total = 0
        for series in found.values():
            n = int(series.ts.size)
            if n == 0:
                continue
            state = self.state_for(series)
            append = state.history.append
            with state.lock:
                for ts, value in zip(series.ts.tolist(), series.value.tolist(), strict=True):
                    append(ts, value)
                failures = int(np.count_nonzero(series.status))
                self._last(state, series, n, failures)
            total += n
        self.engine.readings_total += total

    @staticmethod
    def _last(state: SensorState, series: SensorSeries, readings: int, failures: int) -> None:
        """The last reading, counters and logged alarm state (under the lock), published."""
        i = -1
        value = float(series.value[i])
        status = _STATUS[int(series.status[i])]
        ok = np.flatnonzero(series.status == 0)
        if ok.size:  # a failed read carries no alarm; the state stays the last good one's
            state.alarms.level = _ALARM[int(series.alarm[ok[-1]])]
        state.last_reading = Reading(
            float(series.ts[i]), state.spec.id, None if value != value else value,
            series.units or state.spec.units, status,
            series.last_error if status is not Status.OK else None,
            _ALARM[int(series.alarm[i])])
        state.readings += readings
        state.failures += failures
        state.connected = True
        state.publish()
