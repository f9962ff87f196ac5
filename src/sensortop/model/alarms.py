"""The alarm vocabulary (README "Alarms") and the one event every alarm consumer reads.

The engine emits an ``AlarmEvent`` for every lifecycle transition and operator
action; the journal writes ``journal_fields()`` as one JSON line, actions get the
same mapping, and ``sensortop alarms`` reads those lines back. One shape for all
of them, so the journal is exactly what actions saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Priority(StrEnum):
    """ISA-18.2 priorities, lowest first (their order is their rank)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlarmKind(StrEnum):
    """What an alarm watches: a level, a rate, a deviation, or the signal's health."""

    LOLO = "lolo"
    LO = "lo"
    HI = "hi"
    HIHI = "hihi"
    RATE = "rate"
    DEVIATION = "deviation"
    STALE = "stale"
    FLATLINE = "flatline"
    BAD_QUALITY = "bad_quality"


class Lifecycle(StrEnum):
    """ISA-18.2 alarm states as the journal writes them."""

    NORMAL = "normal"
    UNACK = "unack"                    # active, not acknowledged
    ACKED = "acked"                    # active, acknowledged
    RTN_UNACK = "rtn_unack"            # returned to normal, not acknowledged
    LATCHED = "latched"                # returned to normal, held until the operator resets it
    SHELVED = "shelved"
    OUT_OF_SERVICE = "out_of_service"


class EventKind(StrEnum):
    """Why a transition happened: what ``[[actions]] on = [...]`` selects."""

    RAISE = "raise"
    CLEAR = "clear"
    REALARM = "realarm"
    ACK = "ack"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    RESET = "reset"
    OUT_OF_SERVICE = "out_of_service"
    IN_SERVICE = "in_service"


OPERATOR_EVENTS = frozenset({EventKind.ACK, EventKind.SHELVE, EventKind.UNSHELVE,
                             EventKind.RESET, EventKind.OUT_OF_SERVICE, EventKind.IN_SERVICE})
"""Events an operator causes: their journal lines carry ``user``."""


@dataclass(slots=True, frozen=True)
class AlarmEvent:
    """One alarm transition of one sensor's alarm, at ``ts`` (seconds since the epoch, UTC).

    ``value`` is what the alarm's condition compared with ``limit`` (the reading for
    a level or deviation, the rate, the seconds stale or flat, the failures in a
    row; README "Alarms"), None for operator actions.
    """

    ts: float
    sensor: str
    alarm: AlarmKind
    priority: Priority
    event: EventKind
    from_state: Lifecycle
    to_state: Lifecycle
    value: float | None = None
    limit: float | None = None
    user: str | None = None
    until: float | None = None
    """Shelved until (seconds since the epoch), for a shelve."""

    def journal_fields(self, format_ts: Callable[[float], str] | None = None
                       ) -> dict[str, object]:
        """The journal line's fields in the README's order (``ts`` left as a number
        unless ``format_ts`` turns it into the ISO text)."""
        fmt = format_ts
        fields: dict[str, object] = {
            "ts": fmt(self.ts) if fmt else self.ts,
            "sensor": self.sensor, "alarm": self.alarm.value,
            "priority": self.priority.value, "event": self.event.value,
            "from": self.from_state.value, "to": self.to_state.value,
            "value": self.value, "limit": self.limit,
        }
        if self.user is not None:
            fields["user"] = self.user
        if self.until is not None:
            fields["until"] = fmt(self.until) if fmt else self.until
        return fields
