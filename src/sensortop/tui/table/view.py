"""``v``'s table view: a filter bar over the ``SensorTable``, fed by the grid's sensors.

The bar holds the filter input (``/`` focuses it; typing filters at once,
Enter or Esc goes back to the rows), the "only alarms" and "only failing"
toggles (``A`` and ``F``, or a click) and how many sensors are shown. The
sensors are the grid's: when a panel is added or removed the table takes the
new list on its next frame, so the app never keeps two lists in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Static

from sensortop.tui.table.widget import SensorTable

if TYPE_CHECKING:
    from sensortop.tui.widgets.sensor_grid import SensorGrid
    from sensortop.tui.widgets.sensor_panel import SensorPanel


class TableView(Vertical):
    """The filter bar and the table, shown in place of the grid."""

    DEFAULT_CSS = """
    TableView { width: 1fr; }
    TableView #table-bar { height: 1; }
    TableView #table-filter { width: 1fr; }
    TableView Checkbox { margin: 0 0 0 1; }
    TableView #table-count { width: auto; margin: 0 0 0 1; color: $text-muted; }
    TableView SensorTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", show=False),
        Binding("A", "only('#only-alarms')", "Only alarms", show=False),
        Binding("F", "only('#only-failing')", "Only failing", show=False),
    ]

    def __init__(self, grid: SensorGrid, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.grid = grid
        self.table = SensorTable(id="sensor-table")
        self._generation = -1
        self._count = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="table-bar"):
            yield Input(placeholder="/ filter: id, name, units, group", compact=True,
                        id="table-filter")
            yield Checkbox("alarms A", compact=True, id="only-alarms",
                           tooltip="show only sensors in alarm (A)")
            yield Checkbox("failing F", compact=True, id="only-failing",
                           tooltip="show only failing sensors: timeout, error, stale (F)")
            yield Static("", id="table-count")
        yield self.table

    def _now(self) -> float:
        return self.app.clock()  # type: ignore[attr-defined]

    def sync(self, now: float) -> None:
        """Take the grid's sensors if a panel came or went since the last look."""
        if self.grid.generation != self._generation:
            self._generation = self.grid.generation
            self.table.set_rows([panel.state for panel in self.grid.panels], now)
            self._show_count()

    def focus_on(self, panels: list[SensorPanel], index: int) -> None:
        """Focus the rows with the cursor on the sensor of ``panels[index]`` (the grid's
        focus, kept across ``v``; clamped: after a removal, the next one)."""
        self.sync(self._now())
        if panels:
            self.table.select(panels[max(0, min(index, len(panels) - 1))].sensor_id)
        self.table.focus()

    def frame(self, now: float, part: int = 0, parts: int = 1) -> int:
        """The frame clock's slice: nothing while hidden."""
        if not self.display or not self.is_mounted:
            return 0
        self.sync(now)
        changed = self.table.frame(now, part, parts)
        if part == 0:
            self._show_count()
        return changed

    def _show_count(self) -> None:
        table = self.table
        total = len(table.rows)
        text = f"{table.shown:,} of {total:,}" if table.shown != total else f"{total:,} sensors"
        if text != self._count:
            self._count = text
            self.query_one("#table-count", Static).update(text)

    # -- the bar -----------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#table-filter", Input).focus()

    def action_only(self, selector: str) -> None:
        self.query_one(selector, Checkbox).toggle()

    @on(Input.Changed, "#table-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self.table.query_state.text = event.value
        self._refilter()

    @on(Input.Submitted, "#table-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    @on(Checkbox.Changed)
    def _toggled(self, event: Checkbox.Changed) -> None:
        query = self.table.query_state
        if event.checkbox.id == "only-alarms":
            query.only_alarms = event.value
        elif event.checkbox.id == "only-failing":
            query.only_failing = event.value
        self._refilter()

    def _refilter(self) -> None:
        self.sync(self._now())
        self.table.rebuild(self._now())
        self.table.refresh()
        self._show_count()


__all__ = ["TableView"]
