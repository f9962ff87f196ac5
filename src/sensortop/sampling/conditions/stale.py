"""Stale: no good reading for ``after`` seconds (counted from the start, too)."""

from __future__ import annotations

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Stale:
    """On once ``after`` s pass with no good reading; off at the next good one."""

    __slots__ = ("after", "last_good")
    kind = AlarmKind.STALE
    failures = True
    ticks = True

    def __init__(self, after: float) -> None:
        self.after = after
        self.last_good: float | None = None

    def reading(self, ts: float, value: float | None) -> Condition | None:
        if value is None:
            return self.tick(ts)
        self.last_good = ts
        return Condition(False, 0.0, self.after)

    def hold(self, now: float) -> Condition:
        """The sensor is paused: no reading is expected, so the clock starts again."""
        self.last_good = now
        return Condition(False, 0.0, self.after)

    def tick(self, now: float) -> Condition | None:
        if self.last_good is None:  # the clock starts with the first look
            self.last_good = now
        age = now - self.last_good
        return Condition(age >= self.after, age, self.after)
