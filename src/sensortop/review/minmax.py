"""Many points to one screen column each: the smallest and largest good value per column.

A week at 1 Hz is 604,800 points for a chart 120 columns wide. Thinning by
taking every n-th point would drop a one-second spike; the minimum and maximum
of every column keep every extreme, so the chart's envelope is exactly the
data's, and a column with no good point stays empty (a gap, never a line).
"""

from __future__ import annotations

import numpy as np


def minmax_columns(ts: np.ndarray, values: np.ndarray, start: float, end: float,
                   columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(column centre times, minimum, maximum) of the good points in [start, end] split
    into ``columns`` equal slices of time; NaN where a column has none."""
    columns = max(1, columns)
    width = (end - start) / columns if end > start else 1.0
    centres = start + (np.arange(columns) + 0.5) * width
    low = np.full(columns, np.nan)
    high = np.full(columns, np.nan)
    keep = ~np.isnan(values) & (ts >= start) & (ts <= end)
    if not keep.any():
        return centres, low, high
    t, v = ts[keep], values[keep]
    column = np.minimum(((t - start) / width).astype(np.int64), columns - 1)
    if (np.diff(column) < 0).any():
        order = np.argsort(column, kind="stable")
        column, v = column[order], v[order]
    firsts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    used = column[firsts]
    low[used] = np.minimum.reduceat(v, firsts)
    high[used] = np.maximum.reduceat(v, firsts)
    return centres, low, high


def envelope(centres: np.ndarray, low: np.ndarray,
             high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns as one zig-zag line (each column's low then high, at its time), so
    a plotted line fills each column's range; empty columns are left out."""
    used = ~np.isnan(low)
    times = np.repeat(centres[used], 2)
    values = np.column_stack((low[used], high[used])).ravel()
    return times, values
