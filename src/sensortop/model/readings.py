"""The one record type every part of sensortop passes around."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Outcome of one read, as written to the log."""

    OK = "ok"
    TIMEOUT = "timeout"
    ERROR = "error"


class AlarmState(StrEnum):
    """Alarm state of a sensor; NORMAL is never written to the log."""

    NORMAL = "normal"
    LOLO = "lolo"
    LO = "lo"
    HI = "hi"
    HIHI = "hihi"


@dataclass(slots=True, frozen=True)
class Reading:
    """One reading of one sensor.

    ``ts`` is seconds since the Unix epoch (UTC); ``value`` is None unless the
    read succeeded. ``alarm`` travels with the reading so the log holds it.
    """

    ts: float
    sensor: str
    value: float | None
    units: str
    status: Status
    error: str | None = None
    alarm: AlarmState = AlarmState.NORMAL
