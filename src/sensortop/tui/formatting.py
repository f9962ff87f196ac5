"""Numbers and ages as short, steady text for panels and the detail screen."""

from __future__ import annotations

import math


def format_value(value: float | None) -> str:
    """A reading with as many decimals as its size deserves; '—' for nothing."""
    if value is None or math.isnan(value):
        return "—"
    size = abs(value)
    if size != 0 and (size >= 1e6 or size < 1e-3):
        return f"{value:.3g}"
    if size >= 1000:
        return f"{value:.0f}"
    if size >= 100:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_age(seconds: float | None) -> str:
    """Age of the last good reading, coarse enough not to change every frame."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "<1 s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"
    return f"{seconds // 86400:.0f} d"


def count_of(n: int, noun: str) -> str:
    """``1 sensor``, ``4 sensors``: the header and status line say it right."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
