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


@dataclass(slots=True, frozen=True)
class AlarmTransition:
    """A sensor's alarm state changed with the reading at ``ts``.

    The engine hands these to sinks next to readings (see README "How it works").
    ``limit`` is the limit crossed: the new state's when entering or escalating,
    the old state's when the alarm clears or falls back to a lesser level.
    """

    ts: float
    sensor: str
    from_state: AlarmState
    to_state: AlarmState
    value: float
    limit: float | None
