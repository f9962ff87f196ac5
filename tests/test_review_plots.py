"""Review charts tell the truth about time: an outage is a gap, not a line across it."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from sensortop.review.logdata import SensorSeries
from sensortop.review.plots import render_chart, runs

BRAILLE = range(0x2801, 0x2900)  # any dot (U+2800 is the empty pattern)


def series(ts: np.ndarray, status: np.ndarray | None = None) -> SensorSeries:
    value = np.sin(ts / 7.0) * 10 + 50
    status = np.zeros(len(ts), np.int8) if status is None else status
    return SensorSeries("temp", "°C", ts, value, status, np.zeros(len(ts), np.int8))


def dotted_columns(chart: str) -> set[int]:
    """Columns of the plot holding any braille dot."""
    return {i for line in Text.from_ansi(chart).plain.splitlines()
            for i, ch in enumerate(line) if ord(ch) in BRAILLE}


def test_an_outage_is_drawn_as_a_gap_not_a_line() -> None:
    ts = np.r_[np.arange(0.0, 100.0), np.arange(200.0, 300.0)]  # nothing from 100 to 200 s
    columns = dotted_columns(render_chart(series(ts), 100, 20, color=False))
    left, right = min(columns), max(columns)
    middle = set(range(left + (right - left) * 2 // 5, left + (right - left) * 3 // 5))
    assert middle and not columns & middle, "dots drawn across the outage"


def test_a_steady_series_is_one_unbroken_line() -> None:
    ts = np.arange(0.0, 300.0)
    columns = dotted_columns(render_chart(series(ts), 100, 20, color=False))
    assert set(range(min(columns), max(columns) + 1)) == columns


def test_failed_reads_cut_the_line_where_they_were() -> None:
    ts = np.arange(0.0, 20.0)
    status = np.zeros(20, np.int8)
    status[8:12] = 2  # four failed reads: nothing good measured there
    assert [(r.start, r.stop) for r in runs(ts[status == 0], 1.5)] == [(0, 8), (8, 16)]
