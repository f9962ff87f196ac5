"""What an action is given: the event as its journal line, and as environment variables.

The JSON is exactly the alarm journal's line, so a script written against the
journal reads the same fields. The variables carry the same values as text (an
empty string for a null); they are the only way values reach a program besides
stdin - never its command line, never a shell.
"""

from __future__ import annotations

import orjson

from sensortop.logs.format import format_ts
from sensortop.model.alarms import AlarmEvent

ENV_PREFIX = "SENSORTOP_"
ENV_NAMES = ("TS", "SENSOR", "ALARM", "PRIORITY", "EVENT", "FROM", "TO", "VALUE", "LIMIT",
             "USER", "UNTIL")
"""Every variable a program gets, as ``SENSORTOP_<NAME>`` (README "Actions")."""


def event_fields(event: AlarmEvent) -> dict[str, object]:
    """The event's journal fields, times as ISO-8601 UTC text."""
    return event.journal_fields(format_ts)


def event_json(event: AlarmEvent) -> bytes:
    """The event as one JSON object and a newline (what a program reads on stdin)."""
    return orjson.dumps(event_fields(event)) + b"\n"


def event_env(event: AlarmEvent) -> dict[str, str]:
    """``SENSORTOP_*`` variables for ``event``; every name in ``ENV_NAMES`` is set."""
    fields = event_fields(event)
    return {ENV_PREFIX + name: _text(fields.get(name.lower())) for name in ENV_NAMES}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""  # NaN has no text a script can use
    return str(value)


def summary(event: AlarmEvent) -> str:
    """One line for a person: ``reactor_temp hi raise (high): 161.2, limit 160``."""
    text = f"{event.sensor} {event.alarm.value} {event.event.value} ({event.priority.value})"
    if event.value is not None:
        text += f": {event.value:.6g}"
        if event.limit is not None:
            text += f", limit {event.limit:.6g}"
    if event.user:
        text += f" by {event.user}"
    return text
