"""A plotext chart of one sensor's history, as Textual text (dolphie's way).

plotext keeps global state and is not thread-safe, so charts are built on the
UI thread only, at most once a second per open detail screen (~30 ms each).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import plotext as plt
from rich.text import Text

from sensortop.config import SensorSpec

LIMIT_COLORS = {"lolo": "red", "lo": "orange", "hi": "orange", "hihi": "red"}
GAP_INTERVALS = 3.0  # no good reading for this many intervals breaks the line
MAX_SEGMENTS = 30  # beyond this only the longest gaps break it (plotext cost grows per series)


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


def build_chart(spec: SensorSpec, timestamps: np.ndarray, values: np.ndarray,
                width: int, height: int) -> Text:
    """History with a time axis, plus setpoint and alarm-limit lines."""
    plt.clf()
    plt.limitsize(False, False)  # plotext clamps to its own idea of the terminal otherwise
    plt.plotsize(max(width, 20), max(height, 6))
    plt.theme("clear")
    plt.date_form("H:M:S")
    segments = chart_segments(timestamps, values, spec.interval)
    for number, index in enumerate(segments):
        times = [datetime.fromtimestamp(t).strftime("%H:%M:%S")
                 for t in timestamps[index].tolist()]
        plt.plot(times, values[index].tolist(), marker="braille", color="cyan",
                 label=spec.name if number == 0 else "")
    if not segments:
        plt.title("no good readings yet")
    if spec.setpoint is not None:
        plt.hline(spec.setpoint, "green")
    for key, color in LIMIT_COLORS.items():
        limit = getattr(spec.limits, key)
        if limit is not None:
            plt.hline(limit, color)
    plt.xlabel("time (local)")
    plt.ylabel(spec.units)
    return Text.from_ansi(plt.build(), no_wrap=True)
