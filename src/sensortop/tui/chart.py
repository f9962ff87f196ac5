"""A plotext chart of one sensor's history, as Textual text (dolphie's way).

plotext keeps global state and is not thread-safe, so charts are built on the
UI thread, at most once a second per open detail screen (~30 ms each), holding
``PLOT_LOCK`` (the review screen builds its charts in a thread).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import plotext as plt
from rich.text import Text

from sensortop.model.specs import SensorSpec
from sensortop.review.plots import PLOT_LOCK

LIMIT_COLORS = {"lolo": "red", "lo": "orange", "hi": "orange", "hihi": "red"}
GAP_INTERVALS = 3.0  # no good reading for this many intervals breaks the line
MAX_SEGMENTS = 30  # beyond this only the longest gaps break it (plotext cost grows per series)
TICK_SPACING = 14  # cells per time label at the least
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
              21600, 43200, 86400)  # seconds between labels: whole local clock units


def chart_segments(timestamps: np.ndarray, values: np.ndarray,
                   interval: float) -> list[np.ndarray]:
    """Indices of the good points, split where the sensor gave nothing good for a while.

    A pause, an outage or a run of failed reads then shows as a gap in the
    chart instead of a straight line drawn across time that was never measured.
    """
    good = np.flatnonzero(~np.isnan(values))
    if good.size == 0:
        return []
    gaps = np.diff(timestamps[good])
    breaks = np.flatnonzero(gaps > GAP_INTERVALS * interval)
    if breaks.size > MAX_SEGMENTS - 1:
        longest = np.argsort(gaps[breaks], kind="stable")[-(MAX_SEGMENTS - 1):]
        breaks = np.sort(breaks[longest])
    return np.split(good, breaks + 1)


def _utc_offset(t: float) -> float:
    offset = datetime.fromtimestamp(t).astimezone().utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def time_ticks(start: float, end: float, width: int) -> tuple[list[float], list[str]]:
    """Tick positions (epoch seconds) and their labels in local wall-clock time.

    The x values stay epoch seconds and the labels are made here, once, with the
    local zone (``datetime.fromtimestamp``): handing plotext formatted times made it
    read them as UTC and shift them again. Ticks fall on whole local units (every
    10 s, 5 min, 1 h…), counted from the zone offset at the start of the window, so
    a half-hour zone gets :00 labels and a DST change shows as the clock jumping.
    """
    if not (math.isfinite(start) and math.isfinite(end)):
        return [], []
    if end <= start:
        return [start], [datetime.fromtimestamp(start).strftime("%H:%M:%S")]
    wanted = max(2, width // TICK_SPACING)
    span = end - start
    step = next((s for s in TICK_STEPS if span / s <= wanted), TICK_STEPS[-1])
    while span / step > wanted:  # windows longer than days
        step *= 2
    offset = _utc_offset(start)
    first = math.ceil((start + offset) / step) * step - offset
    positions = [first + i * step for i in range(int((end - first) // step) + 1)]
    if span >= 86400:
        form = "%m-%d %H:%M"
    elif step % 60 == 0:
        form = "%H:%M"
    else:
        form = "%H:%M:%S"
    return positions, [datetime.fromtimestamp(p).strftime(form) for p in positions]


def value_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """About ``count`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
    inside [low, high], so a setpoint of 150 sits on a line labelled 150, not 150.7."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low or count < 1:
        return [], []
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)
    first = math.ceil(low / step) * step
    if first < low:  # low / step underflowed (a denormal low): the next round value
        first += step
    ticks = [first + i * step for i in range(math.floor((high - first) / step + 1e-9) + 1)]
    if not ticks:  # no round value inside: plotext's own ticks
        return [], []
    decimals = max(0, -math.floor(math.log10(step) + 1e-12)) + (1 if step / power == 2.5 else 0)
    return ticks, [f"{t:.{decimals}f}" for t in ticks]


def build_chart(spec: SensorSpec, timestamps: np.ndarray, values: np.ndarray,
                width: int, height: int, *, window: tuple[float, float] | None = None,
                gap_interval: float | None = None,
                episodes: Sequence[tuple[float, float]] = ()) -> Text:
    """History with a time axis, plus setpoint and alarm-limit lines.

    ``window`` fixes the time axis to a look-back's (start, end), so time with no
    data shows as empty; ``gap_interval`` replaces the sensor's interval in judging
    gaps (a column of reduced data); ``episodes`` are alarm spans, drawn in red
    along the bottom of the chart.
    """
    with PLOT_LOCK:
        return _build_chart(spec, timestamps, values, width, height, window=window,
                            gap_interval=gap_interval, episodes=episodes)


def _build_chart(spec: SensorSpec, timestamps: np.ndarray, values: np.ndarray,
                 width: int, height: int, *, window: tuple[float, float] | None,
                 gap_interval: float | None, episodes: Sequence[tuple[float, float]]) -> Text:
    plt.clf()
    plt.limitsize(False, False)  # plotext clamps to its own idea of the terminal otherwise
    plt.plotsize(max(width, 20), max(height, 6))
    plt.theme("clear")
    segments = chart_segments(timestamps, values, gap_interval or spec.interval)
    for index in segments:  # no legend: the screen's title names the sensor, and a legend
        # box sat on the top limit line
        plt.plot(timestamps[index].tolist(), values[index].tolist(), marker="braille",
                 color="cyan")
    zone = ""
    if segments:
        start, end = float(timestamps[segments[0][0]]), float(timestamps[segments[-1][-1]])
        if window is not None:
            start, end = window
            plt.xlim(start, end)
        plt.xticks(*time_ticks(start, end, width))
        shown = np.concatenate([values[index] for index in segments])
        low, high = float(np.min(shown)), float(np.max(shown))
        if high > low:
            plt.ylim(low, high)
            plt.yticks(*value_ticks(low, high, max(3, height // 4)))
        for begin, finish in episodes:
            plt.plot([max(begin, start), min(finish, end)], [low, low], marker="hd",
                     color="red")
        zone = datetime.fromtimestamp(end).astimezone().tzname() or ""
    else:
        plt.title("no good readings in this window" if window else "no good readings yet")
    if spec.setpoint is not None:
        plt.hline(spec.setpoint, "green")
    for key, color in LIMIT_COLORS.items():
        limit = getattr(spec.limits, key)
        if limit is not None:
            plt.hline(limit, color)
    plt.xlabel(f"local time ({zone})" if zone else "local time")
    plt.ylabel(spec.units)
    return Text.from_ansi(plt.build(), no_wrap=True)
