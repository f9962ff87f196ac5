"""``SensorTable``: the table's rows as a Line API widget that paints only what is seen.

The lines (group headers and sensor rows) come from ``TableIndex``; the widget
draws the column titles pinned on its top line and, below, only the lines in
the viewport. On each frame it compares what every visible line would show
(history version, status word, age, alarm) with what it last painted and
refreshes only the lines that changed: at 2,000 sensors a frame repaints a few
dozen lines, never 2,000 rows. The cursor follows a sensor (or a group
header), not a line number, so it stays on its sensor as the order changes.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sensortop.tui.table.columns import (
    COLUMN_KEYS,
    LEAST_WIDTH,
    age_of,
    column_at,
    column_widths,
    compact_age,
    is_live,
)
from sensortop.tui.table.index import GroupHeader, Line, Row, TableIndex, TableQuery
from sensortop.tui.table.paint import (
    COMPONENT_CLASSES,
    TableStyles,
    group_strip,
    header_strip,
    row_strip,
    table_styles,
)

REORDER_PERIOD = 1.0
"""Seconds between re-sorts (and re-filters, and group counts) as values change: a
table that reorders four times a second cannot be read, and at 2,000 sensors a
sort by value costs a few milliseconds. Cells update every frame regardless."""
_PLAIN = Style()


class SensorTable(ScrollView, can_focus=True):
    """Sensors as rows under pinned column titles; sortable, filterable, grouped."""

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    DEFAULT_CSS = """
    SensorTable { scrollbar-size-vertical: 1; }
    SensorTable > .sensor-table--header { background: $panel; color: $foreground;
        text-style: bold; }
    SensorTable > .sensor-table--group { color: $accent; text-style: bold; }
    SensorTable > .sensor-table--group-alarm { color: $error; text-style: bold; }
    SensorTable > .sensor-table--group-failing { color: $warning; text-style: bold; }
    SensorTable > .sensor-table--muted { color: $text-muted; }
    SensorTable > .sensor-table--spark { color: $primary; }
    SensorTable > .sensor-table--value { color: $foreground; }
    SensorTable > .sensor-table--value-alarm { color: $error; text-style: bold; }
    SensorTable > .sensor-table--alarm-cell { color: $warning; text-style: bold; }
    SensorTable > .sensor-table--alarm-severe { color: $error; text-style: bold reverse; }
    SensorTable > .sensor-table--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; }
    SensorTable > .sensor-table--cursor-blurred {
        background: $block-cursor-blurred-background; }
    SensorTable > .sensor-table--ok { color: $success; }
    SensorTable > .sensor-table--alarm { color: $error; text-style: bold; }
    SensorTable > .sensor-table--timeout { color: $warning; text-style: bold; }
    SensorTable > .sensor-table--error { color: $error; text-style: bold; }
    SensorTable > .sensor-table--stale { color: $warning; text-style: bold; }
    SensorTable > .sensor-table--paused { color: $secondary; text-style: bold; }
    SensorTable > .sensor-table--waiting { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-1000000000)", "First", show=False),
        Binding("end", "cursor(1000000000)", "Last", show=False),
        Binding("left", "collapse(True)", "Collapse", show=False),
        Binding("right", "collapse(False)", "Expand", show=False),
        Binding("less_than_sign", "sort_by(-1)", "Sort by the column left", show=False),
        Binding("greater_than_sign", "sort_by(1)", "Sort by the column right", show=False),
        Binding("r", "reverse", "Reverse the sort", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.query_state = TableQuery()
        self.rows: list[Row] = []
        self.lines: list[Line] = []
        self.shown = 0
        self.cursor = 0
        self._selected: tuple[str, str] | None = None  # ("sensor", id) or ("group", name)
        self._index = TableIndex()
        self._widths = column_widths(LEAST_WIDTH)
        self._styles: TableStyles | None = None
        self._painted: dict[int, Hashable] = {}  # screen line -> what it showed
        self._cache: dict[str, tuple[Hashable, Strip]] = {}  # sensor id -> its row
        self._limits: dict[str, dict[str, float]] = {}
        self.repaints = 0  # lines refreshed by the frame clock (tests, bench)
        self._built_at = -REORDER_PERIOD

    # -- what is shown ------------------------------------------------------------
    def set_rows(self, rows: Sequence[Row], now: float) -> None:
        """The sensors, in config order (after a sensor was added or removed)."""
        self.rows = list(rows)
        ids = {row.spec.id for row in self.rows}
        self._index.forget(ids)
        self._limits = {row.spec.id: row.spec.limits.to_dict() for row in self.rows}
        self._cache = {k: v for k, v in self._cache.items() if k in ids}
        self.rebuild(now)

    def rebuild(self, now: float) -> bool:
        """Filter, sort and group again; True if the lines changed (then all is redrawn)."""
        built = self._index.build(self.rows, self.query_state, now)
        self._built_at = time.monotonic()
        self.shown = built.shown
        if built.lines == self.lines:
            return False
        self.lines = built.lines
        self._place_cursor()
        self.virtual_size = Size(max(LEAST_WIDTH, self.scrollable_content_region.width),
                                 len(self.lines) + 1)
        self._painted.clear()
        self.refresh()
        return True

    def frame(self, now: float, part: int = 0, parts: int = 1) -> int:
        """The frame clock: on its first slice, at most every ``REORDER_PERIOD``, rebuild
        if the order, the filter or the group counts can change with the readings; then
        refresh the visible lines (every parts-th) whose content changed."""
        query = self.query_state
        if part == 0 and time.monotonic() - self._built_at >= REORDER_PERIOD and (
                query.only_alarms or query.only_failing or self._groups_shown()
                or (query.sort is not None and is_live(query.sort))):
            self.rebuild(now)
        changed = 0
        top = int(self.scroll_offset.y)
        for y in range(1 + part, self.size.height, parts):
            index = top + y - 1
            if index >= len(self.lines):
                break
            if self._painted.get(y) != self._line_key(index, now):
                self.refresh_line(top + y)
                changed += 1
        self.repaints += changed
        return changed

    def _groups_shown(self) -> bool:
        return bool(self.lines) and isinstance(self.lines[0], GroupHeader)

    def _line_key(self, index: int, now: float) -> Hashable:
        line = self.lines[index]
        if isinstance(line, GroupHeader):
            return (line, index == self.cursor)
        view = line.view
        return (view.spec.id, view.version, view.status_word(now),
                compact_age(age_of(view, now)), view.alarm, view.acknowledged,
                index == self.cursor)

    # -- painting -----------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        left = int(self.scroll_offset.x)
        full = max(width, LEAST_WIDTH)  # the table's own width: wider scrolls sideways
        styles = self._table_styles()
        if y == 0:
            strip = header_strip(self._widths, full, self.query_state.sort,
                                 self.query_state.descending, styles)
            return _seen(strip, left, width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.lines):
            self._painted.pop(y, None)
            return Strip.blank(width, styles.blank)
        now = self.app.clock()  # type: ignore[attr-defined]
        key = self._line_key(index, now)
        self._painted[y] = key
        line = self.lines[index]
        if isinstance(line, GroupHeader):
            strip = group_strip(line, self.query_state.filtering, full, styles)
        else:
            strip = self._row(line, key, now, full, styles)
        if index == self.cursor:  # the cursor's colours over the cells' own
            cursor = styles.cursor if self.has_focus else styles.cursor_blurred
            strip = Strip([Segment(text, (style or _PLAIN) + cursor)
                           for text, style, _ in strip], strip.cell_length)
        return _seen(strip, left, width)

    def _row(self, row: Row, key: Hashable, now: float, width: int,
             styles: TableStyles) -> Strip:
        sensor_id = row.spec.id
        cached = self._cache.get(sensor_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        view = row.view
        strip = row_strip(view, view.status_word(now), now, self._widths, width,
                          self._limits.get(sensor_id, {}), styles)
        self._cache[sensor_id] = (key, strip)
        return strip

    def _table_styles(self) -> TableStyles:
        if self._styles is None:  # once per theme: rich_style walks the ancestors
            self._styles = table_styles(self.rich_style, self.get_component_rich_style)
        return self._styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None  # a new theme: paint every line again
        self._cache.clear()
        self._painted.clear()

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        self._widths = column_widths(max(LEAST_WIDTH, width))
        self.virtual_size = Size(max(LEAST_WIDTH, width), len(self.lines) + 1)
        self._cache.clear()
        self._painted.clear()

    def on_focus(self) -> None:
        self._painted.clear()  # the cursor changes colour
        self.refresh()

    def on_blur(self) -> None:
        self._painted.clear()
        self.refresh()

    # -- the cursor -----------------------------------------------------------------
    @property
    def selected_id(self) -> str | None:
        """The sensor under the cursor (None on a group header or in an empty table)."""
        line = self.lines[self.cursor] if self.cursor < len(self.lines) else None
        return None if line is None or isinstance(line, GroupHeader) else line.spec.id

    def select(self, sensor_id: str) -> bool:
        """Put the cursor on a sensor, opening its group; False if the filter hides it."""
        group = next((row.spec.group for row in self.rows if row.spec.id == sensor_id), None)
        if group is None:
            return False
        if group in self.query_state.collapsed:
            self.query_state.collapsed.discard(group)
            self.rebuild(self.app.clock())  # type: ignore[attr-defined]
        for index, line in enumerate(self.lines):
            if not isinstance(line, GroupHeader) and line.spec.id == sensor_id:
                self._move_to(index)
                return True
        return False

    def _place_cursor(self) -> None:
        """After a rebuild: back on the selected sensor or header, wherever it went."""
        if self._selected is not None:
            kind, name = self._selected
            for index, line in enumerate(self.lines):
                if (isinstance(line, GroupHeader) and kind == "group" and line.name == name) \
                        or (not isinstance(line, GroupHeader) and kind == "sensor"
                            and line.spec.id == name):
                    self.cursor = index
                    self._scroll_to_cursor()
                    return
        self.cursor = min(self.cursor, max(0, len(self.lines) - 1))
        self._remember()

    def _remember(self) -> None:
        line = self.lines[self.cursor] if self.cursor < len(self.lines) else None
        if line is None:
            self._selected = None
        elif isinstance(line, GroupHeader):
            self._selected = ("group", line.name)
        else:
            self._selected = ("sensor", line.spec.id)

    def _move_to(self, index: int) -> None:
        if not self.lines:
            return
        index = max(0, min(index, len(self.lines) - 1))
        old, self.cursor = self.cursor, index
        self._remember()
        top = int(self.scroll_offset.y)
        for line in (old, index):
            self.refresh_line(line + 1)
            self._painted.pop(line - top + 1, None)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        rows = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    # -- groups, sorting ---------------------------------------------------------------
    def action_collapse(self, collapse: bool) -> None:
        """Left closes the cursor's group (from any of its rows), right opens it."""
        line = self.lines[self.cursor] if self.cursor < len(self.lines) else None
        if line is None or not self._groups_shown():
            return
        group = line.name if isinstance(line, GroupHeader) else line.spec.group
        self.toggle_group(group, collapse)

    def toggle_group(self, group: str, collapse: bool | None = None) -> None:
        collapsed = self.query_state.collapsed
        if collapse is None:
            collapse = group not in collapsed
        if collapse == (group in collapsed):
            return
        (collapsed.add if collapse else collapsed.discard)(group)
        self._selected = ("group", group)  # the cursor stays on the header
        self.rebuild(self.app.clock())  # type: ignore[attr-defined]

    def sort_by(self, key: str | None, descending: bool | None = None) -> None:
        """Sort by a column (None: config order); the same column again reverses it."""
        query = self.query_state
        if descending is None:
            descending = not query.descending if key == query.sort else False
        query.sort, query.descending = key, descending
        self._sort_changed()

    def action_sort_by(self, step: int) -> None:
        keys: list[str | None] = [None, *COLUMN_KEYS]
        at = keys.index(self.query_state.sort)
        self.sort_by(keys[(at + step) % len(keys)], self.query_state.descending)

    def action_reverse(self) -> None:
        self.query_state.descending = not self.query_state.descending
        self._sort_changed()

    def _sort_changed(self) -> None:
        self.refresh_line(0)
        self._painted.clear()
        self.rebuild(self.app.clock())  # type: ignore[attr-defined]
        self.refresh()

    # -- the mouse -------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = column_at(self._widths, offset.x + int(self.scroll_offset.x))
            if column is not None:
                self.sort_by(column)
            return
        index = int(self.scroll_offset.y) + offset.y - 1
        if index >= len(self.lines):
            return
        self._move_to(index)
        line = self.lines[index]
        if isinstance(line, GroupHeader):
            self.toggle_group(line.name)
        elif event.chain == 2:
            self.run_worker(self.app.run_action("detail"))

    def on_key(self, event: events.Key) -> None:
        """Enter on a group header opens or closes it (on a row it is the app's Detail)."""
        if event.key == "enter" and self.cursor < len(self.lines):
            line = self.lines[self.cursor]
            if isinstance(line, GroupHeader):
                event.stop()
                event.prevent_default()
                self.toggle_group(line.name)


def _seen(strip: Strip, left: int, width: int) -> Strip:
    """The part of a line in view: itself when the table is not scrolled sideways."""
    if left == 0 and strip.cell_length == width:
        return strip
    return strip.crop_extend(left, left + width, None)


__all__ = ["SensorTable"]
