"""Alarms in plain words, the same on the panels, the status line and the alarm screen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sensortop.model.alarms import AlarmEvent, AlarmKind, Lifecycle, Priority
from sensortop.sampling.alarm_view import RANK, AlarmLine
from sensortop.sampling.view import SensorView

STATE_WORDS = {
    Lifecycle.NORMAL: "normal", Lifecycle.UNACK: "unacknowledged",
    Lifecycle.ACKED: "acknowledged", Lifecycle.RTN_UNACK: "cleared, unacknowledged",
    Lifecycle.LATCHED: "latched", Lifecycle.SHELVED: "shelved",
    Lifecycle.OUT_OF_SERVICE: "out of service",
}
KIND_WORDS = {AlarmKind.BAD_QUALITY: "BAD QUALITY"}
PRIORITY_STYLE = {Priority.CRITICAL: "bold reverse $error", Priority.HIGH: "bold $error",
                  Priority.MEDIUM: "bold $warning", Priority.LOW: "$text"}


def alarm_name(kind: AlarmKind) -> str:
    """``HI``, ``RATE``, ``BAD QUALITY``: how an alarm is named to people."""
    return KIND_WORDS.get(kind, kind.value.upper())


def names(kinds: Iterable[AlarmKind]) -> str:
    found = list(dict.fromkeys(kinds))
    word = "alarm" if len(found) == 1 else "alarms"
    return f"{', '.join(alarm_name(k) for k in found)} {word}"


def ack_words(events: Sequence[AlarmEvent], view: SensorView) -> str:
    """What ``k`` did: "HI alarm acknowledged", "... already acknowledged", or nothing to do."""
    if events:
        return f"{names(e.alarm for e in events)} acknowledged"
    seen = [line.kind for line in view.alarm_summary.lines
            if line.state in (Lifecycle.ACKED, Lifecycle.LATCHED)]
    if seen:
        return f"{names(seen)} already acknowledged"
    return "no alarm to acknowledge"


def duration_words(seconds: float) -> str:
    """A span for people: 42 s, 3 min 05 s, 2 h 07 min, 3 d 4 h."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def line_state(line: AlarmLine) -> str:
    """The state column: "unacknowledged", "shelved (active)", "latched"."""
    words = STATE_WORDS[line.state]
    if line.state in (Lifecycle.SHELVED, Lifecycle.OUT_OF_SERVICE) and line.active:
        words += " (active)"
    return words


def other_alarm(view: SensorView) -> tuple[str, str] | None:
    """The panel's words for an announced alarm that is not a level (those have
    their own, from the reading): the highest priority one, e.g. ("STALE alarm!", style)."""
    shown = [line for line in view.alarm_summary.lines
             if line.active and line.state in (Lifecycle.UNACK, Lifecycle.ACKED)
             and line.kind.value not in ("lolo", "lo", "hi", "hihi")]
    if not shown:
        return None
    top = max(shown, key=lambda line: RANK[line.priority])
    mark = "!" if any(line.state is Lifecycle.UNACK for line in shown) else ""
    return f"{alarm_name(top.kind)} alarm{mark}", PRIORITY_STYLE[top.priority]
