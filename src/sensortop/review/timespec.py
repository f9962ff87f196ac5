"""``--since`` / ``--until`` values: ISO times or spans back from now.

Users ask "what happened in the last 2h?" as often as "since 06:00", so both
forms are accepted. Times without a zone are taken as UTC because the logs and
every table sensortop prints are in UTC. ``now`` is a parameter so tests (and a
caller that wants one consistent "now" for both ends) can fix it.

Every answer is a finite time within the years 1-9999 (what the logs and
``datetime`` can hold); anything else, however it is written (``800000d``, a
span of 400 digits, ``nan``, ``-5m``), is a ``TimeSpecError`` with the reason.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE | re.ASCII)
_NEGATIVE_SPAN = re.compile(r"^\s*[-+]\s*\d+(?:\.\d+)?\s*[smhdw]\s*$", re.IGNORECASE | re.ASCII)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
EARLIEST = datetime(1, 1, 1, tzinfo=UTC).timestamp()  # 0001-01-01T00:00:00Z
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp()
_FORMS = "use an ISO time like 2026-11-24T06:00:00Z, or a span back from now like 30m, 2h, 1d"


class TimeSpecError(ValueError):
    """A ``--since`` / ``--until`` value that is neither an ISO time nor a span, or out of range."""


def parse_time_spec(text: str, now: datetime | None = None) -> float:
    """Epoch seconds for ``text``: ``2026-11-24T06:00Z``, ``2026-11-24``, or ``30m``/``2h``/``1d``.

    A span (s, m, h, d, w) means that long before ``now`` (default: the clock).
    """
    shown = _shown(text)
    match = _SPAN.match(text)
    if match:
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        # Plain float arithmetic: a timedelta of 800000 days overflows datetime.
        result = moment.timestamp() - seconds
        if not EARLIEST <= result <= LATEST:
            raise TimeSpecError(f"{shown} reaches back before the year 1: too long a span")
        return result
    if _NEGATIVE_SPAN.match(text):
        raise TimeSpecError(f"not a time: {shown} (a span counts back from now and has no "
                            "sign: 30m is 30 minutes ago)")
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        result = moment.timestamp()
    except (ValueError, OverflowError):
        raise TimeSpecError(f"not a time: {shown} ({_FORMS})") from None
    if not (math.isfinite(result) and EARLIEST <= result <= LATEST):
        raise TimeSpecError(f"{shown} is outside the years 1-9999 once taken to UTC")
    return result


def _shown(text: str, width: int = 60) -> str:
    """The value as quoted in a message: its repr, cut short."""
    shown = repr(text)
    return shown if len(shown) <= width else shown[: width - 4] + "...'"
