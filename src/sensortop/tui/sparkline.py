"""A sparkline as plain strings, one per row, built with numpy in one pass.

Textual's stock ``Sparkline`` builds one styled segment per bar (~2 ms a
repaint); hundreds of panels need something a hundred times cheaper. Here the
values are scaled with vectorised numpy, each level picks a block character,
and each row comes out as a single ``str`` that the panel draws as one span.
"""

from __future__ import annotations

import numpy as np

BLOCKS = np.array(list(" ▁▂▃▄▅▆▇█"), dtype="<U1")
GAP = "·"  # a failed read (NaN) on the bottom row, so gaps are visible
_GAP_ARRAY = np.array([GAP], dtype="<U1")


def _join(chars: np.ndarray) -> str:
    """Join a 1-d array of single characters into one str without a Python loop."""
    if chars.size == 0:
        return ""
    return str(np.ascontiguousarray(chars).view(f"<U{chars.size}")[0])


def sparkline_rows(values: np.ndarray, width: int, rows: int = 1,
                   lo: float | None = None, hi: float | None = None) -> list[str]:
    """Render the last ``width`` values as ``rows`` strings (top row first).

    Values are right-aligned (newest at the right edge); NaN shows as a gap
    mark. ``lo``/``hi`` fix the scale; by default it spans the visible values.
    """
    if width <= 0 or rows <= 0:
        return ["" for _ in range(rows)]
    values = np.asarray(values, dtype=float)[-width:]
    pad = width - values.size
    good = ~np.isnan(values)
    levels_total = 8 * rows
    if good.any():
        low = float(np.min(values[good])) if lo is None else lo
        high = float(np.max(values[good])) if hi is None else hi
        span = high - low
        scaled = (values - low) / span if span > 0 else np.full(values.shape, 0.5)
        # Level 1..levels_total for good values, so the minimum still shows a bar.
        level = np.clip(np.rint(np.nan_to_num(scaled) * (levels_total - 1)) + 1, 1,
                        levels_total).astype(np.int64)
    else:
        level = np.zeros(values.shape, dtype=np.int64)
    level[~good] = 0
    out = []
    for row in range(rows - 1, -1, -1):
        row_level = np.clip(level - 8 * row, 0, 8)
        chars = BLOCKS[row_level]
        if row == 0:
            chars = np.where(good, chars, _GAP_ARRAY)
        if pad:
            chars = np.concatenate((np.full(pad, " ", dtype="<U1"), chars))
        out.append(_join(chars))
    return out
