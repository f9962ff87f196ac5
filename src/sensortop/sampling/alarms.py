"""Alarm limits with hysteresis, so a value hovering at a limit does not chatter.

A level is entered when the value reaches its limit and left only once the
value has come back past the limit by the deadband.
"""

from __future__ import annotations

from sensortop.model.readings import AlarmState
from sensortop.model.specs import Limits

_HIGH = (AlarmState.NORMAL, AlarmState.HI, AlarmState.HIHI)
_LOW = (AlarmState.NORMAL, AlarmState.LO, AlarmState.LOLO)


class AlarmEvaluator:
    """Tracks one sensor's alarm state across readings; tracks acknowledgement too."""

    __slots__ = ("acknowledged", "limits", "state")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.state = AlarmState.NORMAL
        self.acknowledged = True

    @property
    def active(self) -> bool:
        return self.limits.hi is not None or self.limits.hihi is not None or \
            self.limits.lo is not None or self.limits.lolo is not None

    def update(self, value: float) -> AlarmState:
        """Feed one good value; return the (possibly unchanged) alarm state."""
        limits = self.limits
        db = limits.deadband
        state = self.state
        high_level = _HIGH.index(state) if state in _HIGH else 0
        low_level = _LOW.index(state) if state in _LOW else 0
        new_high = 0
        for level, limit in ((1, limits.hi), (2, limits.hihi)):
            if limit is None:
                continue
            if value >= limit or (high_level >= level and value > limit - db):
                new_high = level
        new_low = 0
        for level, limit in ((1, limits.lo), (2, limits.lolo)):
            if limit is None:
                continue
            if value <= limit or (low_level >= level and value < limit + db):
                new_low = level
        new = _HIGH[new_high] if new_high else _LOW[new_low]
        if new is not state:
            if new is not AlarmState.NORMAL and _severity(new) > _severity(state):
                self.acknowledged = False
            self.state = new
        return new

    def acknowledge(self) -> None:
        self.acknowledged = True


def _severity(state: AlarmState) -> int:
    return {AlarmState.NORMAL: 0, AlarmState.LO: 1, AlarmState.HI: 1,
            AlarmState.LOLO: 2, AlarmState.HIHI: 2}[state]
