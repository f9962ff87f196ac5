"""plotext charts of a sensor's values over time, rendered to a string.

plotext keeps one global figure, so every chart is built from a cleared
figure in one call, holding ``PLOT_LOCK``: the review screen builds in a thread
(a large chart takes plotext a quarter of a second), the dashboard's detail
chart on the UI thread, the CLI on its only thread. Long
series are thinned to a min/max pair per column first: a million points
would take plotext seconds to draw and no terminal can show them.
"""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import plotext as plt

from sensortop.review.logdata import SensorSeries
from sensortop.review.safetext import printable


def thin(ts: np.ndarray, value: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ~2 points per column, keeping each column's lowest and highest value."""
    if len(ts) <= 2 * columns:
        return ts, value
    edges = np.linspace(ts[0], ts[-1], columns + 1)
    bucket = np.clip(np.searchsorted(edges, ts, side="right") - 1, 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    lows = np.minimum.reduceat(value, starts)
    highs = np.maximum.reduceat(value, starts)
    mids = ts[starts]
    out_ts = np.repeat(mids, 2)
    out_value = np.empty(2 * len(starts))
    out_value[0::2], out_value[1::2] = lows, highs
    return out_ts, out_value


PLOT_LOCK = threading.RLock()
"""Held while a plotext figure is built: plotext's one figure is global."""

LINE_COLOR = "cyan+"
"""One colour for every run of a sensor's line (plotext gives each plot call the next one)."""


def gap_seconds(every_ts: np.ndarray, ok_ts: np.ndarray, columns: int) -> float:
    """The longest step drawn as a line: 1.5 sampling intervals (the median step of all
    readings, so a failed read leaves a gap), and never less than what thinning to
    ``columns`` columns joins anyway."""
    if len(every_ts) < 2:
        return float("inf")
    step = float(np.median(np.diff(every_ts)))
    span = float(ok_ts[-1] - ok_ts[0]) if len(ok_ts) > 1 else 0.0
    bucket = span / columns if len(ok_ts) > 2 * columns else 0.0
    return max(1.5 * step, 2.5 * bucket) if step > 0 else float("inf")


def runs(ts: np.ndarray, gap: float) -> list[slice]:
    """Index ranges with no step longer than ``gap``: each is drawn as a line of its own."""
    cuts = (np.flatnonzero(np.diff(ts) > gap) + 1).tolist()
    bounds = [0, *cuts, len(ts)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


def time_labels(ts: np.ndarray, count: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions and UTC labels: times of day, with the date once it spans days,
    and only the date (with its year) once it spans most of a year."""
    if len(ts) == 0:
        return [], []
    start, end = float(ts[0]), float(ts[-1])
    positions = [start] if end <= start else list(np.linspace(start, end, count))
    span = end - start
    fmt = "%Y-%m-%d" if span > 300 * 86400 else "%m-%d %H:%M" if span > 86400 else "%H:%M:%S"
    if 0 < span < 2 * (count - 1):  # ticks under 2 s apart (a zoom): seconds alone repeat
        return positions, [time.strftime(fmt, time.gmtime(p)) + f".{int(p * 1000) % 1000:03d}"
                           for p in positions]
    return positions, [time.strftime(fmt, time.gmtime(p)) for p in positions]


def render_chart(series: SensorSeries, width: int = 100, height: int = 20,
                 color: bool = True, window: tuple[float, float] | None = None) -> str:
    """The chart of one sensor's ok values (UTC time across), as text with ANSI colours.

    ``window`` (epoch seconds, both ends included) draws only that span, edge to
    edge of the plot area, so a column stands for a known stretch of time.
    """
    with PLOT_LOCK:
        return _render_chart(series, width, height, color, window)


def _render_chart(series: SensorSeries, width: int, height: int, color: bool,
                  window: tuple[float, float] | None) -> str:
    if window is not None:
        lo, hi = np.searchsorted(series.ts, window[0]), \
            np.searchsorted(series.ts, window[1], side="right")
        series = SensorSeries(series.sensor, series.units, series.ts[lo:hi],
                              series.value[lo:hi], series.status[lo:hi], series.alarm[lo:hi])
    keep = (series.status == 0) & ~np.isnan(series.value)
    ts, value = series.ts[keep], series.value[keep]
    width, height = max(width, 20), max(height, 6)
    plt.clear_figure()
    plt.limit_size(False, False)  # the size asked for, not plotext's idea of the terminal's
    plt.plot_size(width, height)
    plt.theme("pro" if color else "clear")
    units = f" ({printable(series.units)})" if series.units else ""
    name = printable(series.sensor)
    plt.title(f"{name}{units}")
    if len(ts) == 0:
        plt.title(f"{name}{units}: no ok readings")
        return plt.build()
    columns = max(width - 12, 10)
    gap = gap_seconds(series.ts, ts, columns)
    ts, value = thin(ts, value, columns)
    value, exponent = _scaled(value)
    if exponent:  # plotext's axis arithmetic overflows near the float limit
        plt.title(f"{name}{units} ×1e{exponent}")
    for run in runs(ts, gap):  # a gap where nothing good was measured, never a line across it
        plt.plot(ts[run].tolist(), value[run].tolist(), marker="braille",
                 color=LINE_COLOR if color else None)
    if window is not None and window[1] > window[0]:
        plt.xlim(*window)
    positions, labels = time_labels(np.asarray(window) if window is not None else ts)
    plt.xticks(positions, labels)
    plt.xlabel("time (UTC)")
    return plt.build()


def _scaled(value: np.ndarray, limit: float = 1e250) -> tuple[np.ndarray, int]:
    """Values divided by a power of ten when they are too large to plot, and its exponent."""
    peak = float(np.abs(value).max()) if len(value) else 0.0
    if peak <= limit:
        return value, 0
    exponent = int(np.floor(np.log10(peak)))
    return value / 10.0**exponent, exponent


def render_charts(series: list[SensorSeries], width: int = 100, height: int = 20,
                  color: bool = True) -> str:
    """Charts of several sensors, one under another."""
    return "\n".join(render_chart(s, width, height, color) for s in series)
