"""Rate of change: the average slope over the last ``window`` seconds, per s or per min."""

from __future__ import annotations

from collections import deque

from sensortop.model.alarm_specs import RateRule
from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Rate:
    """On while |last - first| / (t_last - t_first) over the window is at least ``max``;
    nothing is said until the readings span a whole window."""

    __slots__ = ("limit", "points", "scale", "window")
    kind = AlarmKind.RATE
    failures = False
    ticks = False

    def __init__(self, rule: RateRule) -> None:
        self.limit = rule.max
        self.window = rule.window
        self.scale = 60.0 if rule.per == "min" else 1.0
        self.points: deque[tuple[float, float]] = deque()

    def reading(self, ts: float, value: float | None) -> Condition | None:
        if value is None:
            return None
        points = self.points
        points.append((ts, value))
        while len(points) > 2 and points[1][0] <= ts - self.window:
            points.popleft()  # keep one point at or before the window's start
        t0, v0 = points[0]
        if t0 > ts - self.window:  # not a whole window yet: two noisy points are no rate
            return None
        rate = (value - v0) / (ts - t0) * self.scale
        return Condition(abs(rate) >= self.limit, rate, self.limit)

    def tick(self, now: float) -> Condition | None:
        return None
