"""Where the review screen's "jump to" goes: a wall-clock time, a date and time, or a span.

An operator looking at a log asks "what was happening at 14:05?" in the time
on the wall clock, so a time without a zone here is local time (unlike
``--since``, whose ISO times are UTC like the log; ``Z`` or an offset still
says UTC or that zone). A bare time of day means its latest occurrence not
after the log's last reading; ``-2h`` counts back from that last reading and
``+10m`` on from the first, so a week-old log is jumped around in its own
time, not today's. Spans are ``timespec``'s (s, m, h, d, w).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from sensortop.review.timespec import EARLIEST, LATEST, TimeSpecError, parse_time_spec

_RELATIVE = re.compile(r"^\s*([-+])\s*(\d+(?:\.\d+)?\s*[smhdw])\s*$", re.IGNORECASE | re.ASCII)
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?\s*(z)?\s*$",
                          re.IGNORECASE | re.ASCII)
FORMS = "a local time like 14:05, a date and time like 2026-11-24 14:05, or -2h / +10m"


def parse_jump(text: str, first: float, last: float, zone: tzinfo | None = None) -> float:
    """Epoch seconds that ``text`` names, for a log spanning ``first``..``last``.

    ``zone`` is the wall clock's zone (default: this machine's). Raises
    ``TimeSpecError`` with the forms accepted for anything else.
    """
    relative = _RELATIVE.match(text)
    if relative:
        sign, span = relative.groups()
        base = last if sign == "-" else first
        seconds = base - parse_time_spec(span, now=datetime.fromtimestamp(base, UTC))
        return _checked(base - seconds if sign == "-" else base + seconds, text)
    clock = _TIME_OF_DAY.match(text)
    if clock:
        return _time_of_day(clock, last, UTC if clock.group(5) else zone)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeSpecError(f"not a time: {text.strip()!r:.60} (use {FORMS})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    return _checked(moment.timestamp(), text)


def _time_of_day(clock: re.Match[str], last: float, zone: tzinfo | None) -> float:
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeSpecError(f"not a time of day: {clock.group(0).strip()!r}")
    micro = round(float(clock.group(4) or 0) * 1e6)
    end = datetime.fromtimestamp(last, zone) if zone is not None else \
        datetime.fromtimestamp(last).astimezone()
    candidate = end.replace(hour=hour, minute=minute, second=second, microsecond=micro)
    if candidate > end:
        candidate = _same_clock(candidate - timedelta(days=1), zone)
    return candidate.timestamp()


def _same_clock(moment: datetime, zone: tzinfo | None) -> datetime:
    """``moment``'s wall-clock reading in ``zone`` (the day before may have another offset)."""
    naive = moment.replace(tzinfo=None)
    return naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()


def _checked(result: float, text: str) -> float:
    if not EARLIEST <= result <= LATEST:
        raise TimeSpecError(f"{text.strip()!r:.60} is outside the years 1-9999")
    return result
