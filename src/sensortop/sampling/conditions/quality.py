"""Bad quality: ``after`` failed reads (timeout or error) in a row."""

from __future__ import annotations

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class BadQuality:
    """On at the ``after``-th failure in a row; off at the next good read."""

    __slots__ = ("after", "failed")
    kind = AlarmKind.BAD_QUALITY
    failures = True
    ticks = False

    def __init__(self, after: int) -> None:
        self.after = after
        self.failed = 0

    def reading(self, ts: float, value: float | None) -> Condition | None:
        self.failed = self.failed + 1 if value is None else 0
        return Condition(self.failed >= self.after, float(self.failed), float(self.after))

    def tick(self, now: float) -> Condition | None:
        return None
