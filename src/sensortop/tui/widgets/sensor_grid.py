"""The responsive grid of sensor panels, and the frame clock's visibility test.

Panels fill the screen: with few sensors the shape is chosen by
``grid_shape`` (wide panels, rows sharing the height, the last panel spanning
an incomplete row); with many, one column per ``PANEL_WIDTH`` cells and rows of
``PANEL_HEIGHT``, scrolling. The grid knows its row height, so which
panels are on screen is arithmetic on the scroll offset, not a compositor
query: off-screen panels cost nothing per frame.

Once any sensor has a ``group`` (README "Configuration"), each group is a
section under a one-line title, in the order the config first names it
(sensors without a group last); a section's last panel spans the rest of
its row, so every section starts on a row of its own.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.widget import Widget
from textual.widgets import Static

from sensortop.tui.widgets.sensor_panel import PANEL_HEIGHT, SensorPanel

if TYPE_CHECKING:
    from sensortop.sampling.state import SensorState
    from sensortop.sampling.view import SensorView

PANEL_WIDTH = 36
"""The narrowest a panel gets: the grid has at most width // PANEL_WIDTH columns."""
NO_GROUP_TITLE = "(no group)"
"""The title of the section of sensors without a group, once other sensors have one."""
PANEL_ASPECT = 2.0
"""The panel shape aimed at when there is room: twice as wide as tall on screen
(a cell is about twice as tall as wide), which suits a sparkline."""


