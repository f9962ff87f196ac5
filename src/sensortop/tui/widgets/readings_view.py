"""The readings of the selection, one per row, drawn lazily: a million readings, no million rows.

A ``DataTable`` builds a row object per reading; here the rows are an index
array into the reader's columns, and only the rows on screen are formatted,
each time they are drawn (the line API, as toolong's log view does). The
header line stays put; a cursor row marks the reading the chart's cursor is at.
"""

from __future__ import annotations

import math
import time

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sensortop.review.logdata import ALARMS, STATUSES, SensorSeries
from sensortop.review.safetext import printable

_WIDTHS = (23, 14, 8, 7)
HEADER = "  ".join(h.ljust(w) for h, w in zip(
    ("time (UTC)", "value", "status", "alarm"), _WIDTHS, strict=True))


def reading_line(series: SensorSeries, index: int) -> str:
    """One reading as the table shows it."""
    ts = float(series.ts[index])
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}"
    value = float(series.value[index])
    shown = "null" if math.isnan(value) else f"{value:.6g}"
    alarm = ALARMS[series.alarm[index]]
    cells = (stamp, shown, STATUSES[series.status[index]], "" if alarm == "normal" else alarm)
    return "  ".join(c.ljust(w) for c, w in zip(cells, _WIDTHS, strict=True))


class ReadingsView(ScrollView, can_focus=True):
    """Rows ``rows`` of ``series``, with a cursor row."""

    BINDINGS = [  # noqa: RUF012
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "to(0)", show=False),
        Binding("end", "to(-1)", show=False),
    ]
    COMPONENT_CLASSES = {"readings--header", "readings--cursor", "readings--bad"}  # noqa: RUF012
    DEFAULT_CSS = """
    ReadingsView { height: 1fr; }
    ReadingsView > .readings--header { text-style: bold; color: $accent; }
    ReadingsView > .readings--cursor { background: $primary 40%; }
    ReadingsView:focus > .readings--cursor { background: $primary; }
    ReadingsView > .readings--bad { color: $warning; }
    """

    class Pointed(Message):
        """The cursor moved to the reading taken at ``moment``."""

        def __init__(self, moment: float) -> None:
            super().__init__()
            self.moment = moment

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: SensorSeries | None = None
        self.rows: np.ndarray = np.empty(0, dtype=np.int64)
        self.cursor = 0
        self.note = "no readings"

    @property
    def at_end(self) -> bool:
        return self.cursor >= len(self.rows) - 1

    def show(self, series: SensorSeries | None, rows: np.ndarray, cursor: int | None = None,
             note: str = "no readings") -> None:
        """Show ``rows`` of ``series``; the cursor goes to ``cursor`` (else stays in range)."""
        self.series, self.rows, self.note = series, rows, note
        self.cursor = min(max(self.cursor if cursor is None else cursor, 0),
                          max(len(rows) - 1, 0))
        self.virtual_size = Size(len(HEADER) + 2, len(rows) + 1)
        self._keep_cursor_visible()
        self.refresh()

    def put_cursor(self, row: int, announce: bool = False) -> None:
        if len(self.rows) == 0:
            return
        self.cursor = min(max(row, 0), len(self.rows) - 1)
        self._keep_cursor_visible()
        self.refresh()
        if announce and self.series is not None:
            self.post_message(self.Pointed(float(self.series.ts[self.rows[self.cursor]])))

    def _keep_cursor_visible(self) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        self.put_cursor(self.cursor + step, announce=True)

    def action_page(self, direction: int) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        self.put_cursor(self.cursor + direction * body, announce=True)

    def action_to(self, row: int) -> None:
        self.put_cursor(row if row >= 0 else len(self.rows) - 1, announce=True)

    def on_click(self, event: events.Click) -> None:
        """A click on a reading puts the cursor (and the chart's) there."""
        if event.y >= 1:  # not the header
            self.put_cursor(int(self.scroll_offset.y) + event.y - 1, announce=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            style = self.get_component_rich_style("readings--header")
            return self._strip(HEADER, style, scroll_x, width)
        row = int(scroll_y) + y - 1
        if self.series is None or len(self.rows) == 0:
            return self._strip(self.note if y == 1 else "", Style(), scroll_x, width)
        if row >= len(self.rows):
            return Strip.blank(width)
        index = int(self.rows[row])
        style = self.rich_style
        if self.series.status[index] != 0:
            style = style + self.get_component_rich_style("readings--bad")
        if row == self.cursor:
            style = style + self.get_component_rich_style("readings--cursor")
        return self._strip(reading_line(self.series, index), style, scroll_x, width)

    @staticmethod
    def _strip(text: str, style: Style, scroll_x: int, width: int) -> Strip:
        line = printable(text).ljust(scroll_x + width)
        return Strip([Segment(line, style)]).crop(scroll_x, scroll_x + width)
