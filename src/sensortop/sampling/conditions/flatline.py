"""Flatline: good values all within ``within`` of each other for ``after`` seconds."""

from __future__ import annotations

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Flatline:
    """A stuck transmitter: the spread of the current flat spell stays within ``within``."""

    __slots__ = ("after", "high", "low", "start", "within")
    kind = AlarmKind.FLATLINE
    failures = False
    ticks = False

    def __init__(self, after: float, within: float) -> None:
        self.after = after
        self.within = within
        self.start: float | None = None
        self.low = self.high = 0.0

    def reading(self, ts: float, value: float | None) -> Condition | None:
        if value is None:
            return None
        if self.start is None or max(self.high, value) - min(self.low, value) > self.within:
            self.start, self.low, self.high = ts, value, value  # a new spell starts here
        else:
            self.low, self.high = min(self.low, value), max(self.high, value)
        flat = ts - self.start
        return Condition(flat >= self.after, flat, self.after)

    def tick(self, now: float) -> Condition | None:
        return None
