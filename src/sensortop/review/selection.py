"""What the review screen shows of a log: which sensors, which readings, which time span.

The screen filters by sensor id and by status, and zooms to a span of time
(README, "The review screen"). These are index computations on the reader's
columns, kept here, away from the widgets, so they are tested alone and cost
no more than a mask or a binary search on a million readings.
"""

from __future__ import annotations

import fnmatch

import numpy as np

from sensortop.review.logdata import SensorSeries

STATUS_FILTERS: tuple[str, ...] = ("all", "ok", "timeout", "error", "alarm")
"""The status filter's choices, in the order a key cycles them; ``alarm`` is any reading
taken in an alarm state (lolo, lo, hi, hihi), whatever its status."""

_STATUS_CODES = {"ok": 0, "timeout": 1, "error": 2}  # logdata.STATUSES order


def status_mask(series: SensorSeries, which: str) -> np.ndarray | None:
    """Which of ``series``'s readings pass the status filter; None when all do."""
    if which == "all":
        return None
    if which == "alarm":
        return series.alarm != 0
    if which not in _STATUS_CODES:
        raise ValueError(f"unknown status filter {which!r} (one of {', '.join(STATUS_FILTERS)})")
    return series.status == _STATUS_CODES[which]


def status_count(series: SensorSeries, which: str) -> int:
    """How many readings pass the status filter."""
    mask = status_mask(series, which)
    return len(series.ts) if mask is None else int(np.count_nonzero(mask))


def sensor_matches(ids: list[str], pattern: str) -> list[str]:
    """The ids ``pattern`` keeps: comma-separated terms, each a case-insensitive
    substring (``temp``) or, with ``*``/``?``/``[``, a glob (``reactor_*``). Empty keeps all."""
    terms = [t.strip().lower() for t in pattern.split(",") if t.strip()]
    if not terms:
        return list(ids)

    def kept(sensor: str) -> bool:
        low = sensor.lower()
        return any(fnmatch.fnmatchcase(low, t) if any(c in t for c in "*?[") else t in low
                   for t in terms)

    return [s for s in ids if kept(s)]


def span_bounds(ts: np.ndarray, span: tuple[float, float] | None) -> tuple[int, int]:
    """Index range of the readings within ``span`` (both ends included); all with None."""
    if span is None:
        return 0, len(ts)
    lo = np.searchsorted(ts, span[0], side="left")
    hi = np.searchsorted(ts, span[1], side="right")
    return int(lo), int(hi)


def rows(series: SensorSeries, span: tuple[float, float] | None, which: str) -> np.ndarray:
    """Indexes into ``series`` of the readings in ``span`` passing the status filter:
    the readings table's rows, in time order."""
    lo, hi = span_bounds(series.ts, span)
    mask = status_mask(series, which)
    if mask is None:
        return np.arange(lo, hi, dtype=np.int64)
    return lo + np.flatnonzero(mask[lo:hi])


def row_at(series: SensorSeries, chosen: np.ndarray, moment: float) -> int:
    """The first of ``chosen`` rows at or after ``moment`` (the last row if none is)."""
    if len(chosen) == 0:
        return 0
    # ``chosen`` is sorted, like the times: two binary searches, no copy.
    index = np.searchsorted(series.ts, moment, side="left")
    return min(int(np.searchsorted(chosen, index, side="left")), len(chosen) - 1)
