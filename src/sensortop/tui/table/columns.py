"""The table view's columns: what each shows for a sensor and what it sorts by.

One ``Column`` declaration drives the header, the cell text and the sort key,
so a column is added in one place. Every cell is read from the sensor's one
immutable ``SensorView`` (README "Table view"), never from live engine fields.
A sort key of ``None`` is a missing value (no reading yet, no alarm, no good
point to take a statistic of): the index puts those rows last in both
directions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len

from sensortop.model.readings import AlarmState
from sensortop.sampling.view import SensorView
from sensortop.tui.formatting import fit_text, format_value

SPARK_POINTS = 60
"""Points of history the trend column and its sort key look at, at most."""

STATUS_RANK = {"ok": 0, "paused": 1, "waiting": 2, "stale": 3, "timeout": 4, "error": 5,
               "alarm": 6}
"""Sorting by status: ascending puts healthy sensors first, descending the worst."""
FAILING = frozenset({"timeout", "error", "stale"})
"""Status words that count as failing (the "only failing" toggle, a group's count)."""
ALARM_RANK = {AlarmState.LO: 1, AlarmState.HI: 1, AlarmState.LOLO: 2, AlarmState.HIHI: 2}


def last_value(view: SensorView) -> float | None:
    """The value the row shows: the last reading's, else the last point kept."""
    reading = view.last_reading
    value = reading.value if reading is not None else None
    if value is None and view.version:
        tail = view.tail(1)
        value = float(tail[0]) if tail.size else None
    if value is None or math.isnan(value):
        return None
    return value


def trend(view: SensorView) -> float | None:
    """The change over the trend column's points: last good value minus first."""
    values = view.tail(SPARK_POINTS)
    good = values[np.isfinite(values)]
    if good.size < 2:
        return None
    change = float(good[-1] - good[0])
    return change if math.isfinite(change) else None


def alarm_text(view: SensorView) -> str:
    """``HI`` or ``HIHI!``: the alarm, with ``!`` until it is acknowledged; "" for none."""
    alarm = view.alarm
    if alarm is AlarmState.NORMAL:
        return ""
    return alarm.value.upper() + ("" if view.acknowledged else "!")


def compact_age(seconds: float | None) -> str:
    """Age of the last good reading in at most 5 cells: ``<1s``, ``42s``, ``12m``, ``3h``."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "<1s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 86400:
        return f"{seconds // 3600:.0f}h"
    days = seconds // 86400
    return f"{days:.0f}d" if days < 1000 else ">999d"


def age_of(view: SensorView, now: float) -> float | None:
    last_good = view.last_good_ts
    return None if last_good is None else max(0.0, now - last_good)


SortKey = Callable[[SensorView, float], "float | str | None"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its title, its least width, whether it takes spare width, its sort key."""

    key: str
    title: str
    width: int
    """The least width; the table never makes it narrower (it scrolls sideways instead)."""
    sort_key: SortKey
    right: bool = False
    """Right-aligned (numbers)."""
    grows: int = 0
    """How many cells of spare width it may take beyond ``width`` (0: none)."""
    live: bool = True
    """Its sort key changes as readings come (False: name and units, fixed per sensor)."""


def _stat(name: str) -> SortKey:
    def key(view: SensorView, now: float) -> float | None:
        stats = view.running_stats
        return getattr(stats, name) if stats.count else None
    return key


def _text_key(text: str) -> str | None:
    return text.casefold() if text else None


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 12, lambda v, now: v.spec.name.casefold(), grows=20, live=False),
    Column("value", "Value", 8, lambda v, now: last_value(v), right=True),
    Column("units", "Units", 5, lambda v, now: _text_key(v.spec.units), live=False),
    Column("status", "Status", 9, lambda v, now: STATUS_RANK[v.status_word(now)]),
    Column("alarm", "Alarm", 5, lambda v, now: ALARM_RANK.get(v.alarm)),
    Column("trend", "Trend", 8, lambda v, now: trend(v), grows=SPARK_POINTS - 8),
    Column("min", "Min", 6, _stat("minimum"), right=True),
    Column("max", "Max", 6, _stat("maximum"), right=True),
    Column("mean", "Mean", 6, _stat("mean"), right=True),
    Column("age", "Age", 5, lambda v, now: age_of(v, now), right=True),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
SEPARATOR = 1
"""Blank cells between two columns."""
LEAST_WIDTH = sum(c.width for c in COLUMNS) + SEPARATOR * (len(COLUMNS) - 1)
"""The table's width with every column at its least: 79, so an 80-column terminal
shows every column with room for the scrollbar."""


def column_widths(width: int) -> list[int]:
    """Each column's width for a table ``width`` cells wide: the least widths, then the
    spare width shared by the growing columns (name first, then the trend)."""
    widths = [c.width for c in COLUMNS]
    spare = max(0, width - LEAST_WIDTH)
    for index, column in enumerate(COLUMNS):
        if column.grows and spare:
            take = min(spare, column.grows if column.key != "name" else min(column.grows,
                                                                             spare // 3))
            widths[index] += take
            spare -= take
    return widths


def column_at(widths: list[int], x: int) -> str | None:
    """The key of the column under cell ``x`` of a table with these column widths."""
    start = 0
    for column, width in zip(COLUMNS, widths, strict=True):
        if start <= x < start + width + SEPARATOR:
            return column.key
        start += width + SEPARATOR
    return None


def is_live(key: str) -> bool:
    """Whether sorting by this column can change order as readings come."""
    return next(column.live for column in COLUMNS if column.key == key)


def header_cell(column: Column, width: int, arrow: str) -> str:
    """A column title cut to ``width`` with the sort arrow (``▲``/``▼``) at its end."""
    room = width - len(arrow)
    title = column.title if len(column.title) <= room else column.title[:max(0, room)]
    text = title + arrow
    return text.rjust(width) if column.right else text.ljust(width)


def value_cell(value: float | None, width: int) -> str:
    """A number right-aligned in ``width`` cells (``—`` for none)."""
    return format_value(value, width).rjust(width)


def text_cell(text: str, width: int) -> str:
    """Text left-aligned in exactly ``width`` cells, cut with ``…`` if longer."""
    fitted = fit_text(text, width)
    return fitted + " " * (width - len(fitted)) if fitted.isascii() else _pad(fitted, width)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


__all__ = ["COLUMNS", "COLUMN_KEYS", "FAILING", "LEAST_WIDTH", "SEPARATOR",
           "SPARK_POINTS", "STATUS_RANK", "Column", "age_of", "alarm_text", "column_at",
           "column_widths", "compact_age", "header_cell", "is_live", "last_value",
           "text_cell", "trend", "value_cell"]
