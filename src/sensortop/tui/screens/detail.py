"""``enter``: one sensor in depth - a large chart, statistics, alarm limits.

The chart is redrawn once a second while this screen is shown, and only when
the history changed or the size did; the grid underneath skips its frames.
``-``/``+`` look back further or nearer (``lookback``): what memory does not
hold is read from the logs by a thread worker, the chart meanwhile showing
what memory has.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from sensortop.model.readings import AlarmState
from sensortop.sampling.history import Stats, values_stats
from sensortop.tui.chart import build_chart
from sensortop.tui.formatting import format_age, format_value
from sensortop.tui.lookback import SPAN_WORDS, Logged, read_logged, step_span, window_points
from sensortop.tui.widgets.sensor_panel import ALARM_STYLE, STATUS_MARK, STATUS_STYLE

if TYPE_CHECKING:
    from sensortop.sampling.state import SensorState

CHART_PERIOD = 1.0


def alarm_words(alarm: AlarmState, acknowledged: bool, has_limits: bool) -> str:
    """The alarm in plain words: "HI alarm, not acknowledged", "no alarm"."""
    if alarm is AlarmState.NORMAL:
        return "no alarm" if has_limits else "no alarm limits"
    return f"{alarm.value.upper()} alarm, {'acknowledged' if acknowledged else 'not acknowledged'}"


def _stats_lines(title: str, stats: Stats) -> list[str | tuple[str, str]]:
    return [(f"{title}\n", "bold $accent"),
            f"  count {stats.count:,}\n",
            f"  min   {format_value(stats.minimum)}\n",
            f"  max   {format_value(stats.maximum)}\n",
            f"  mean  {format_value(stats.mean)}\n",
            f"  std   {format_value(stats.std)}\n\n"]


class DetailScreen(Screen[None]):
    """Chart and numbers for one sensor; escape goes back to the grid."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", "Back"),
        Binding("minus", "look(1)", "Further", key_display="-"),
        Binding("plus,equals_sign", "look(0)", "Nearer", key_display="+"),
    ]
    DEFAULT_CSS = """
    DetailScreen #detail-side { scrollbar-size-vertical: 1; }
    """

    def __init__(self, state: SensorState, log_dir: Path | None = None) -> None:
        super().__init__()
        self.state = state
        self.log_dir = log_dir
        self.span: float | None = None
        """The look-back window in seconds; None: what memory holds."""
        self.logged: Logged | None = None
        self._window_stats: Stats | None = None
        self._drawn: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        spec = self.state.spec
        yield Static(Content.assemble((spec.name, "bold"), f"  ({spec.id}, {spec.kind})"),
                     id="detail-title")
        with Horizontal(id="detail-body"):
            yield Static("", id="detail-chart")
            with VerticalScroll(id="detail-side"):  # scrolls when the terminal is short
                yield Static("", id="detail-stats")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(CHART_PERIOD, self.redraw)

    def on_resize(self) -> None:
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        chart = self.query_one("#detail-chart", Static)
        size = chart.content_region.size
        view = self.state.view
        key = (view.version, size.width, size.height, self.span, id(self.logged))
        if key != self._drawn and size.width > 0:
            self._drawn = key
            timestamps, values = view.snapshot()
            if self.span is None:
                self._window_stats = None
                chart.update(build_chart(view.spec, timestamps, values,
                                         size.width, size.height))
            else:
                end = self.app.clock()  # type: ignore[attr-defined]
                start = end - self.span
                window = window_points((timestamps, values), self.logged, start, end,
                                       max(size.width - 8, 10))
                self._window_stats = values_stats(window.raw_values)
                gap = max(window.gap_interval or 0.0, view.spec.interval)
                spans = [(e.start, e.end if e.end is not None else end)
                         for e in (self.logged.episodes if self.logged else [])]
                chart.update(build_chart(view.spec, window.ts, window.values, size.width,
                                         size.height, window=(start, end),
                                         gap_interval=gap, episodes=spans))
        self.query_one("#detail-stats", Static).update(self.stats_text())

    def action_look(self, further: int) -> None:
        """``-`` looks back further, ``+`` nearer (README "Look-back")."""
        times = self.state.view.snapshot()[0]
        memory = float(times[-1] - times[0]) if times.size > 1 else 0.0
        span = step_span(self.span, memory, bool(further))
        if span != self.span:
            self.span, self.logged = span, None
            if self.log_dir is not None:
                self._read_logs(span, float(times[0]) if times.size else None)
            self.redraw()

    @work(thread=True, group="lookback", exclusive=True, exit_on_error=False)
    def _read_logs(self, span: float, before: float | None) -> None:
        assert self.log_dir is not None
        end = time.time()
        logged = read_logged(self.log_dir, self.state.id, span, end - span, end, before)
        self.app.call_from_thread(self._logs_read, logged)

    def _logs_read(self, logged: Logged) -> None:
        if logged.span == self.span:
            self.logged = logged
            self.redraw()

    def stats_text(self) -> Content:
        view = self.state.view  # one moment: everything below comes from it
        spec = view.spec
        now = self.app.clock()  # type: ignore[attr-defined]
        status = view.status_word(now)
        reading = view.last_reading
        value = format_value(reading.value if reading else None)
        last_good = view.last_good_ts
        limits = spec.limits
        alarm, acknowledged = view.alarm, view.acknowledged
        age = format_age(None if last_good is None else now - last_good)
        parts: list[str | tuple[str, str]] = [
            (f"{value} {spec.units}".rstrip() + "\n", "bold"),
            (f"{STATUS_MARK[status]} {status.upper()}\n", STATUS_STYLE[status]),
            (alarm_words(alarm, acknowledged, view.alarms_active) + "\n",
             ALARM_STYLE.get(alarm, "$text-muted")),
            "no good reading yet\n" if last_good is None else f"last good {age} ago\n",
        ]
        if reading is not None and reading.error:
            parts.append((f"{reading.error}\n", "$error"))  # whole, wrapped to the side
        parts += self._lookback_lines()
        parts += ["\n", *_stats_lines("In view", self._window_stats or view.window_stats()),
                  *_stats_lines("Since start", view.running_stats),
                  ("Alarm limits\n", "bold $accent")]
        for key in ("hihi", "hi", "lo", "lolo"):
            limit = getattr(limits, key)
            parts.append(f"  {key:<5} {format_value(limit) if limit is not None else '-'}\n")
        parts += [f"  deadband {format_value(limits.deadband)}\n",
                  f"  setpoint {format_value(spec.setpoint)}\n\n",
                  ("Sampling\n", "bold $accent"),
                  f"  every {spec.interval:g} s, timeout {spec.timeout:g} s\n",
                  f"  readings {view.readings:,}, failures {view.failures:,}\n",
                  f"  skipped slots {view.skipped_slots:,}\n"]
        return Content.assemble(*parts)

    def _lookback_lines(self) -> list[str | tuple[str, str]]:
        """The window shown, whether the logs are still being read, its alarm episodes."""
        if self.span is None:
            return ["\n", ("in memory", "$text-muted"), "  - further\n"]
        parts: list[str | tuple[str, str]] = [
            "\n", (f"last {SPAN_WORDS[self.span]}", "bold"), "  - further  + nearer\n"]
        if self.logged is None and self.log_dir is not None:
            parts.append(("reading the logs…\n", "$warning"))
        for episode in (self.logged.episodes if self.logged else [])[-5:]:
            begin = time.strftime("%m-%d %H:%M:%S", time.localtime(episode.start))
            until = time.strftime("%H:%M:%S", time.localtime(episode.end)) \
                if episode.end is not None else "now"
            parts.append((f"{episode.alarm.upper()} {begin}–{until}\n", "$error"))
        return parts

    def action_close(self) -> None:
        self.dismiss(None)
