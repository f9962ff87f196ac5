"""Look-back in the detail view: which window (``-``/``+``), and its points.

The window ends now and spans 1 min to 7 d. What memory holds is taken from
the sensor's ring; anything older is read from the logs on a thread
(``read_logged``), once per window chosen, with the alarm episodes of the
journal. More points than the chart has columns for are reduced to each
column's minimum and maximum (``minmax_columns``), so no extreme is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sensortop.review.episodes import Episode, episodes
from sensortop.review.minmax import envelope, minmax_columns
from sensortop.review.recent import read_recent

SPANS = (60.0, 600.0, 3600.0, 8 * 3600.0, 86400.0, 7 * 86400.0)
SPAN_WORDS = {60.0: "1 min", 600.0: "10 min", 3600.0: "1 h", 8 * 3600.0: "8 h",
              86400.0: "24 h", 7 * 86400.0: "7 d"}


def step_span(span: float | None, memory: float, further: bool) -> float:
    """The next window: further (longer) or nearer; from the memory view (None), the
    first window longer (or shorter) than what memory holds."""
    if span is None:
        if further:
            return next((s for s in SPANS if s > memory), SPANS[-1])
        return next((s for s in reversed(SPANS) if s < memory), SPANS[0])
    index = SPANS.index(span)
    return SPANS[min(index + 1, len(SPANS) - 1) if further else max(index - 1, 0)]


@dataclass(slots=True)
class Logged:
    """What the logs hold for one window, older than memory's oldest point then."""

    span: float
    ts: np.ndarray = field(default_factory=lambda: np.empty(0))
    values: np.ndarray = field(default_factory=lambda: np.empty(0))
    episodes: list[Episode] = field(default_factory=list)


def read_logged(log_dir: Path, sensor: str, span: float, start: float, end: float,
                before: float | None) -> Logged:
    """The sensor's logged points in [start, ``before``) (memory has the rest; all of
    the window if memory is empty), and its alarm episodes in [start, end]."""
    logged = Logged(span, episodes=episodes(log_dir, sensor, start, end))
    if before is not None and before <= start:
        return logged  # memory covers the window
    series = read_recent(log_dir, {sensor}, None, since=start).get(sensor)
    if series is not None:
        keep = series.ts < before if before is not None else np.ones(series.ts.size, bool)
        logged.ts, logged.values = series.ts[keep], series.value[keep]
    return logged


@dataclass(slots=True)
class Window:
    """A window's points as the chart takes them."""

    ts: np.ndarray
    values: np.ndarray
    raw_values: np.ndarray  # before reduction: for the statistics beside the chart
    gap_interval: float | None  # a column's width when reduced
    reduced: bool


def window_points(memory: tuple[np.ndarray, np.ndarray], logged: Logged | None,
                  start: float, end: float, columns: int) -> Window:
    """Logged and memory points of [start, end], reduced to min/max per column when
    there are more than two per column."""
    mem_ts, mem_values = memory
    keep = mem_ts >= start
    ts, values = mem_ts[keep], mem_values[keep]
    if logged is not None and logged.ts.size:
        first = mem_ts[0] if mem_ts.size else np.inf
        older = (logged.ts >= start) & (logged.ts < first)
        ts = np.concatenate((logged.ts[older], ts))
        values = np.concatenate((logged.values[older], values))
    if ts.size <= 2 * columns:
        return Window(ts, values, values, None, False)
    centres, low, high = minmax_columns(ts, values, start, end, columns)
    times, envelope_values = envelope(centres, low, high)
    return Window(times, envelope_values, values, (end - start) / columns / 2, True)
