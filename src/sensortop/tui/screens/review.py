"""The log review screen (``l``): pick a run, see its per-sensor table, chart a sensor.

Reading a big log takes a while, so it runs in a thread worker that reports
progress by ``post_message`` (thread-safe) and hands back the parsed data the
same way; the dashboard behind keeps sampling. Charts are plotext text drawn
into a plain ``Static`` and sized to it, as dolphie does.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from sensortop.logs.files import expand_log_paths, log_sort_key
from sensortop.model.words import count_of
from sensortop.review.formatting import alarm_text, duration, number, short_time
from sensortop.review.logdata import LogData
from sensortop.review.plots import render_chart
from sensortop.review.reader import read_logs
from sensortop.review.summary import SensorSummary, summarise
from sensortop.tui.widgets.alarm_kpis import AlarmKpisPanel

ALL_RUNS = "*"


class LoadCancelled(Exception):
    """Raised from the progress callback when a newer load replaced this one."""


class ReviewScreen(Screen[None]):
    """Summaries and charts of the JSON Lines logs in ``log_dir``."""

    # l here opens the list of runs: the dashboard's l would stack another review screen.
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", "Close"),
        Binding("l", "pick_run", "Runs"),
        Binding("a", "toggle_alarms", "Alarm KPIs"),
    ]
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-bar { height: 3; }
    ReviewScreen #review-run { width: 1fr; }
    ReviewScreen #review-progress { width: 30; padding: 1 1; }
    ReviewScreen #review-status { height: 1; padding: 0 1; }
    ReviewScreen #review-table { height: auto; max-height: 40%; min-height: 4; }
    ReviewScreen #review-chart { height: 1fr; min-height: 8; }
    ReviewScreen #review-alarms { display: none; }
    ReviewScreen.alarms #review-alarms { display: block; }
    ReviewScreen.alarms #review-chart { display: none; }
    """

    class Progress(Message):
        """How far the reader is: bytes done of total."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ReviewScreen.Progress)

    class Loaded(Message):
        """The reader finished (``data`` and its ``summaries``) or failed (``error``)."""

        def __init__(self, data: LogData | None, error: str | None = None,
                     summaries: list[SensorSummary] | None = None) -> None:
            super().__init__()
            self.data = data
            self.error = error
            self.summaries = summaries or []

    def __init__(self, log_dir: Path, current_file: Path | None = None) -> None:
        super().__init__()
        self.log_dir = Path(log_dir)
        self.current_file = current_file
        self.data: LogData | None = None
        self.summaries: list[SensorSummary] = []
        self.chart_sensor: str | None = None

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
        # The progress bar beside the run, not on a row of its own: at 80x24 every row
        # is a table row or chart row more. The table is as tall as its rows (to 40 %).
        with Horizontal(id="review-bar"):
            yield Select(options, value=chosen if chosen else Select.NULL,
                         allow_blank=not options, id="review-run", prompt="log file")
            yield ProgressBar(total=100, show_eta=False, id="review-progress")
        yield Label(f"logs in {self.log_dir}", id="review-status")
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static("select a sensor to see its chart", id="review-chart")
        yield AlarmKpisPanel(self.log_dir, id="review-alarms")
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
        table = self.query_one(DataTable)
        # Health first: on a narrow screen what scrolls off is the times, not the failures.
        table.add_columns("sensor", "units", "count", "ok/timeout/error", "alarm time", "gaps",
                          "min", "max", "mean", "std", "first (UTC)", "last (UTC)")
        select = self.query_one(Select)
        if select.value is not Select.NULL and select.value is not None:
            self.load(str(select.value))
        else:
            self.query_one("#review-status", Label).update(f"no log files in {self.log_dir}")

    @on(Select.Changed, "#review-run")
    def _run_chosen(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value is not None:
            self.load(str(event.value))

    def load(self, stem: str) -> None:
        """Start reading a run (or every run) in a thread worker."""
        runs = self.runs()
        files = [p for parts in runs.values() for p in parts] if stem == ALL_RUNS \
            else runs.get(stem, [])
        self.query_one(ProgressBar).update(total=100, progress=0)
        self.query_one("#review-status", Label).update(f"reading {stem} ...")
        self._read(files)
        self.query_one(AlarmKpisPanel).load(None if stem == ALL_RUNS else stem)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-load")
    def _read(self, files: list[Path]) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise LoadCancelled
            self.post_message(self.Progress(done, total))

        try:
            data = read_logs(files, progress=progress)
        except LoadCancelled:
            return
        except OSError as exc:
            self.post_message(self.Loaded(None, f"cannot read {exc.filename}: {exc.strerror}"))
            return
        if not worker.is_cancelled:
            # Summing a million readings is numpy work too: keep it off the UI thread.
            self.post_message(self.Loaded(data, summaries=summarise(data)))

    def on_review_screen_progress(self, message: Progress) -> None:
        share = 100 * message.done / message.total if message.total else 100
        self.query_one(ProgressBar).update(total=100, progress=share)

    def on_review_screen_loaded(self, message: Loaded) -> None:
        status = self.query_one("#review-status", Label)
        self.query_one(ProgressBar).update(total=100, progress=100)
        if message.data is None:
            status.update(f"[b]error:[/b] {message.error}")
            return
        self.data = message.data
        self.summaries = message.summaries
        table = self.query_one(DataTable)
        table.clear()
        for s in self.summaries:
            table.add_row(
                s.sensor, s.units, str(s.count),
                "/".join(str(v) for v in s.statuses.values()), alarm_text(s.alarm_seconds),
                f"{s.gaps.count} ({duration(s.gaps.longest)})" if s.gaps.count else "0",
                number(s.min), number(s.max), number(s.mean), number(s.std),
                short_time(s.first), short_time(s.last),
                key=s.sensor,
            )
        skipped = message.data.skipped_total
        note = f", skipped {count_of(skipped, 'line')} ({message.data.torn} torn)" \
            if skipped else ""
        status.update(f"{count_of(message.data.lines, 'line')} in "
                      f"{count_of(len(message.data.files), 'file')}{note}")
        if self.summaries:
            self.show_chart(self.summaries[0].sensor)

    @on(DataTable.RowHighlighted, "#review-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_chart(str(event.row_key.value))

    def show_chart(self, sensor: str) -> None:
        """Draw ``sensor``'s chart, sized to the chart widget."""
        if self.data is None or sensor not in self.data.series:
            return
        self.chart_sensor = sensor
        chart = self.query_one("#review-chart", Static)
        width = max(chart.size.width, 40)
        height = max(chart.size.height, 10)
        chart.update(Text.from_ansi(render_chart(self.data.series[sensor], width, height)))

    def on_resize(self) -> None:
        if self.chart_sensor is not None:
            self.call_after_refresh(self.show_chart, self.chart_sensor)

    def action_pick_run(self) -> None:
        """Open the list of runs (focus goes there; Enter on a run loads it)."""
        select = self.query_one("#review-run", Select)
        select.focus()
        select.action_show_overlay()

    def action_toggle_alarms(self) -> None:
        """Show the run's alarm KPIs in place of the chart, or the chart again."""
        self.toggle_class("alarms")

    def action_close(self) -> None:
        self.workers.cancel_group(self, "review-load")
        self.dismiss()

