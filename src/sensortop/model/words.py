"""Words every face prints the same way: the CLI, ``record`` and the dashboard."""

from __future__ import annotations


def count_of(n: int, noun: str) -> str:
    """``1 sensor``, ``4 sensors``, ``1,024 readings``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
