"""One small module per alarm kind's condition (README "Alarms").

Each condition is fed the sensor's readings (``value`` None for a failed read) and,
where time alone can make it true, clock ticks; it answers a ``lifecycle.Condition``
(on or off, and the value it compared with its limit) or None for "no news". The
lifecycle, not the condition, applies delays, latching and shelving.
"""

from __future__ import annotations

from typing import Protocol

from sensortop.model.alarms import AlarmKind
from sensortop.sampling.lifecycle import Condition


class Watch(Protocol):
    """What every kind's condition offers the sensor's alarm set."""

    kind: AlarmKind
    failures: bool
    """Failed reads matter to it (stale, bad quality)."""
    ticks: bool
    """Time alone can turn it on (stale)."""

    def reading(self, ts: float, value: float | None) -> Condition | None: ...

    def tick(self, now: float) -> Condition | None: ...
