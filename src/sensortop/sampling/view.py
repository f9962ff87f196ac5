"""What another thread may know about a sensor: one immutable view, taken in one step.

The engine writes a sensor's history, alarm state and counters on its own
thread; the dashboard reads them on another. Rather than read those live
fields one by one (and see half of a reading), a reader takes the sensor's
current ``SensorView``: a tuple built, under the sensor's lock, by the first
reader after a reading (the engine builds it after pause, resume or
acknowledge) and published by one reference assignment. Everything in it
belongs to the same moment. The history points are not copied per reading
(600 points x 2 arrays at 20,000 readings/s would cost more than the reading
itself): the view holds the append count it was taken at, and
``snapshot()``/``tail()`` copy those points from the ring when asked,
dropping any the writer has since overwritten (``History.window``).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.model.specs import SensorSpec
from sensortop.sampling.alarm_view import AlarmSummary
from sensortop.sampling.history import History, Stats, stats_from, values_stats

STALE_INTERVALS = 3.0
"""A sensor with no good reading for this many intervals (or interval + timeout,
if longer) is stale."""


class SensorView(NamedTuple):
    """One sensor at one moment: the only engine state the dashboard reads."""

    spec: SensorSpec
    version: int
    """How many points the history had taken (``History.version``)."""
    history: History
    last_reading: Reading | None
    last_good_ts: float | None
    paused: bool
    connected: bool
    readings: int
    failures: int
    skipped_slots: int
    alarm: AlarmState
    acknowledged: bool
    stats_fields: tuple[int, float, float, float, float]
    alarm_summary: AlarmSummary
    """Every alarm that needs showing, and the finished episodes (``alarm_view``)."""

    @property
    def alarms_active(self) -> bool:
        """Whether the sensor has any alarm: a limit or another kind (its spec never changes)."""
        limits, rules = self.spec.limits, self.spec.alarms
        return not (limits.hi is None and limits.hihi is None and limits.lo is None
                    and limits.lolo is None and rules.rate is None and rules.deviation is None
                    and rules.stale is None and rules.flatline is None
                    and rules.bad_quality is None)

    @property
    def kept(self) -> int:
        """Points the history held at this moment (``len(snapshot())`` unless lapped)."""
        return self.history.kept_at(self.version)

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(timestamps, values) oldest first, ending with this view's last point."""
        return self.history.window(self.version, self.history.capacity)

    def tail(self, n: int) -> np.ndarray:
        """The last ``n`` values of this view, oldest first."""
        return self.history.window(self.version, n)[1]

    @property
    def running_stats(self) -> Stats:
        """All-time statistics of good values up to this view's last point."""
        return stats_from(self.stats_fields)

    def window_stats(self) -> Stats:
        """Statistics of the good values in ``snapshot()``."""
        return values_stats(self.snapshot()[1])

    def is_stale(self, now: float | None = None) -> bool:
        """No good reading for a few intervals (always False while paused)."""
        if self.paused:
            return False
        now = time.time() if now is None else now
        if self.last_good_ts is None:
            return self.last_reading is not None
        spec = self.spec
        limit = max(STALE_INTERVALS * spec.interval, spec.interval + spec.timeout)
        return now - self.last_good_ts > limit

    def status_word(self, now: float | None = None) -> str:
        """One of ok, timeout, error, alarm, paused, stale, waiting: what the panel shows."""
        if self.paused:
            return "paused"
        reading = self.last_reading
        if reading is None:
            return "waiting"
        if reading.status is Status.TIMEOUT:
            return "timeout"
        if reading.status is Status.ERROR:
            return "error"
        if self.is_stale(now):
            return "stale"
        if reading.alarm is not AlarmState.NORMAL or self.alarm_summary.announced:
            return "alarm"
        return "ok"
