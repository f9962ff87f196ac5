"""A level alarm (lolo, lo, hi, hihi): entered at its limit, left past it by the deadband."""

from __future__ import annotations

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Level:
    """One limit with hysteresis, so a value hovering at the limit does not chatter."""

    __slots__ = ("deadband", "high", "kind", "limit", "on")
    failures = False
    ticks = False

    def __init__(self, kind: AlarmKind, limit: float, deadband: float) -> None:
        self.kind = kind
        self.limit = limit
        self.deadband = deadband
        self.high = kind in (AlarmKind.HI, AlarmKind.HIHI)
        self.on = False

    def reading(self, ts: float, value: float | None) -> Condition | None:
        if value is None:
            return None  # a failed read says nothing about the level
        limit = self.limit
        if self.high:
            self.on = value >= limit or (self.on and value > limit - self.deadband)
        else:
            self.on = value <= limit or (self.on and value < limit + self.deadband)
        return Condition(self.on, value, limit)

    def tick(self, now: float) -> Condition | None:
        return None

    def quiet_band(self) -> tuple[float, float]:
        """The open interval of values that cannot change ``on``: the fast path's test."""
        inf = float("inf")
        if self.high:
            return (self.limit - self.deadband, inf) if self.on else (-inf, self.limit)
        return (-inf, self.limit + self.deadband) if self.on else (self.limit, inf)
