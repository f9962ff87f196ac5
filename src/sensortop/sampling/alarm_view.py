"""What the dashboard may know about a sensor's alarms: immutable, built only on a change.

Part of the ``SensorView`` (``view.alarm_summary``): the alarm screen, the status
line and the panels read it; the engine rebuilds it when an alarm changes, never
per reading.
"""

from __future__ import annotations

from typing import NamedTuple

from sensortop.model.alarms import AlarmKind, Lifecycle, Priority

RANK = {p: i for i, p in enumerate(Priority)}
"""Priority -> rank (critical highest)."""


class AlarmLine(NamedTuple):
    """One alarm that needs showing: announced, suppressed, or latched."""

    sensor: str
    kind: AlarmKind
    priority: Priority
    state: Lifecycle
    """As the journal names it: unack, acked, rtn_unack, latched, shelved, out_of_service."""
    active: bool
    """Its condition is raised (also while shelved or out of service)."""
    since: float | None
    """When it raised (None once it has cleared)."""
    value: float | None
    limit: float | None
    shelved_until: float | None
    latch: bool


class Episode(NamedTuple):
    """One finished spell of an alarm being active, with the sensor's values during it."""

    sensor: str
    kind: AlarmKind
    priority: Priority
    start: float
    end: float
    readings: int
    """Good readings during it (0 for stale and bad quality: min, mean, max are None)."""
    low: float | None
    mean: float | None
    high: float | None

    @property
    def duration(self) -> float:
        return self.end - self.start


class AlarmSummary(NamedTuple):
    """A sensor's alarms at one moment."""

    lines: tuple[AlarmLine, ...] = ()
    episodes: tuple[Episode, ...] = ()
    """Finished episodes, oldest first (the last ``EPISODES_KEPT``)."""
    out_of_service: bool = False

    @property
    def announced(self) -> bool:
        """An alarm is raised and shown (not shelved, not out of service)."""
        return any(line.active and line.state in (Lifecycle.UNACK, Lifecycle.ACKED)
                   for line in self.lines)

    @property
    def unacknowledged(self) -> int:
        return sum(1 for line in self.lines
                   if line.state in (Lifecycle.UNACK, Lifecycle.RTN_UNACK))


EMPTY = AlarmSummary()
