"""``sensortop view``: the dashboard, read-only, over a running recorder's logs.

The same app, panels, detail and review screens as the dashboard, on a
``ViewLink`` in place of a sampling session. Panels appear as their sensors
first show up in the log (checked on the frame clock); the keys that would
change sensors (a, d, space, k, s) say the view is read-only, and q leaves
without touching the recorder.

Readings arrive in batches (the recorder flushes every 250 ms, the follower
polls every 200 ms), so the viewer paints one whole frame per batch that
brought readings, and else once a second for the ages - not the dashboard's
four slices per frame, each a compositor pass over the whole grid (README
"Watching a recorder").
"""

from __future__ import annotations

import time

from textual import work
from textual.widgets import Static

from sensortop.model.specs import Config
from sensortop.model.words import count_of
from sensortop.tui.app import SensortopApp
from sensortop.tui.screens.help import HelpScreen
from sensortop.tui.view_link import ViewLink

READ_ONLY = "read-only view: sensors are changed where `sensortop record` runs"
IDLE_FRAME_SECONDS = 1.0
"""With no new readings, a frame this often still moves the ages and the statuses on."""
STATUS_SECONDS = 1.0
"""The status line (file, readings/s over 10 s, errors) is brought up to date this often."""


class ViewApp(SensortopApp):
    """The dashboard over a followed log."""

    def __init__(self, link: ViewLink, config: Config, *, pubchem_url: str,
                 theme: str | None = None) -> None:
        super().__init__(link, config, pubchem_url=pubchem_url, theme=theme)
        self.view_link = link
        self.title = f"sensortop view: {link.log_dir}"
        self._adding = False
        self._hint = ""
        self._painted_batch = -1
        self._painted_at = 0.0
        self._status_at = 0.0

    def frame_slice(self) -> None:
        """A tick of the frame clock: new sensors get their panels; the panels' frame if
        the follower brought readings since the last one, or a second has passed; else,
        once a second, the status line."""
        if len(self.view_link.engine.sensors) != len(self.grid.panels) and not self._adding:
            self._adding = True
            self._add_new_panels()
        self._show_hint()
        if len(self.screen_stack) > 1:
            return
        batch, now = self.view_link.batches, time.monotonic()
        if batch != self._painted_batch or now - self._painted_at >= IDLE_FRAME_SECONDS:
            self._painted_batch, self._painted_at = batch, now
            self.grid.frame(self.clock())
            self.frames += 1
        elif now - self._status_at >= STATUS_SECONDS:
            # On a tick of its own: painted with the panels, the full-width line would
            # make Textual go over every widget on screen (the side pane too) each frame.
            self._status_at = now
            self._show_status()

    @work(group="view-panels", exit_on_error=False)
    async def _add_new_panels(self) -> None:
        try:
            shown = {panel.sensor_id for panel in self.grid.panels}
            first = not shown
            # One mount and one layout for all of a start (50 one by one took seconds).
            await self.grid.add_panels([state for state in
                                        list(self.view_link.engine.sensors.values())
                                        if state.id not in shown])
            self.sub_title = count_of(len(self.grid.panels), "sensor")
            if first and self.grid.panels:
                self._focus_grid()
        finally:
            self._adding = False
            self._painted_batch = -1  # new panels: a whole frame on the next tick

    def _show_hint(self) -> None:
        """The empty grid says what the view waits for."""
        link = self.view_link
        if self.grid.panels:
            return
        hint = (f"No readings in {link.log_dir} yet: waiting for `sensortop record` "
                "to write some." if link.loaded.is_set()
                else f"Reading history from {link.log_dir}…")
        if hint != self._hint:
            self._hint = hint
            for box in self.query("#grid-empty").results(Static):
                box.update(hint)

    def _read_only(self) -> None:
        self.notify(READ_ONLY, severity="warning", timeout=4)

    def action_add_sensor(self) -> None:  # type: ignore[override]
        self._read_only()

    def action_remove_sensor(self) -> None:
        self._read_only()

    def action_toggle_pause(self) -> None:  # type: ignore[override]
        self._read_only()

    def action_acknowledge(self) -> None:  # type: ignore[override]
        self._read_only()

    def action_save(self) -> None:  # type: ignore[override]
        self._read_only()

    def action_help(self) -> None:
        path = self.view_link.tail.path
        following = f"{path} (followed, read-only)" if path else "(no log file yet)"
        self.push_screen(HelpScreen(following, str(self.view_link.log_dir),
                                    "(nothing: a view is read-only)"))

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def action_quit(self) -> None:  # type: ignore[override]
        """Stop following and leave; the recorder is not touched."""
        try:
            await self.view_link.stop()
        finally:
            self.exit(0)
