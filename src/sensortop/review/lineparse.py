"""The general path: one log line judged alone, as a reading or the reason it is not one.

``orjson`` decodes the line, then :func:`parse_record` applies the log
contract's rules. This is the one judge of what a reading is: the vectorised
``fastparse`` takes only lines this path would take, with the same values, and
every line it leaves (an ``error`` field, another layout, garbage) comes here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from sensortop.review.logdata import ALARMS, STATUSES
from sensortop.review.timespec import EARLIEST, LATEST

MAX_LINE_BYTES = 4 << 20  # a longer line is skipped unread: no reading comes near it
_STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}
_ALARM_CODE = {name: code for code, name in enumerate(ALARMS)}

Record = tuple[float, float, int, int, str, str | None, str | None]
"""A reading as the general path reads it: (ts, value, status code, alarm code, sensor,
units or None, error text or None)."""


def too_long() -> str:
    """The skip reason of a line over :data:`MAX_LINE_BYTES`."""
    return f"line longer than {MAX_LINE_BYTES:,} bytes"


class _Undecodable:
    """A line orjson refuses, with its reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _loads(text: bytes | bytearray) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _Undecodable(f"not JSON ({exc.msg})")


def judge_line(text: bytes | bytearray) -> tuple[Record | str, bool]:
    """:func:`parse_line`'s answer, and whether the line decoded to a JSON object.

    A cut-off last line never decodes to an object, so only such a line can be torn.
    """
    if len(text) > MAX_LINE_BYTES:
        return too_long(), False
    doc = _loads(text)
    return parse_record(doc), isinstance(doc, dict)


def parse_line(text: bytes) -> Record | str:
    """The general path for one line (no newline): its reading, or why it is not one."""
    return judge_line(text)[0]


def parse_record(doc: object) -> Record | str:
    """A decoded line as a reading, or why it is not one (the general path's rules).

    ``ts`` must be an ISO time that ``datetime`` takes, within the years
    1-9999 once in UTC (no zone means UTC, as the log contract is UTC);
    ``sensor`` a non-empty string; ``value`` a number or null; ``status``
    and ``alarm`` the documented words.
    """
    if isinstance(doc, _Undecodable):
        return doc.reason
    if not isinstance(doc, dict):
        return "not a JSON object"
    ts, sensor, value = doc.get("ts"), doc.get("sensor"), doc.get("value")
    status, alarm = doc.get("status"), doc.get("alarm")
    if not isinstance(ts, str):
        return "no ts"
    seconds = iso_seconds(ts)
    if isinstance(seconds, str):
        return f"bad ts {_clip(ts)}{seconds}"
    if not isinstance(sensor, str) or not sensor:
        return "no sensor"
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"bad value {_clip(value)}"
    if status not in _STATUS_CODE:
        return f"bad status {_clip(status)}"
    if alarm is not None and alarm not in _ALARM_CODE:
        return f"bad alarm {_clip(alarm)}"
    units = doc.get("units")
    error = doc.get("error")
    return (seconds, float("nan") if value is None else float(value), _STATUS_CODE[status],
            _ALARM_CODE[alarm or "normal"], sensor, units if isinstance(units, str) else None,
            error if isinstance(error, str) and error else None)


def iso_seconds(ts: str) -> float | str:
    """Epoch seconds of a log's ISO time (no zone means UTC), or why not: ``""`` for text
    that is not such a time, a reason in brackets for one outside the years 1-9999."""
    try:
        moment = datetime.fromisoformat(ts)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
    except (ValueError, OverflowError):
        return ""
    if not EARLIEST <= seconds <= LATEST:
        return " (outside the years 1-9999 in UTC)"
    return seconds


def _clip(value: object, width: int = 60) -> str:
    """A value for a skip reason: its repr, cut short so a huge field cannot flood stderr."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
