"""``!``: the alarm screen - what is in alarm now, and what was (README "The alarm screen").

The active list is sorted by priority, then newest first, with each alarm's state,
value, limit and time in alarm; below it the finished episodes with their duration
and the sensor's min / mean / max during them. Keys act on the highlighted alarm
(``k`` acknowledge, ``s`` shelve, ``u`` unshelve, ``r`` reset a latch, ``o`` out of
service for its sensor) or on every row shown (``K``); ``p`` filters by priority.
Every action goes to the engine, which records it in the journal with the login name.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from sensortop.model.alarms import AlarmKind, Lifecycle
from sensortop.sampling.alarm_view import AlarmLine
from sensortop.sampling.view import SensorView
from sensortop.tui.alarm_rows import (
    ACKABLE,
    FILTERS,
    active_lines,
    episode_cells,
    episodes,
    line_cells,
)
from sensortop.tui.alarm_words import alarm_name, names
from sensortop.tui.screens.shelve import ShelvePrompt

if TYPE_CHECKING:
    from sensortop.tui.sampling import SamplingLink

REFRESH = 0.5
ACTIVE_COLUMNS = ("priority", "sensor", "alarm", "state", "value", "limit", "in alarm")
HISTORY_COLUMNS = ("ended", "sensor", "alarm", "priority", "lasted", "min", "mean", "max")
HISTORY_SHOWN = 200


class AlarmScreen(Screen[None]):
    """Active alarms and their history, for every sensor of the dashboard."""

    BINDINGS = [  # noqa: RUF012
        # The footer keeps to the main keys so it fits 80 columns; the title lists all.
        Binding("k", "ack", "Ack"),
        Binding("K", "ack_shown", "All"),
        Binding("s", "shelve", "Shelve"),
        Binding("u", "unshelve", "Unshelve", show=False),
        Binding("r", "reset", "Reset"),
        Binding("o", "service", "Out of service", show=False),
        Binding("p", "filter", "Filter"),
        Binding("escape,exclamation_mark", "close", "Back", key_display="esc"),
    ]
    DEFAULT_CSS = """
    AlarmScreen #alarms-title { height: auto; padding: 0 1; background: $panel; }
    AlarmScreen #alarms-active { height: 1fr; }
    AlarmScreen #alarms-history-title { height: auto; padding: 0 1; background: $panel; }
    AlarmScreen #alarms-history { height: 1fr; }
    """

    def __init__(self, link: SamplingLink, views: Callable[[], list[SensorView]]) -> None:
        super().__init__()
        self.link = link
        self.views = views
        self.filter = 0
        self.shown: list[AlarmLine] = []
        self._drawn: Any = None

    def compose(self) -> ComposeResult:
        yield Static("", id="alarms-title")
        yield DataTable(id="alarms-active", cursor_type="row", zebra_stripes=True)
        yield Static("", id="alarms-history-title")
        yield DataTable(id="alarms-history", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alarms-active", DataTable).add_columns(*ACTIVE_COLUMNS)
        self.query_one("#alarms-history", DataTable).add_columns(*HISTORY_COLUMNS)
        self.redraw()
        self.set_interval(REFRESH, self.redraw)
        self.query_one("#alarms-active", DataTable).focus()

    # -- drawing ---------------------------------------------------------------------
    def redraw(self) -> None:
        now = time.time()
        views = self.views()
        at_least = FILTERS[self.filter]
        lines = active_lines(views, at_least)
        specs = {view.spec.id: view.spec for view in views}
        table = self.query_one("#alarms-active", DataTable)
        chosen = self.chosen()
        table.clear()
        for line in lines:
            spec = specs.get(line.sensor)
            rate = spec.alarms.rate if spec is not None else None
            cells = line_cells(line, now, spec.units if spec else "",
                               rate.per if rate is not None else "s")
            style = _style(line)
            table.add_row(*(Text(c, style=style) for c in cells),
                          key=f"{line.sensor}/{line.kind.value}")
        self.shown = lines
        if chosen is not None:
            keys = [(line.sensor, line.kind) for line in lines]
            if chosen in keys:
                table.move_cursor(row=keys.index(chosen), animate=False)
        unacked = sum(1 for line in lines if line.state in ACKABLE)
        which = "every priority" if at_least is None else f"{at_least.value} and above"
        self.query_one("#alarms-title", Static).update(Content.assemble(
            ("Alarms", "bold $accent"), f"  {len(lines)} shown ({which}), ",
            (f"{unacked} unacknowledged", "bold $error" if unacked else ""),
            ("\nk ack  K ack all shown  s shelve  u unshelve  r reset latch  "
             "o out of service (sensor)  p filter by priority", "$text-muted")))
        self._draw_history(views, at_least)

    def _draw_history(self, views: list[SensorView], at_least: Any) -> None:
        found = episodes(views, at_least)[:HISTORY_SHOWN]
        key = tuple(found)
        if key == self._drawn:
            return
        self._drawn = key
        table = self.query_one("#alarms-history", DataTable)
        table.clear()
        for episode in found:
            stamp = time.strftime("%H:%M:%S", time.localtime(episode.end))
            table.add_row(*episode_cells(episode, stamp))
        self.query_one("#alarms-history-title", Static).update(Content.assemble(
            ("History", "bold $accent"), f"  {len(found)} finished episodes, newest first "
            "(min / mean / max during each)"))

    def chosen(self) -> tuple[str, AlarmKind] | None:
        """The highlighted alarm: (sensor, kind)."""
        table = self.query_one("#alarms-active", DataTable)
        row = table.cursor_row
        if not self.shown or not 0 <= row < len(self.shown):
            return None
        line = self.shown[min(row, len(self.shown) - 1)]
        return line.sensor, line.kind

    # -- actions ---------------------------------------------------------------------
    async def _do(self, fn: Callable[[], Any], done: str) -> None:
        try:
            events = await self.link.call_sync(fn)
        except (KeyError, ValueError) as exc:
            self.notify(str(exc).strip("'\""), severity="warning")
            return
        self.notify(done if events else "nothing to do", timeout=3)
        self.redraw()

    async def _on_chosen(self, act: Callable[[str, AlarmKind], Any], done: str) -> None:
        """``act(sensor, kind)`` on the highlighted alarm; ``done`` said after, its name in."""
        chosen = self.chosen()
        if chosen is not None:
            sensor, kind = chosen
            await self._do(lambda: act(sensor, kind),
                           f"{sensor}: {alarm_name(kind)} {done}")

    async def action_ack(self) -> None:
        await self._on_chosen(self.link.engine.acknowledge, "alarm acknowledged")

    async def action_ack_shown(self) -> None:
        keys = [(line.sensor, line.kind) for line in self.shown if line.state in ACKABLE]
        if not keys:
            self.notify("no alarm shown waits for an acknowledgement", timeout=3)
            return
        engine = self.link.engine
        await self._do(lambda: engine.acknowledge_all(keys),
                       f"{names(k for _, k in keys)} acknowledged ({len(keys)} shown)")

    def action_shelve(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        sensor, kind = chosen
        spec = next((v.spec for v in self.views() if v.spec.id == sensor), None)
        if spec is None:
            return

        async def answered(answer: tuple[float | None, bool] | None) -> None:
            if answer is None:
                return
            seconds, once = answer
            span = spec.alarms.shelve_max if seconds is None else seconds
            engine = self.link.engine
            await self._do(lambda: engine.shelve(sensor, kind, span, one_shot=once),
                           f"{sensor}: {alarm_name(kind)} shelved")

        self.app.push_screen(ShelvePrompt(f"{sensor} {alarm_name(kind)}",
                                          spec.alarms.shelve_max), answered)

    async def action_unshelve(self) -> None:
        await self._on_chosen(self.link.engine.unshelve, "unshelved")

    async def action_reset(self) -> None:
        await self._on_chosen(self.link.engine.reset_latch, "latch reset")

    async def action_service(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        sensor = chosen[0]
        view = next((v for v in self.views() if v.spec.id == sensor), None)
        out = view is not None and not view.alarm_summary.out_of_service
        engine = self.link.engine
        await self._do(lambda: engine.set_out_of_service(sensor, out),
                       f"{sensor}: alarms {'out of service' if out else 'back in service'}")

    def action_filter(self) -> None:
        self.filter = (self.filter + 1) % len(FILTERS)
        self._drawn = None
        self.redraw()

    def action_close(self) -> None:
        self.dismiss(None)


def _style(line: AlarmLine) -> str:
    """A Rich style: the table measures Rich text (not Content) to size its columns."""
    if line.state is Lifecycle.UNACK:
        return "bold red"
    if line.state in (Lifecycle.SHELVED, Lifecycle.OUT_OF_SERVICE):
        return "dim"
    if line.state in (Lifecycle.LATCHED, Lifecycle.RTN_UNACK):
        return "yellow"
    return ""
