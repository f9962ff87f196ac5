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


def build_chart(spec: SensorSpec, timestamps: np.ndarray, values: np.ndarray,
                width: int, height: int) -> Text:
    """History with a time axis, plus setpoint and alarm-limit lines."""
    plt.clf()
    plt.limitsize(False, False)  # plotext clamps to its own idea of the terminal otherwise
    plt.plotsize(max(width, 20), max(height, 6))
    plt.theme("clear")
    plt.date_form("H:M:S")
    good = ~np.isnan(values)
    if good.any():
        times = [datetime.fromtimestamp(t).strftime("%H:%M:%S")
                 for t in timestamps[good].tolist()]
        plt.plot(times, values[good].tolist(), marker="braille", color="cyan",
                 label=spec.name)
    else:
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
