"""``--since`` / ``--until`` values: ISO times or spans back from now.

Users ask "what happened in the last 2h?" as often as "since 06:00", so both
forms are accepted. Times without a zone are taken as UTC because the logs and
every table sensortop prints are in UTC. ``now`` is a parameter so tests (and a
caller that wants one consistent "now" for both ends) can fix it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


class TimeSpecError(ValueError):
    """A ``--since`` / ``--until`` value that is neither an ISO time nor a span."""


def parse_time_spec(text: str, now: datetime | None = None) -> float:
    """Epoch seconds for ``text``: ``2026-11-24T06:00Z``, ``2026-11-24``, or ``30m``/``2h``/``1d``.

    A span (s, m, h, d, w) means that long before ``now`` (default: the clock).
    """
    match = _SPAN.match(text)
    if match:
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        return (moment - timedelta(seconds=seconds)).timestamp()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeSpecError(
            f"not a time: {text!r} (use an ISO time like 2026-11-24T06:00:00Z, "
            "or a span back from now like 30m, 2h, 1d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
