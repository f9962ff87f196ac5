"""The responsive grid of sensor panels, and the frame clock's visibility test.

Columns follow the width (one per ``PANEL_WIDTH`` cells), and rows grow to
fill the height when there are few sensors (taller sparklines), down to
``PANEL_HEIGHT`` when there are many. The grid knows its row height, so which
panels are on screen is arithmetic on the scroll offset, not a compositor
query: off-screen panels cost nothing per frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.widgets import Static

from sensortop.tui.widgets.sensor_panel import PANEL_HEIGHT, SensorPanel

MAX_PANEL_HEIGHT = 16

if TYPE_CHECKING:
    from sensortop.engine import SensorState

PANEL_WIDTH = 36


class SensorGrid(ScrollableContainer, can_focus=False):
    """Panels in a grid that reflows with the terminal width."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = 1
        self.row_height = PANEL_HEIGHT

    def compose(self) -> ComposeResult:
        yield Static("No sensors. Press a to add one.", id="grid-empty")

    @property
    def panels(self) -> list[SensorPanel]:
        return [child for child in self.children if isinstance(child, SensorPanel)]

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
        empty = not self.panels
        for hint in self.query("#grid-empty").results(Static):
            hint.display = empty
        columns = max(1, width // PANEL_WIDTH)
        if columns != self.columns:
            self.columns = columns
            self.styles.grid_size_columns = columns
        rows = max(1, -(-len(self.panels) // columns))
        row_height = PANEL_HEIGHT
        if height > 0:
            row_height = min(MAX_PANEL_HEIGHT, max(PANEL_HEIGHT, height // rows))
        if row_height != self.row_height:
            self.row_height = row_height
            self.styles.grid_rows = str(row_height)

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
        if 0 <= target < len(panels):
            panels[target].focus()
