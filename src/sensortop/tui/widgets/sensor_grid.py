"""The responsive grid of sensor panels, and the frame clock's visibility test.

Panels fill the screen: with few sensors the shape is chosen by
``grid_shape`` (wide panels, rows sharing the height, the last panel spanning
an incomplete row); with many, one column per ``PANEL_WIDTH`` cells and rows of
``PANEL_HEIGHT``, scrolling. The grid knows its row height, so which
panels are on screen is arithmetic on the scroll offset, not a compositor
query: off-screen panels cost nothing per frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.widgets import Static

from sensortop.tui.widgets.sensor_panel import PANEL_HEIGHT, SensorPanel

if TYPE_CHECKING:
    from sensortop.sampling.state import SensorState
    from sensortop.sampling.view import SensorView

PANEL_WIDTH = 36
"""The narrowest a panel gets: the grid has at most width // PANEL_WIDTH columns."""
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


class SensorGrid(ScrollableContainer, can_focus=False):
    """Panels in a grid that reflows with the terminal width."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = 1
        self.row_height = PANEL_HEIGHT
        self._rows_fit = False
        self._spanning: SensorPanel | None = None  # the last panel, spanning its row's rest

    def compose(self) -> ComposeResult:
        yield Static("No sensors. Press a to add one.", id="grid-empty")

    @property
    def panels(self) -> list[SensorPanel]:
        return [child for child in self.children if isinstance(child, SensorPanel)]

    def views(self) -> list[SensorView]:
        """Every sensor's current view, in the grid's order (the alarm screen, status line)."""
        return [panel.state.view for panel in self.panels]

    def panel(self, sensor_id: str) -> SensorPanel | None:
        for panel in self.panels:
            if panel.sensor_id == sensor_id:
                return panel
        return None

    async def add_panel(self, state: SensorState) -> SensorPanel:
        panel = SensorPanel(state)
        await self.mount(panel)
        self._reflow(self.size.width, self.size.height)
        return panel

    async def remove_panel(self, panel: SensorPanel) -> None:
        await panel.remove()
        self._reflow(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._reflow(event.size.width, event.size.height)

    def _reflow(self, width: int, height: int) -> None:
        panels = self.panels
        for hint in self.query("#grid-empty").results(Static):
            hint.display = not panels
        columns, rows = grid_shape(len(panels), width, height)
        if columns != self.columns:
            self.columns = columns
            self.styles.grid_size_columns = columns
        fits = height > 0 and rows * PANEL_HEIGHT <= height
        # Rows share the height when they all fit (taller sparklines); else scroll.
        row_height = max(PANEL_HEIGHT, height // rows) if fits else PANEL_HEIGHT
        if row_height != self.row_height or fits != self._rows_fit:
            self.row_height = row_height
            self._rows_fit = fits
            self.styles.grid_rows = "1fr" if fits else str(PANEL_HEIGHT)
        # The last panel spans what its row leaves empty, so no cell stays blank.
        last = panels[-1] if panels else None
        if self._spanning is not None and self._spanning is not last:
            self._spanning.styles.column_span = 1
        self._spanning = last
        if last is not None and last.styles.column_span != 1 + rows * columns - len(panels):
            last.styles.column_span = 1 + rows * columns - len(panels)

    def visible_panels(self) -> list[SensorPanel]:
        """Panels whose row overlaps the viewport."""
        panels = self.panels
        if not panels or self.size.height == 0:
            return []
        top = int(self.scroll_offset.y)
        first_row = top // self.row_height
        last_row = (top + self.size.height) // self.row_height
        start = first_row * self.columns
        stop = (last_row + 1) * self.columns
        return panels[start:stop]

    def frame(self, now: float, part: int = 0, parts: int = 1) -> int:
        """Let on-screen panels repaint if they changed; returns how many did.

        With ``parts`` > 1 only every parts-th visible panel (from ``part``) is
        looked at, so a frame's painting is spread over several short ticks
        instead of one long one that would hold up the event loop.
        """
        return sum(panel.frame(now) for panel in self.visible_panels()[part::parts])

    def move_focus(self, panel: SensorPanel, dx: int, dy: int) -> None:
        """Arrow keys: move to the neighbouring panel in the grid."""
        panels = self.panels
        index = panels.index(panel)
        target = index + dx + dy * self.columns
        last_row_start = (len(panels) - 1) // self.columns * self.columns
        if dy > 0 and target >= len(panels) and target >= last_row_start + self.columns:
            return
        if dy > 0 and target >= len(panels):
            target = len(panels) - 1  # the last panel spans the rest of its row
        if 0 <= target < len(panels):
            panels[target].focus()
