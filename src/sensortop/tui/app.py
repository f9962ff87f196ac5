"""The dashboard: a grid of sensor panels (or, with `v`, a table) over a sampling session.

Sampling runs on its own event loop in a thread (``ThreadedLink``) so a slow
frame never delays a reading; on a steady frame clock the UI reads each
sensor's immutable view (``SensorState.view``, republished by the engine after
every reading) and changes sensors only through the link. See the
README's "threading model" for the measurements behind that choice.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Header

from sensortop.archive.background import BackgroundCompactor
from sensortop.config.kinds import available_kinds
from sensortop.model.specs import Config, SensorSpec
from sensortop.model.words import count_of
from sensortop.tui.alarm_words import ack_words
from sensortop.tui.backfill import backfill_panels
from sensortop.tui.config_saver import save_config, save_target_text
from sensortop.tui.keys import ACTIONS, GRID_ACTIONS, PANEL_ACTIONS, dashboard_bindings
from sensortop.tui.lifecycle import TerminalLifecycle
from sensortop.tui.sampling import SamplingLink
from sensortop.tui.screens.add_sensor import AddSensorScreen
from sensortop.tui.screens.alarms import AlarmScreen
from sensortop.tui.screens.confirm import ConfirmScreen
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.screens.help import HelpScreen
from sensortop.tui.table.view import TableView
from sensortop.tui.themed_app import ThemedApp
from sensortop.tui.themes import ThemeChoice
from sensortop.tui.widgets.sensor_grid import SensorGrid
from sensortop.tui.widgets.sensor_panel import SensorPanel
from sensortop.tui.widgets.side_pane import SidePane
from sensortop.tui.widgets.status_line import FLOOD_NOTICE, StatusLine

FRAME_RATE = 4.0
FRAME_SLICES = 4  # each frame is painted in this many slices, spread over its period


class SensortopApp(ThemedApp):
    """sensortop's dashboard."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    # Where the side pane does not fit beside the grid, ``c`` shows it over the grid
    # (the class on #main follows focus: in the pane or not); Esc brings the grid back.
    CSS = """
    Screen.-narrow #main.-lookup > SensorGrid { display: none; }
    Screen.-narrow #main.-lookup > #side { display: block; width: 1fr; border-left: none; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-medium"), (150, "-wide")]  # noqa: RUF012
    BINDINGS = dashboard_bindings()

    def __init__(self, link: SamplingLink, config: Config, *, pubchem_url: str,
                 theme: str | None = None, start_sampling: bool = True,
                 theme_choice: ThemeChoice | None = None,
                 theme_dirs: list[Path] | None = None) -> None:
        super().__init__(theme=theme, theme_choice=theme_choice, theme_dirs=theme_dirs)
        self.link = link
        self.config = config
        self.pubchem_url = pubchem_url
        self.start_sampling = start_sampling
        self.clock: Callable[[], float] = time.time
        """Wall clock for ages; tests freeze it so pictures do not change."""
        self._grid = SensorGrid(id="grid")
        self._table = TableView(self._grid, id="table")  # v: in place of the grid
        self._status_line = StatusLine(id="status")  # held: not a DOM query each frame
        self.frames = 0
        self._slice = 0
        self.kinds: list[str] | None = None
        self._last_panel: SensorPanel | None = None
        self._quitting = False
        self._lifecycle = TerminalLifecycle(link, self.action_quit)
        self._compactor: BackgroundCompactor | None = None
        self.title = config.name

    # -- layout ------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        screen = super().get_default_screen()
        # Textual would focus the first focusable widget at start: the lookup's input, where
        # keys are typed (and, hidden below 110 columns, it hands focus to a panel of its
        # choosing as it hides). Only a panel may take focus by itself; see _focus_grid.
        screen.AUTO_FOCUS = "SensorPanel"  # type: ignore[misc]
        return screen

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            yield self._grid
            yield self._table
            yield SidePane(self.pubchem_url, id="side")
        yield self._status_line
        yield Footer()

    @property
    def grid(self) -> SensorGrid:
        """Held, not queried: the frame clock may tick once more while the app closes."""
        return self._grid

    async def on_mount(self) -> None:
        self._apply_themes()
        await self.grid.add_panels(list(self.link.engine.sensors.values()))
        self.sub_title = count_of(len(self.grid.panels), "sensor")
        if self.start_sampling:
            await self.link.start()  # then history from the logs, never holding up a frame
            self.run_worker(backfill_panels(self.link, self.grid.panels), exit_on_error=False)
            self._compactor = self.link.compactor(self.config.monitor)
            if self._compactor is not None:
                self._compactor.start()
        self.set_interval(1 / (FRAME_RATE * FRAME_SLICES), self.frame_slice)
        self._load_kinds()
        self._focus_grid()
        self.frame()
        self.call_after_refresh(self._freeze_heap)
        self._lifecycle.start()  # SIGTERM quits as q does; a closed terminal ends us

    async def on_unmount(self) -> None:
        self._lifecycle.stop()
        if self._compactor is not None:
            await self._compactor.stop()

    @staticmethod
    def _freeze_heap() -> None:
        """Keep the start-up heap out of the collector: with hundreds of panels a full
        collection took 50-70 ms, holding the GIL - a stall for UI and sampling alike."""
        gc.collect()
        gc.freeze()

    @work(thread=True, group="kinds", exit_on_error=False)
    def _load_kinds(self) -> None:
        """Import every source module off the UI loop (some import slowly)."""
        self.kinds = available_kinds()

    # -- the frame clock -------------------------------------------------------------
    def frame_slice(self) -> None:
        """One tick of the frame clock: a slice of the visible panels (all of them over
        FRAME_SLICES ticks), then the status line; nothing while a screen covers the grid."""
        if len(self.screen_stack) > 1:
            return
        part = self._slice
        self._slice = (part + 1) % FRAME_SLICES
        self.grid.frame(self.clock(), part, FRAME_SLICES)  # each does nothing while hidden
        self._table.frame(self.clock(), part, FRAME_SLICES)
        if part == FRAME_SLICES - 1:
            self.frames += 1
            self._show_status()

    def frame(self) -> None:
        """A whole frame at once (tests and snapshots)."""
        self.grid.frame(self.clock())
        self._table.frame(self.clock())
        self._show_status()

    def _show_status(self) -> None:
        status = self._status_line
        if not status.is_attached:  # closing
            return
        rate = status.measure_rate(time.monotonic(), self.link.engine.readings_total)
        if status.show(self.link.recorder, rate, len(self.grid.panels), self.link.outputs,
                       self._compactor.note if self._compactor is not None else "",
                       self.grid.views(), self.link.engine.flood.flooding):
            self.notify(FLOOD_NOTICE, severity="error", timeout=10)  # a flood just started

    # -- focus --------------------------------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # What the dashboard screen has focused now, not the event's widget: the event is
        # handled later and the widget may be gone; a dialog's focus says nothing here.
        widget = self.screen_stack[0].focused if self.screen_stack else None
        if widget is None:
            return
        if isinstance(widget, SensorPanel):
            self._last_panel = widget
        in_side = any(node.id == "side" for node in widget.ancestors_with_self)
        self.query_one("#main").set_class(in_side, "-lookup")
        self.refresh_bindings()  # the footer drops the panel keys while the grid is hidden

    def _focus_grid(self, index: int = 0) -> None:
        """Focus stays on the grid, never left to Textual's pick of the first input (the
        lookup's, where keys would be typed): a panel, or with none the grid itself, whose
        empty-state message says to press a."""
        panels = self.grid.panels
        if self.table_shown:  # the table's cursor goes there instead
            return self._table.focus_on(panels, index)
        self.grid.can_focus = not panels
        if panels:
            panels[max(0, min(index, len(panels) - 1))].focus()
        else:
            self.grid.focus()

    @property
    def table_shown(self) -> bool:
        return self.query_one("#main").has_class("-table")

    def focused_panel(self) -> SensorPanel | None:
        if self.table_shown:  # the panel of the sensor under the table's cursor
            return self.grid.panel(self._table.table.selected_id or "")
        if isinstance(self.focused, SensorPanel):
            return self.focused
        panel = self._last_panel
        if panel is not None and panel.is_mounted:
            return panel
        panels = self.grid.panels
        return panels[0] if panels else None

    def action_focus_panels(self) -> None:
        """Esc: back to the grid (shown again if the lookup covered it)."""
        panel = self.focused_panel()
        index = 0 if panel is None else self.grid.panels.index(panel)
        # Nothing focused while the lookup goes: else Textual moves focus off the input
        # as it hides, to a widget of its choosing.
        self.screen.set_focus(None)
        self.query_one("#main").remove_class("-lookup")
        self.call_after_refresh(self._focus_grid, index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grid actions belong to the grid: hidden while another screen covers it."""
        if action in GRID_ACTIONS and len(self.screen_stack) > 1:
            return False
        if action in PANEL_ACTIONS:
            # not on panels out of sight (the lookup covers the grid below 110 columns)
            view = self._table if self.table_shown else self.grid
            if not (self.is_mounted(view) and view.display):
                return False  # hidden, not greyed: the footer keeps room for ? and q at 80x24
            return True if self.grid.panels else None
        return True

    # -- sensors ---------------------------------------------------------------------
    async def action_add_sensor(self) -> None:
        if self.kinds is None:
            self.kinds = await asyncio.to_thread(available_kinds)
        taken = set(self.link.engine.sensors)
        self.push_screen(AddSensorScreen(self.kinds, taken), self._form_done)

    def _form_done(self, spec: SensorSpec | None) -> None:
        if spec is not None:
            self.add_sensor(spec)

    @work(group="sensors", exit_on_error=False)
    async def add_sensor(self, spec: SensorSpec) -> None:
        engine = self.link.engine
        try:
            state = await self.link.call_sync(lambda: engine.add(spec))
        except Exception as exc:  # a bad source must not end the app
            self.notify(f"{spec.id} not added: {exc}", severity="error")
            return
        panel = await self.grid.add_panel(state)
        self.sub_title = count_of(len(self.grid.panels), "sensor")
        self._focus_grid(self.grid.panels.index(panel))
        self.notify(f"added {spec.id} ({spec.kind}, every {spec.interval:g} s)")

    def action_remove_sensor(self) -> None:
        panel = self.focused_panel()
        if panel is None:
            return
        spec = panel.state.spec

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_sensor(panel)

        who = spec.id if spec.name in ("", spec.id) else f"{spec.name} ({spec.id})"
        self.push_screen(ConfirmScreen(f"Remove {who}?\n"
                                       "Its lines already in the log stay there."), answered)

    @work(group="sensors", exit_on_error=False)
    async def remove_sensor(self, panel: SensorPanel) -> None:
        sensor_id = panel.sensor_id
        panels = self.grid.panels
        index = panels.index(panel)
        await self.link.call(lambda: self.link.engine.remove(sensor_id))
        await self.grid.remove_panel(panel)
        self.sub_title = count_of(len(self.grid.panels), "sensor")
        self._focus_grid(index)
        self.notify(f"removed {sensor_id}")

    @work(group="sensors", exit_on_error=False)
    async def action_toggle_pause(self) -> None:
        panel = self.focused_panel()
        if panel is None:
            return
        sensor_id = panel.sensor_id
        engine = self.link.engine
        paused = await self.link.call_sync(lambda: engine.toggle_pause(sensor_id))
        if not self.table_shown:  # a hidden panel's repaint re-arranges every widget
            panel.frame(self.clock())
        self.notify(f"{sensor_id} {'paused' if paused else 'resumed'}", timeout=2)

    @work(group="sensors", exit_on_error=False)
    async def action_acknowledge(self) -> None:
        """Acknowledge the focused sensor's alarms: its panel stops flagging them with "!"."""
        panel = self.focused_panel()
        if panel is None:
            return
        sensor_id, engine = panel.sensor_id, self.link.engine
        try:  # what it did, in one step where the engine lives
            events = await self.link.call_sync(lambda: engine.acknowledge(sensor_id))
        except KeyError:  # removed meanwhile
            return
        if not self.table_shown:  # a hidden panel's repaint re-arranges every widget
            panel.frame(self.clock())
        self.notify(f"{panel.sensor_id}: {ack_words(events, panel.state.view)}", timeout=2)

    def action_alarms(self) -> None:
        """``!``: the alarm screen over the grid."""
        self.push_screen(AlarmScreen(self.link, self.grid.views))

    def action_toggle_view(self) -> None:
        """v: the table in place of the grid or back, on the same sensor."""
        panel = self.focused_panel()
        self.query_one("#main").toggle_class("-table")
        index = self.grid.panels.index(panel) if panel is not None else 0
        self.call_after_refresh(self._focus_grid, index)

    def action_detail(self) -> None:
        panel = self.focused_panel()
        if panel is not None:
            self.push_screen(DetailScreen(panel.state, self.link.log_dir))

    # -- the rest of the keys --------------------------------------------------------
    def action_lookup(self) -> None:
        """Focus the lookup's input; where the pane is hidden (narrow) it covers the grid."""
        side = self.query_one("#side", SidePane)
        self.screen.set_focus(None)  # see action_focus_panels
        self.query_one("#main").add_class("-lookup")
        self.call_after_refresh(side.focus_lookup)  # once shown: a hidden input takes no focus

    def action_review(self) -> None:
        # Imported on first use: the screen and plotext add ~60 ms to every start.
        from sensortop.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(self.link.log_dir, self.link.recorder.path))

    def action_choose_theme(self) -> None:
        self.search_themes()

    def action_help(self) -> None:
        recorder = self.link.recorder
        path = str(recorder.path) if recorder.path else "(not recording yet)"
        target = save_target_text(self.config.path)
        self.push_screen(HelpScreen(path, str(self.link.log_dir), target))

    @work(group="save", exclusive=True, exit_on_error=False)
    async def action_save(self) -> None:
        specs = [panel.state.spec for panel in self.grid.panels]
        try:
            path, note = await asyncio.to_thread(save_config, self.config, specs)
        except OSError as exc:
            self.notify(f"not saved: {exc}", severity="error", timeout=10)
            return
        self.config.path = path
        self.notify(f"saved {count_of(len(specs), 'sensor')} to {path}{note}", timeout=8)

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def action_quit(self) -> None:  # type: ignore[override]  # a worker: never blocks the UI
        """Stop sampling and flush the log off the UI loop, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.notify("stopping sampling and flushing the log…", timeout=30)
        try:
            await self.link.stop()
        finally:
            self.exit(0)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: into the working folder (Textual's default, the
        Downloads folder, may not exist), else the log folder; the notice gives the path."""
        if path is None:
            path = os.getcwd()
            if not os.access(path, os.W_OK):
                path = str(self.link.log_dir.resolve())
        return super().deliver_screenshot(filename, path, time_format)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, action, _label, help_text in ACTIONS:
            if action in ("quit", "choose_theme"):
                continue  # Textual offers these already; ours are bound to the same actions
            shown = "?" if key == "question_mark" else key
            # The palette reads titles as markup: "[k]" unescaped would vanish as a tag.
            # One line per entry: the title already says what the key does.
            yield SystemCommand(escape(f"{help_text} [{shown}]"), "",
                                getattr(self, f"action_{action}"))


__all__ = ["SensortopApp"]
