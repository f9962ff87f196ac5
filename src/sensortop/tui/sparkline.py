"""A sparkline as plain strings, one per row, built with numpy in one pass.

Textual's stock ``Sparkline`` builds one styled segment per bar (~2 ms a
repaint); hundreds of panels need something a hundred times cheaper. Here the
values are scaled with vectorised numpy, each level picks a block character,
and each row comes out as a single ``str`` that the panel draws as one span.

``sparkline_view`` also chooses the scale so that it does not mislead: the
setpoint is always in range, the range is never narrower than a sane minimum
(so noise does not fill the panel), and it says which rows the setpoint and
the alarm limits fall in, so the panel can mark them beside the bars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

BLOCKS = np.array(list(" ▁▂▃▄▅▆▇█"), dtype="<U1")
GAP = "·"  # a failed read (NaN) on the bottom row, so gaps are visible
_GAP_ARRAY = np.array([GAP], dtype="<U1")

MIN_SPAN_OF_VALUE = 0.01
"""The scale spans at least 1 % of the largest magnitude in view (0.25 °C at 25 °C)..."""
MIN_SPAN_OF_BAND = 0.1
"""...and at least 10 % of the lo..hi band when both limits are set."""
MARK_ORDER = ("hihi", "lolo", "hi", "lo", "setpoint")
"""Which mark a row shows when several fall in it: the most severe."""


@dataclass(frozen=True, slots=True)
class SparkView:
    """What the panel draws: the rows, their scale, and where the marks fall."""

    rows: list[str]
    """Top row first, each exactly ``width`` characters."""
    low: float | None
    high: float | None
    """The values at the bottom and top of the scale; None when nothing good is in view."""
    marks: dict[int, str]
    """Row index (top first) -> the most severe of setpoint / limits that falls in it."""
    gaps: np.ndarray
    """Columns of the bottom row that hold a failed-read mark."""


def _join(chars: np.ndarray) -> str:
    """Join a 1-d array of single characters into one str without a Python loop."""
    if chars.size == 0:
        return ""
    return str(np.ascontiguousarray(chars).view(f"<U{chars.size}")[0])


def scale_range(low: float, high: float, setpoint: float | None = None,
                limits: Mapping[str, float | None] | None = None) -> tuple[float, float]:
    """The scale for values between ``low`` and ``high``: wide enough to be honest.

    The setpoint is always included; then the range is widened about its middle
    to ``MIN_SPAN_OF_VALUE`` of the largest magnitude, or ``MIN_SPAN_OF_BAND``
    of the lo..hi band, whichever is larger. A constant signal at 0 with no
    band keeps a zero span (drawn as a flat line at mid height).
    """
    if setpoint is not None and math.isfinite(setpoint):
        low, high = min(low, setpoint), max(high, setpoint)
    min_span = MIN_SPAN_OF_VALUE * max(abs(low), abs(high))
    if limits:
        lo, hi = limits.get("lo"), limits.get("hi")
        if lo is not None and hi is not None and hi > lo:
            min_span = max(min_span, MIN_SPAN_OF_BAND * (hi - lo))
    span = high - low
    if span < min_span and math.isfinite(min_span):
        middle = low / 2 + high / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    return low, high


def _levels(values: np.ndarray, good: np.ndarray, low: float, high: float,
            levels_total: int) -> np.ndarray:
    """Level 1..levels_total for good values (the minimum still shows a bar), 0 for gaps."""
    span = high - low
    values = np.where(good, values, low)  # gaps (NaN, ±inf) are not scaled
    scaled = (values - low) / span if span > 0 else np.full(values.shape, 0.5)
    level = np.clip(np.rint(scaled * (levels_total - 1)) + 1, 1,
                    levels_total).astype(np.int64)
    level[~good] = 0
    return level


def _rows(level: np.ndarray, good: np.ndarray, rows: int, pad: int) -> list[str]:
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


def sparkline_rows(values: np.ndarray, width: int, rows: int = 1,
                   lo: float | None = None, hi: float | None = None) -> list[str]:
    """Render the last ``width`` values as ``rows`` strings (top row first).

    Values are right-aligned (newest at the right edge); NaN shows as a gap
    mark. ``lo``/``hi`` fix the scale; by default it spans the visible values.
    """
    if width <= 0 or rows <= 0:
        return ["" for _ in range(rows)]
    values = np.asarray(values, dtype=float)[-width:]
    good = ~np.isnan(values)
    if good.any():
        low = float(np.min(values[good])) if lo is None else lo
        high = float(np.max(values[good])) if hi is None else hi
        level = _levels(values, good, low, high, 8 * rows)
    else:
        level = np.zeros(values.shape, dtype=np.int64)
    return _rows(level, good, rows, width - values.size)


def row_of(value: float, low: float, high: float, rows: int) -> int | None:
    """The row (top first) a value is drawn in, or None if it is outside the scale."""
    if not low <= value <= high:
        return None
    levels_total = 8 * rows
    scaled = (value - low) / (high - low) if high > low else 0.5
    level = min(levels_total, max(1, round(scaled * (levels_total - 1)) + 1))
    return rows - 1 - (level - 1) // 8


def sparkline_view(values: np.ndarray, width: int, rows: int = 1, *,
                   setpoint: float | None = None,
                   limits: Mapping[str, float | None] | None = None) -> SparkView:
    """The last ``width`` values on an honest scale, with the marks' rows.

    ``limits`` maps ``lolo``/``lo``/``hi``/``hihi`` to levels (None for unset);
    a limit is marked only where it falls inside the scale.
    """
    if width <= 0 or rows <= 0:
        return SparkView(["" for _ in range(max(rows, 0))], None, None, {},
                         np.zeros(0, dtype=np.int64))
    values = np.asarray(values, dtype=float)[-width:]
    pad = width - values.size
    good = np.isfinite(values)  # an infinity cannot be scaled: drawn as a failed read
    gaps = np.flatnonzero(~good) + pad
    if not good.any():
        level = np.zeros(values.shape, dtype=np.int64)
        return SparkView(_rows(level, good, rows, pad), None, None, {}, gaps)
    finite = values[good]
    low, high = scale_range(float(finite.min()), float(finite.max()), setpoint, limits)
    level = _levels(values, good, low, high, 8 * rows)
    marks: dict[int, str] = {}
    levels = dict(limits or {})
    levels["setpoint"] = setpoint
    for name in reversed(MARK_ORDER):  # the most severe is written last and wins
        at = levels.get(name)
        if at is None:
            continue
        row = row_of(at, low, high, rows)
        if row is not None:
            marks[row] = name
    return SparkView(_rows(level, good, rows, pad), low, high, marks, gaps)


_BLOCK_CHARS = "".join(BLOCKS.tolist())


def sparkline_row(values: np.ndarray, width: int, *, setpoint: float | None = None,
                  limits: Mapping[str, float | None] | None = None) -> str:
    """``sparkline_view(...).rows[0]`` for one row, in plain Python.

    The table view draws one such row per visible sensor every frame; for a few
    dozen points numpy's per-call overhead (~100 µs a row) outweighs its speed,
    and a loop over the points is several times cheaper. Same scale, same
    characters, a failed read (or an infinity) as ``GAP``.
    """
    if width <= 0:
        return ""
    points = np.asarray(values, dtype=float)[-width:].tolist()
    good = [v for v in points if math.isfinite(v)]
    pad = " " * (width - len(points))
    if not good:
        return pad + GAP * len(points)
    low, high = scale_range(min(good), max(good), setpoint, limits)
    span = high - low
    chars = []
    for value in points:
        if not math.isfinite(value):
            chars.append(GAP)
        else:
            scaled = (value - low) / span if span > 0 else 0.5
            chars.append(_BLOCK_CHARS[min(8, max(1, round(scaled * 7) + 1))])
    return pad + "".join(chars)
