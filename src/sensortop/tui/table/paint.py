"""One table line as a ``Strip``: the column titles, a group header, a sensor's row.

Styles come in as Rich styles the widget took from its component classes (so
they follow the theme); a row is one segment per cell, its sparkline one
string built with numpy (``tui.sparkline``), so a row costs tens of
microseconds, and only rows on screen are ever painted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from sensortop.model.readings import AlarmState
from sensortop.sampling.view import SensorView
from sensortop.tui.formatting import fit_text
from sensortop.tui.sparkline import sparkline_row
from sensortop.tui.table.columns import (
    COLUMNS,
    SEPARATOR,
    age_of,
    alarm_text,
    compact_age,
    header_cell,
    last_value,
    text_cell,
    value_cell,
)
from sensortop.tui.table.index import GroupHeader
from sensortop.tui.widgets.sensor_panel import STATUS_MARK

GAP = " " * SEPARATOR
COLLAPSED_MARK = "▶"
EXPANDED_MARK = "▼"
ARROWS = {False: "▲", True: "▼"}
"""The sort column's title ends in ▲ (ascending) or ▼ (descending)."""


@dataclass(frozen=True, slots=True)
class TableStyles:
    """The Rich styles a line is painted with, from the widget's component classes."""

    header: Style
    group: Style
    group_alarm: Style
    group_failing: Style
    muted: Style
    spark: Style
    value: Style
    value_alarm: Style
    status: dict[str, Style]
    alarm: Style
    alarm_severe: Style
    blank: Style
    cursor: Style
    cursor_blurred: Style


STATUS_CLASSES = ("ok", "alarm", "timeout", "error", "stale", "paused", "waiting")
COMPONENT_CLASSES = {
    "sensor-table--header", "sensor-table--group", "sensor-table--group-alarm",
    "sensor-table--group-failing", "sensor-table--muted", "sensor-table--spark",
    "sensor-table--value", "sensor-table--value-alarm", "sensor-table--alarm-cell",
    "sensor-table--alarm-severe", "sensor-table--cursor", "sensor-table--cursor-blurred",
    *(f"sensor-table--{word}" for word in STATUS_CLASSES),
}
"""The ``SensorTable`` component classes a line is painted with (its CSS sets them)."""


def table_styles(base: Style, component: Callable[..., Style]) -> TableStyles:
    """The component classes' styles for painting lines, over the widget's ``base``.

    ``component`` is ``Widget.get_component_rich_style``: its full styles blend a
    translucent colour (``$text-muted``) with the background, as a partial style
    would not (white on a light theme); cells keep only their colour and text
    style, so the cursor's background shows through them. The cursor's style is
    whole: it goes over a line's own.
    """

    def get(name: str) -> Style:
        full = component(f"sensor-table--{name}")
        return base + Style.from_color(full.color) + full.without_color

    return TableStyles(
        base + component("sensor-table--header"), get("group"), get("group-alarm"),
        get("group-failing"), get("muted"), get("spark"), get("value"), get("value-alarm"),
        {word: get(word) for word in STATUS_CLASSES}, get("alarm-cell"),
        base + component("sensor-table--alarm-severe"), base,
        component("sensor-table--cursor"), component("sensor-table--cursor-blurred"))


def header_strip(widths: list[int], width: int, sort: str | None, descending: bool,
                 styles: TableStyles) -> Strip:
    """The column titles, the sort column's with its direction arrow."""
    cells = [header_cell(column, cells, ARROWS[descending] if column.key == sort else "")
             for column, cells in zip(COLUMNS, widths, strict=True)]
    text = GAP.join(cells)
    return Strip([Segment(text.ljust(width), styles.header)])


def group_strip(header: GroupHeader, filtering: bool, width: int,
                styles: TableStyles) -> Strip:
    """``▼ Reactor  12 sensors  2 alarms  1 failing`` (``3 of 12`` while filtering)."""
    mark = COLLAPSED_MARK if header.collapsed else EXPANDED_MARK
    count = f"{header.shown} of {header.sensors}" if filtering else f"{header.sensors}"
    noun = "sensor" if header.sensors == 1 else "sensors"
    segments = [Segment(f"{mark} {header.title}  ", styles.group),
                Segment(f"{count} {noun}", styles.muted)]
    if header.alarms:
        word = "alarm" if header.alarms == 1 else "alarms"
        segments.append(Segment(f"  {header.alarms} {word}", styles.group_alarm))
    if header.failing:
        segments.append(Segment(f"  {header.failing} failing", styles.group_failing))
    return Strip(segments).extend_cell_length(width, styles.group)


def row_strip(view: SensorView, status: str, now: float, widths: list[int], width: int,
              limits: dict[str, float], styles: TableStyles) -> Strip:
    """One sensor's row: every column in the widths given, padded to ``width`` cells."""
    (w_name, w_value, w_units, w_status, w_alarm, w_trend, w_min, w_max, w_mean,
     w_age) = widths
    spec = view.spec
    alarm = view.alarm
    value_style = styles.value if alarm is AlarmState.NORMAL else styles.value_alarm
    stats = view.running_stats
    have = stats.count > 0
    spark = sparkline_row(view.tail(w_trend), w_trend, setpoint=spec.setpoint, limits=limits)
    severe = alarm in (AlarmState.HIHI, AlarmState.LOLO)
    age = compact_age(age_of(view, now))
    used = sum(widths) + SEPARATOR * (len(widths) - 1)
    segments = [
        Segment(text_cell(spec.name, w_name) + GAP, styles.value),
        Segment(value_cell(last_value(view), w_value) + GAP, value_style),
        Segment(text_cell(spec.units, w_units) + GAP, styles.muted),
        Segment(text_cell(f"{STATUS_MARK[status]} {status}", w_status) + GAP,
                styles.status[status]),
        Segment(text_cell(alarm_text(view), w_alarm) + GAP,
                styles.alarm_severe if severe else styles.alarm),
        Segment(spark + GAP, styles.spark),
        Segment(value_cell(stats.minimum if have else None, w_min) + GAP
                + value_cell(stats.maximum if have else None, w_max) + GAP
                + value_cell(stats.mean if have else None, w_mean) + GAP, styles.muted),
        Segment(fit_text(age, w_age).rjust(w_age) + " " * max(0, width - used),
                styles.status["stale"] if status == "stale" else styles.muted),
    ]
    return Strip(segments, max(width, used))


__all__ = ["ARROWS", "COMPONENT_CLASSES", "STATUS_CLASSES", "TableStyles", "group_strip",
           "header_strip", "row_strip", "table_styles"]
