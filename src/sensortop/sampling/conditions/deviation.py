"""Deviation from the setpoint, with the sensor's deadband to clear."""

from __future__ import annotations

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Deviation:
    """On while |value - setpoint| >= max; off once it is below max - deadband."""

    __slots__ = ("deadband", "max", "on", "setpoint")
    kind = AlarmKind.DEVIATION
    failures = False
    ticks = False

    def __init__(self, setpoint: float, max_deviation: float, deadband: float) -> None:
        self.setpoint = setpoint
        self.max = max_deviation
        self.deadband = deadband
        self.on = False

    def reading(self, ts: float, value: float | None) -> Condition | None:
        if value is None:
            return None
        off = value - self.setpoint
        self.on = abs(off) >= self.max or (self.on and abs(off) > self.max - self.deadband)
        limit = self.setpoint + (self.max if off >= 0 else -self.max)
        return Condition(self.on, value, limit)

    def tick(self, now: float) -> Condition | None:
        return None