def grid_shape(count: int, width: int, height: int) -> tuple[int, int]:
    """Columns and rows for ``count`` panels in ``width`` x ``height`` cells.

    When they cannot all fit at the smallest height, as many columns as the width
    allows (least scrolling). When they fit, the column count whose panels come
    closest to ``PANEL_ASPECT``, with few empty cells: 2 sensors on a wide screen
    are two full-width rows, 4 a 2x2 block, never a row of slim panels under a
    blank screen.
    """
    most = max(1, width // PANEL_WIDTH)
    if count <= 1:
        return 1, 1
    if height <= 0 or -(-count // most) * PANEL_HEIGHT > height:
        return most, -(-count // most)
    best: tuple[float, int, int] | None = None
    for columns in range(1, min(most, count) + 1):
        rows = -(-count // columns)
        if rows * PANEL_HEIGHT > height:
            continue
        shape = (width / columns) / (2 * height / rows)
        empty = (rows * columns - count) / count
        score = abs(math.log(shape / PANEL_ASPECT)) + empty
        if best is None or score < best[0]:
            best = (score, columns, rows)
    assert best is not None  # columns == most fits, checked above
    return best[1], best[2]


class SectionTitle(Static):
    """A group's title line above its panels (spans every column)."""

    def __init__(self, group: str) -> None:
        super().__init__(group or NO_GROUP_TITLE, classes="section-title", markup=False)
        self.group = group


class SensorGrid(ScrollableContainer, can_focus=False):
    """Panels in a grid that reflows with the terminal width."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = 1
        self.row_height = PANEL_HEIGHT
        self.generation = 0
        """Counts panels added and removed: the table view takes the list when it moves."""
        self._rows_fit = False
        self._grid_rows = ""
        self._spans: dict[Widget, int] = {}  # widgets spanning more than one column
        self._layout: list[tuple[int, list[SensorPanel]]] = []
        """Each grid row: its top (in cells, while rows scroll) and its panels (none: a title)."""

    def compose(self) -> ComposeResult:
        yield Static("No sensors. Press a to add one.", id="grid-empty")

    @property
    def panels(self) -> list[SensorPanel]:
        return [child for child in self.children if isinstance(child, SensorPanel)]

    def views(self) -> list[SensorView]:
        """Every sensor's current view, in the grid's order (the alarm screen, status line)."""
        return [panel.state.view for panel in self.panels]

    @property
    def titles(self) -> list[SectionTitle]:
        return [child for child in self.children if isinstance(child, SectionTitle)]

    def panel(self, sensor_id: str) -> SensorPanel | None:
        for panel in self.panels:
            if panel.sensor_id == sensor_id:
                return panel
        return None

    async def add_panel(self, state: SensorState) -> SensorPanel:
        panel = SensorPanel(state)
        await self._mount_in_section(panel, state.spec.group)
        self.generation += 1
        self._reflow(self.size.width, self.size.height)
        return panel

    async def add_panels(self, states: list[SensorState]) -> None:
        """Many panels at once (the dashboard's start): one mount and one reflow, not one
        per sensor, which at 2,000 sensors took minutes with sections."""
        if self.panels or self.titles:
            for state in states:
                await self.add_panel(state)
            return
        sections: dict[str, list[SensorPanel]] = {}
        for state in states:
            sections.setdefault(state.spec.group, []).append(SensorPanel(state))
        if "" in sections:  # the sensors without a group come last
            sections[""] = sections.pop("")
        titled = any(sections)
        widgets: list[Widget] = []
        for group, panels in sections.items():
            if titled:
                widgets.append(SectionTitle(group))
            widgets.extend(panels)
        await self.mount_all(widgets)
        self.generation += 1
        self._reflow(self.size.width, self.size.height)

    async def _mount_in_section(self, panel: SensorPanel, group: str) -> None:
        """After the last panel of its group; a new group's title and panel go before
        the ungrouped section (which gets its title once there is another group)."""
        panels = self.panels
        titles = {title.group: title for title in self.titles}
        if not group and not titles:
            await self.mount(panel)
            return
        if group and "" not in titles and any(not p.state.spec.group for p in panels):
            first = next(p for p in panels if not p.state.spec.group)
            titles[""] = SectionTitle("")
            await self.mount(titles[""], before=first)
        same = [p for p in panels if p.state.spec.group == group]
        if same:
            await self.mount(panel, after=same[-1])
        elif group and "" in titles:
            await self.mount(SectionTitle(group), panel, before=titles[""])
        else:
            await self.mount(SectionTitle(group), panel)

    async def remove_panel(self, panel: SensorPanel) -> None:
        group = panel.state.spec.group
        await panel.remove()
        panels = self.panels
        gone = [title for title in self.titles
                if (title.group == group and not any(p.state.spec.group == group
                                                      for p in panels))
                or (title.group == "" and not any(p.state.spec.group for p in panels))]
        if gone:
            await self.remove_children(gone)
        self.generation += 1
        self._reflow(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._reflow(event.size.width, event.size.height)

    def _reflow(self, width: int, height: int) -> None:
        panels = self.panels
        for hint in self.query("#grid-empty").results(Static):
            hint.display = not panels
        sections = self._sections()
        titled = len(sections) if any(title for title, _ in sections) else 0
        columns, rows = grid_shape(len(panels), width, height - titled)
        if columns != self.columns:
            self.columns = columns
            self.styles.grid_size_columns = columns
        rows = sum(-(-len(members) // columns) for _, members in sections)
        fits = height > 0 and rows * PANEL_HEIGHT + titled <= height
        # Rows share the height when they all fit (taller sparklines); else scroll.
        self.row_height = max(PANEL_HEIGHT, (height - titled) // max(rows, 1)) \
            if fits else PANEL_HEIGHT
        self._rows_fit = fits
        self._lay_out(sections, columns, bool(titled))
        panel_row = "1fr" if fits else str(PANEL_HEIGHT)
        grid_rows = " ".join("1" if not members else panel_row for _, members in self._layout) \
            if titled else panel_row
        if grid_rows != self._grid_rows:
            self._grid_rows = grid_rows
            self.styles.grid_rows = grid_rows

    def _sections(self) -> list[tuple[SectionTitle | None, list[SensorPanel]]]:
        """The children as (title, panels) in order; one untitled section without groups."""
        sections: list[tuple[SectionTitle | None, list[SensorPanel]]] = [(None, [])]
        for child in self.children:
            if isinstance(child, SectionTitle):
                sections.append((child, []))
            elif isinstance(child, SensorPanel):
                sections[-1][1].append(child)
        return [section for section in sections if section[0] is not None or section[1]]

    def _lay_out(self, sections: list[tuple[SectionTitle | None, list[SensorPanel]]],
                 columns: int, titled: bool) -> None:
        """Rows of the grid, and the spans: titles span every column, and a section's
        last panel spans what its row leaves empty, so no cell stays blank."""
        layout: list[tuple[int, list[SensorPanel]]] = []
        spans: dict[Widget, int] = {}
        top = 0
        for title, members in sections:
            if title is not None:
                spans[title] = columns
                layout.append((top, []))
                top += 1
            for start in range(0, len(members), columns):
                row = members[start:start + columns]
                if len(row) < columns:
                    spans[row[-1]] = 1 + columns - len(row)
                layout.append((top, row))
                top += self.row_height
        self._layout = layout
        # Only the spans that change are set: a style write costs, and this runs per panel
        # added (2,000 at start with 2,000 sensors).
        for widget in self._spans.keys() - spans.keys():
            widget.styles.column_span = 1
        for widget, span in spans.items():
            if self._spans.get(widget) != span:
                widget.styles.column_span = span
        self._spans = spans

    def visible_panels(self) -> list[SensorPanel]:
        """Panels whose row overlaps the viewport."""
        if not self._layout or self.size.height == 0 or not self.display:
            return []
        if self._rows_fit:
            return self.panels
        top = int(self.scroll_offset.y)
        tops = [row_top for row_top, _ in self._layout]
        first = max(0, bisect.bisect_right(tops, top) - 1)
        # A row starting at the viewport's bottom edge is not on screen: refreshing an
        # unseen panel makes Textual re-arrange every widget (~0.4 s at 2,000 panels).
        last = bisect.bisect_left(tops, top + self.size.height)
        return [panel for _, row in self._layout[first:last] for panel in row]

    def frame(self, now: float, part: int = 0, parts: int = 1) -> int:
        """Let on-screen panels repaint if they changed; returns how many did.

        With ``parts`` > 1 only every parts-th visible panel (from ``part``) is
        looked at, so a frame's painting is spread over several short ticks
        instead of one long one that would hold up the event loop.
        """
        return sum(panel.frame(now) for panel in self.visible_panels()[part::parts])

    def move_focus(self, panel: SensorPanel, dx: int, dy: int) -> None:
        """Arrow keys: left and right through the panels in order; up and down to the
        panel below or above in the next row that has panels (the nearest column)."""
        panels = self.panels
        if dx:
            target = panels.index(panel) + dx
            if 0 <= target < len(panels):
                panels[target].focus()
            return
        rows = [row for _, row in self._layout if row]
        at = next((r for r, row in enumerate(rows) if panel in row), None)
        if at is None or not 0 <= at + dy < len(rows):
            return
        column = rows[at].index(panel)
        row = rows[at + dy]
        row[min(column, len(row) - 1)].focus()
