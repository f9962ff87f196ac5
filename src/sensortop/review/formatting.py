"""Cell text shared by ``sensortop review``'s table and the review screen's table.

One definition, so the command and the screen show a summary the same way
(the README's "Reviewing the logs" section describes both).
"""

from __future__ import annotations

import time


def number(x: float | None) -> str:
    """A summary statistic in six significant digits; ``-`` when there is none."""
    return "-" if x is None else f"{x:.6g}"


def short_time(ts: float) -> str:
    """A UTC time to the second, as the tables' first/last columns show it."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def duration(seconds: float) -> str:
    """A short human duration: ``45s``, ``12m``, ``3.5h``, ``2.1d``."""
    if seconds < 120:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def alarm_text(seconds: dict[str, float]) -> str:
    """Time in each non-normal alarm state, e.g. ``hi 12m hihi 30s``; ``-`` if none."""
    parts = [f"{name} {duration(t)}" for name, t in seconds.items() if name != "normal" and t > 0]
    return " ".join(parts) or "-"
