"""The log review screen (``l``): pick a run, filter it, chart a sensor, zoom, follow it.

A run is read, and the running log followed, by ``review_feed.feed`` in a
thread worker, so the screen is usable at once and the dashboard behind keeps
sampling; leaving the screen, or picking another run, cancels it. The chart
and the readings table show one sensor over one window of time, with one
cursor between them. README, "The review screen (`l`)".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, ProgressBar, Select, TabbedContent, TabPane

from sensortop.logs.files import expand_log_paths, log_sort_key
from sensortop.model.words import count_of
from sensortop.review.jumptime import FORMS, parse_jump
from sensortop.review.live import View
from sensortop.review.logdata import LogData
from sensortop.review.selection import STATUS_FILTERS, row_at, rows, sensor_matches, status_count
from sensortop.review.timespec import TimeSpecError
from sensortop.tui.screens.review_feed import LoadProgress, RunLoaded, feed
from sensortop.tui.widgets.alarm_kpis import AlarmKpisPanel
from sensortop.tui.widgets.range_chart import RangeChart
from sensortop.tui.widgets.readings_view import ReadingsView
from sensortop.tui.widgets.summary_table import SummaryTable

ALL_RUNS = "*"
STATUS_LABELS = {"all": "any status", "alarm": "in alarm"}


class ReviewScreen(Screen[None]):
    """Summaries, charts and readings of the JSON Lines logs in ``log_dir``."""

    # l here opens the list of runs: the dashboard's l would stack another review screen.
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "Back"),
        Binding("l", "pick_run", "Runs"),
        Binding("a", "toggle_alarms", "Alarm KPIs"),
        Binding("slash", "filter_sensors", "Sensor"),
        Binding("s", "cycle_status", "Status"),
        Binding("g", "jump", "Jump"),
        Binding("z", "zoom", "Zoom"),
        Binding("backspace", "zoom_out", "Zoom out", show=False),
        Binding("f", "toggle_follow", "Follow"),
        Binding("v", "next_tab", "View"),
    ]
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-bar { height: 1; }
    ReviewScreen #review-run { width: 1fr; }
    ReviewScreen #review-filter { width: 20; }
    ReviewScreen #review-which { width: 16; }
    ReviewScreen #review-progress { width: 18; padding: 0 1; }
    ReviewScreen #review-status { height: 1; padding: 0 1; }
    ReviewScreen #review-jump { display: none; }
    ReviewScreen #review-jump.-open { display: block; }
    ReviewScreen #review-tabs { height: auto; max-height: 45%; }
    ReviewScreen #review-table { height: auto; max-height: 100%; }
    ReviewScreen #review-readings { height: 12; }
    ReviewScreen #review-chart { height: 1fr; min-height: 8; }
    ReviewScreen #review-alarms { display: none; }
    ReviewScreen.alarms #review-alarms { display: block; }
    ReviewScreen.alarms #review-chart { display: none; }
    """

    def __init__(self, log_dir: Path, current_file: Path | None = None) -> None:
        super().__init__()
        self.log_dir = Path(log_dir)
        self.current_file = current_file
        self.view: View | None = None
        self.chart_sensor: str | None = None
        self.status_filter = "all"
        self.follow = True  # follow the running log when it is the run shown
        self.stem: str | None = None
        self.note = ""  # what the last jump or zoom said, kept as a followed log grows

    @property
    def data(self) -> LogData | None:
        """The readings shown (all of the run read so far), or None before the first load."""
        return self.view.data if self.view else None

    def runs(self) -> dict[str, list[Path]]:
        """Log files of ``log_dir`` grouped by run (a run's rotated parts together)."""
        grouped: dict[str, list[Path]] = {}
        if self.log_dir.is_dir():
            for path in expand_log_paths([self.log_dir]):
                grouped.setdefault(path.name.split(".", 1)[0], []).append(path)
        return grouped

    def compose(self) -> ComposeResult:
        runs = self.runs()
        options = [(f"{stem} ({len(parts)} file{'s' * (len(parts) > 1)})", stem)
                   for stem, parts in sorted(runs.items(),
                                             key=lambda kv: log_sort_key(kv[1][0]),
                                             reverse=True)]
        if runs:
            options.append(("all runs", ALL_RUNS))
        chosen = self._default_run(runs)
        # One row of compact controls: at 80x24 every row is a table or chart row more.
        with Horizontal(id="review-bar"):
            yield Select(options, value=chosen if chosen else Select.NULL, compact=True,
                         allow_blank=not options, id="review-run", prompt="log file")
            yield Input(placeholder="/ sensor filter", id="review-filter", compact=True)
            yield Select([(STATUS_LABELS.get(w, w), w) for w in STATUS_FILTERS], value="all",
                         allow_blank=False, compact=True, id="review-which")
            yield ProgressBar(total=100, show_eta=False, id="review-progress")
        yield Label(f"logs in {self.log_dir}", id="review-status")
        # The sections under the bar are tabs; the alarm KPIs (`a`) take the chart's place.
        with TabbedContent(id="review-tabs"):
            with TabPane("Sensors", id="tab-sensors"):
                yield SummaryTable(id="review-table")
            with TabPane("Readings", id="tab-readings"):
                yield ReadingsView(id="review-readings")
        yield RangeChart(id="review-chart")
        yield AlarmKpisPanel(self.log_dir, id="review-alarms")  # `a`: in the chart's place
        yield Input(placeholder=f"jump to: {FORMS}", id="review-jump", compact=True)
        yield Footer()

    def _default_run(self, runs: dict[str, list[Path]]) -> str | None:
        if self.current_file is not None:
            stem = Path(self.current_file).name.split(".", 1)[0]
            if stem in runs:
                return stem
        if runs:  # the latest run
            return max(runs, key=lambda stem: log_sort_key(runs[stem][0]))
        return None

    def on_mount(self) -> None:
        select = self.query_one("#review-run", Select)
        if select.value is not Select.NULL and select.value is not None:
            self.load(str(select.value))
        else:
            self._say(f"no log files in {self.log_dir}")

    def _say(self, text: str) -> None:
        self.query_one("#review-status", Label).update(text)

    # -- loading and following ----------------------------------------------------------

    @on(Select.Changed, "#review-run")
    def _run_chosen(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value is not None \
                and str(event.value) != self.stem:
            self.load(str(event.value))

    def _is_running(self, stem: str) -> bool:
        return self.current_file is not None and Path(self.current_file).name.startswith(stem)

    def load(self, stem: str) -> None:
        """Start reading a run (or every run) in a thread worker; it follows the running one."""
        self.stem = stem
        runs = self.runs()
        files = [p for parts in runs.values() for p in parts] if stem == ALL_RUNS \
            else runs.get(stem, [])
        follow = self.follow and stem != ALL_RUNS and self._is_running(stem)
        self.query_one(ProgressBar).update(total=100, progress=0)
        self._say(f"reading {stem} ...")
        self._read(files, follow)
        self.query_one(AlarmKpisPanel).load(None if stem == ALL_RUNS else stem)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-load")
    def _read(self, files: list[Path], follow: bool) -> None:
        feed(self.post_message, files, follow)

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        share = 100 * message.done / message.total if message.total else 100
        self.query_one(ProgressBar).update(total=100, progress=share)

    @on(RunLoaded)
    def _loaded(self, message: RunLoaded) -> None:
        self.query_one(ProgressBar).update(total=100, progress=100)
        if message.view is None:
            self._say(f"[b]error:[/b] {message.error}")
            return
        self.view = message.view
        self._refresh_shown(first=message.first)

    def _tell(self, note: str) -> None:
        """Say ``note`` after the counts on the status line, until the next note."""
        self.note = note
        self._say(self._status_text() if self.view is not None else note)

    def _status_text(self) -> str:
        assert self.view is not None
        data = self.view.data
        skipped = data.skipped_total
        note = f", skipped {count_of(skipped, 'line')} ({data.torn} torn)" if skipped else ""
        text = f"{count_of(data.lines, 'line')} in {count_of(len(data.files), 'file')}{note}"
        following = self.view.following
        if following is not None:  # the part, once the run has rotated past its first
            part = log_sort_key(following)[1]
            text += f" · following part {part}" if part else " · following"
        if data.skipped:
            first = data.skipped[0]
            text += f" · first skipped: {first.path.name}:{first.line} {first.reason}"
        return f"{text} · {self.note}" if self.note else text

    # -- what is shown ------------------------------------------------------------------

    def _refresh_shown(self, first: bool = False) -> None:
        """Table, chart and readings from the current view and filters."""
        if self.view is None:
            return
        self._say(self._status_text())
        pattern = self.query_one("#review-filter", Input).value
        series = self.view.data.series
        shown = set(sensor_matches(sorted(series), pattern))
        summaries = [s for s in self.view.summaries if s.sensor in shown
                     and status_count(series[s.sensor], self.status_filter) > 0]
        table = self.query_one(SummaryTable)
        table.fill(summaries, keep=self.chart_sensor)
        names = [s.sensor for s in summaries]
        if self.chart_sensor in names:
            self.show_chart(self.chart_sensor)
        elif names:
            self.show_chart(names[0])
        else:
            self.chart_sensor = None
            self.query_one(RangeChart).show(None)
            self.query_one(ReadingsView).show(None, np.empty(0, dtype=np.int64),
                                              note="no sensor matches the filters")

    def show_chart(self, sensor: str) -> None:
        """Chart ``sensor`` and list its readings in the chart's window."""
        if self.view is None or sensor not in self.view.data.series:
            return
        series = self.view.data.series[sensor]
        chart = self.query_one(RangeChart)
        chart.show(series, keep_zoom=sensor == self.chart_sensor)
        self.chart_sensor = sensor
        self._fill_readings()

    def _fill_readings(self) -> None:
        chart = self.query_one(RangeChart)
        readings = self.query_one(ReadingsView)
        series = chart.series
        if series is None:
            return
        chosen = rows(series, chart.window if chart.zoomed else None, self.status_filter)
        follow_end = readings.series is not None and readings.at_end \
            and readings.series.sensor == series.sensor
        cursor = len(chosen) - 1 if follow_end else None
        if readings.series is None or readings.series.sensor != series.sensor:
            cursor = 0
        readings.show(series, chosen, cursor=cursor,
                      note=f"no {self.status_filter} readings in this window")

    @on(SummaryTable.RowHighlighted, "#review-table")
    def _row_highlighted(self, event: SummaryTable.RowHighlighted) -> None:
        if event.row_key.value is not None and event.row_key.value != self.chart_sensor:
            self.show_chart(str(event.row_key.value))

    @on(RangeChart.Zoomed)
    def _zoomed(self, event: RangeChart.Zoomed) -> None:
        window = event.window
        self._tell(f"zoom {_clock(window[0])}-{_clock(window[1])} UTC (Esc back)"
                   if event.zoomed and window is not None else "")
        self._fill_readings()
        chart = self.query_one(RangeChart)
        if chart.cursor is not None:
            self._point_readings(chart.cursor)

    @on(RangeChart.Pointed)
    def _chart_pointed(self, event: RangeChart.Pointed) -> None:
        self._point_readings(event.moment)

    def _point_readings(self, moment: float) -> None:
        readings = self.query_one(ReadingsView)
        if readings.series is not None:
            readings.put_cursor(row_at(readings.series, readings.rows, moment))

    @on(ReadingsView.Pointed)
    def _reading_pointed(self, event: ReadingsView.Pointed) -> None:
        self.query_one(RangeChart).set_cursor(event.moment)

    # -- filters, jump, zoom ------------------------------------------------------------

    @on(Input.Changed, "#review-filter")
    def _filter_changed(self) -> None:
        self._refresh_shown()

    @on(Select.Changed, "#review-which")
    def _which_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.status_filter:
            self.status_filter = event.value
            self._refresh_shown()

    def action_cycle_status(self) -> None:
        """Next status filter: all, ok, timeout, error, alarm."""
        # Taken at once, not when the list's Changed arrives: keys pressed quickly each
        # step on from the last, not from what the list said a moment ago.
        at = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(at + 1) % len(STATUS_FILTERS)]
        self.query_one("#review-which", Select).value = self.status_filter
        self._refresh_shown()

    def action_filter_sensors(self) -> None:
        self.query_one("#review-filter", Input).focus()

    def action_jump(self) -> None:
        box = self.query_one("#review-jump", Input)
        box.add_class("-open")
        box.focus()

    @on(Input.Submitted, "#review-jump")
    def _jump_submitted(self, event: Input.Submitted) -> None:
        self.jump_to(event.value)

    def jump_to(self, text: str) -> bool:
        """Put the chart's cursor and the readings at the time ``text`` names."""
        chart = self.query_one(RangeChart)
        series = chart.series
        if series is None or len(series.ts) == 0:
            self._tell("nothing to jump in: no readings shown")
            return False
        every = [s for s in self.view.data.series.values() if len(s.ts)] if self.view else []
        first = min(float(s.ts[0]) for s in every) if every else float(series.ts[0])
        last = max(float(s.ts[-1]) for s in every) if every else float(series.ts[-1])
        try:
            moment = parse_jump(text, first, last)  # the log's span, not one sensor's
        except TimeSpecError as exc:
            self._tell(f"jump: {exc}")
            return False
        window = chart.window
        if chart.zoomed and window is not None and not window[0] <= moment <= window[1]:
            half = (window[1] - window[0]) / 2  # keep the zoom's width, centred there
            chart.stack[-1] = (moment - half, moment + half)
            self._fill_readings()
        chart.set_cursor(moment)
        self._point_readings(moment)
        box = self.query_one("#review-jump", Input)
        box.remove_class("-open")
        box.value = ""
        self.query_one("#review-tabs", TabbedContent).active = "tab-readings"
        self.query_one(ReadingsView).focus()
        self._tell(f"at {_clock(moment, time.localtime)} local ({_clock(moment)} UTC)")
        return True

    def action_zoom(self) -> None:
        self.query_one(RangeChart).action_zoom()

    def action_zoom_out(self) -> None:
        self.query_one(RangeChart).zoom_out()

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.stem is not None:
            self.load(self.stem)
        self.notify("following the running log" if self.follow else "not following")

    def action_next_tab(self) -> None:
        tabs = self.query_one("#review-tabs", TabbedContent)
        panes = [p.id for p in tabs.query(TabPane) if p.id]
        tabs.active = panes[(panes.index(tabs.active) + 1) % len(panes)]

    def action_pick_run(self) -> None:
        """Open the list of runs (focus goes there; Enter on a run loads it)."""
        select = self.query_one("#review-run", Select)
        select.focus()
        select.action_show_overlay()

    def action_toggle_alarms(self) -> None:
        """Show the run's alarm KPIs in place of the chart, or the chart again."""
        self.toggle_class("alarms")
    def action_back(self) -> None:
        """Esc: leave a text box, else drop a range or zoom, else close the screen."""
        focused = self.focused
        if isinstance(focused, Input):
            focused.remove_class("-open")
            self.query_one(RangeChart).focus()
        elif not self.query_one(RangeChart).zoom_out():
            self.action_close()

    def action_close(self) -> None:
        self.workers.cancel_group(self, "review-load")
        self.dismiss()

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "review-load")


def _clock(ts: float, convert: Callable[[float], time.struct_time] = time.gmtime) -> str:
    """A time to the second (UTC unless ``convert`` says otherwise), dated only when the
    day is not today: the status line is short at 80 columns."""
    fmt = "%H:%M:%S" if convert(ts)[:3] == convert(time.time())[:3] else "%Y-%m-%d %H:%M:%S"
    return time.strftime(fmt, convert(ts))
