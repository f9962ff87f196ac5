"""Per-sensor summaries of what a log holds: the answer to "what happened overnight?".

Statistics are of ``ok`` readings with a value; ``std`` is the sample standard
deviation (ddof=1, as pandas reports it), both from exact sums rounded once.
An alarm state is taken to last from its reading to the sensor's next
reading, except across a gap: time the recorder was not watching is counted
in no state. Intervals are whole microseconds, so sums of them are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensortop.review.logdata import ALARMS, STATUSES, LogData, SensorSeries
from sensortop.review.moments import exact_sums, mean_std_of_sums

GAP_FACTOR = 3.0  # an interval longer than this many usual (median) intervals is a gap


@dataclass(slots=True, frozen=True)
class Gaps:
    """Intervals longer than ``GAP_FACTOR`` times the median interval."""

    median_interval: float | None
    count: int
    longest: float  # seconds; 0.0 when there is no gap
    longest_start: float | None  # epoch seconds of the reading before the longest gap
    longest_end: float | None


@dataclass(slots=True, frozen=True)
class SensorSummary:
    """What ``sensortop review`` prints for one sensor."""

    sensor: str
    units: str
    count: int
    first: float
    last: float
    valid: int  # ok readings with a value: what min/max/mean/std are of
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    statuses: dict[str, int]  # every status, zeros included
    alarm_seconds: dict[str, float]  # every alarm state, normal included
    last_error: str | None
    gaps: Gaps


def summarise(data: LogData) -> list[SensorSummary]:
    """One summary per sensor, sorted by sensor id."""
    return [summarise_series(data.series[name]) for name in sorted(data.series)]


def micros(ts: np.ndarray) -> np.ndarray:
    """Epoch seconds as whole microseconds (the finest a log's time can state): intervals and
    sums of them are then exact, whatever order they are added in, so a summary merged from
    archive metadata (``review.archive_summary``) is the one a full read gives."""
    return np.round(ts * 1e6).astype(np.int64)


def summarise_series(series: SensorSeries) -> SensorSummary:
    """Summary of one sensor's readings (assumed in time order, as the reader gives them)."""
    ts, value = series.ts, series.value
    good = value[(series.status == 0) & ~np.isnan(value)]
    status_counts = np.bincount(series.status, minlength=len(STATUSES))
    intervals = np.diff(micros(ts))
    median = median_micros(intervals) if len(intervals) else None
    gaps = _gaps(ts, intervals, median)
    mean, std = mean_std(good)
    alarm_seconds = dict.fromkeys(ALARMS, 0.0)
    if len(intervals):
        counted = intervals
        if median is not None and gaps.count:
            counted = np.where(intervals > GAP_FACTOR * median, 0, intervals)
        # Whole microseconds as float64 weights: every partial sum is exact (below 2**53).
        spent = np.bincount(series.alarm[:-1], weights=counted, minlength=len(ALARMS))
        alarm_seconds = {name: float(spent[i]) / 1e6 for i, name in enumerate(ALARMS)}
    return SensorSummary(
        sensor=series.sensor,
        units=series.units,
        count=len(ts),
        first=float(ts[0]),
        last=float(ts[-1]),
        valid=len(good),
        min=float(good.min()) if len(good) else None,
        max=float(good.max()) if len(good) else None,
        mean=_finite(mean),
        std=_finite(std),
        statuses={name: int(status_counts[i]) for i, name in enumerate(STATUSES)},
        alarm_seconds=alarm_seconds,
        last_error=series.last_error,
        gaps=gaps,
    )


def mean_std(good: np.ndarray) -> tuple[float | None, float | None]:
    """Mean and sample std from exact sums (``moments``): the same to the bit however the
    readings are split into files and merged, and no overflow near the float limit."""
    return mean_std_of_sums(len(good), *exact_sums(good))


def _finite(x: float | None) -> float | None:
    """None for a statistic beyond float range (a std of ±1.7e308): JSON has no Infinity."""
    return x if x is not None and np.isfinite(x) else None


def _gaps(ts: np.ndarray, intervals: np.ndarray, median: float | None) -> Gaps:
    """Gaps among ``intervals`` (whole microseconds between readings; ``median`` of them)."""
    if median is None:
        return Gaps(None, 0, 0.0, None, None)
    long = np.flatnonzero(intervals > GAP_FACTOR * median)
    if len(long) == 0:
        return Gaps(median / 1e6, 0, 0.0, None, None)
    worst = int(long[np.argmax(intervals[long])])
    return Gaps(median / 1e6, len(long), float(intervals[worst]) / 1e6, float(ts[worst]),
                float(ts[worst + 1]))


def median_micros(intervals: np.ndarray) -> float | None:
    """The usual interval; where readings come in bursts (a median of 0), the median of the
    spacing that is there; None if there is none."""
    median = float(np.median(intervals))
    if median <= 0:
        positive = intervals[intervals > 0]
        median = float(np.median(positive)) if len(positive) else 0.0
    return median if median > 0 else None
