"""One sensor's panel: value, sparkline, status word, alarm, statistics, age.

All the work happens in ``render()``, reading the sensor's current view (one
immutable ``SensorView`` the engine publishes, never its live fields); the
frame clock calls ``frame()`` only for panels on screen, and ``frame()`` asks
for a repaint only if what the panel would show has changed (history version,
status word, age text), and then only of the lines that changed (``LineCache``:
the title, status and age lines mostly stay). A reading never repaints anything
by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from sensortop.model.readings import AlarmState
from sensortop.tui.alarm_words import other_alarm
from sensortop.tui.formatting import fit_text, format_age, format_value, stats_line
from sensortop.tui.sparkline import sparkline_view
from sensortop.tui.widgets.line_cache import LineCache

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sensortop.sampling.state import SensorState
    from sensortop.sampling.view import SensorView

STATUS_STYLE = {
    "ok": "bold $success",
    "alarm": "bold $error",
    "timeout": "bold $warning",
    "error": "bold $error",
    "stale": "bold $warning",
    "paused": "bold $secondary",
    "waiting": "$text-muted",
}
STATUS_MARK = {"ok": "●", "alarm": "▲", "timeout": "◌", "error": "✖", "stale": "◔",
               "paused": "‖", "waiting": "…"}
ALARM_STYLE = {AlarmState.HI: "bold $warning", AlarmState.LO: "bold $warning",
               AlarmState.HIHI: "bold reverse $error", AlarmState.LOLO: "bold reverse $error"}
ALARM_VALUE_STYLE = "bold $error"  # the value itself is red while its alarm is on
AXIS = "│"  # between the scale's values and the bars
MARK_CHAR = {"setpoint": "─", "lo": "━", "hi": "━", "lolo": "━", "hihi": "━"}
"""Beside the row a setpoint or limit falls in (in place of the axis)."""
MARK_STYLE = {"setpoint": "$primary", "lo": "$primary on $warning 25%",
              "hi": "$primary on $warning 25%", "lolo": "$primary on $error 30%",
              "hihi": "$primary on $error 30%"}
"""A limit's row is tinted across the panel (orange lo/hi, red lolo/hihi, as in the
detail chart), so a value near it shows at a glance."""
GAP_STYLE = "bold $error"  # a failed read, distinct from the bars
FOCUS_MARK = "▶ "  # before the focused panel's title (its border keeps the status colour)
SPARK_ROWS = 2  # at the least; a taller panel gives the sparkline every extra row
PANEL_HEIGHT = 3 + SPARK_ROWS + 2  # border + value + spark rows + stats + status


class SensorPanel(Widget, can_focus=True):
    """A compact live view of one sensor."""

    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("up", "move(0, -1)", "Up", show=False),
        Binding("down", "move(0, 1)", "Down", show=False),
        Binding("left", "move(-1, 0)", "Left", show=False),
        Binding("right", "move(1, 0)", "Right", show=False),
    ]

    def __init__(self, state: SensorState) -> None:
        self._lines = LineCache()  # before Widget's init, which may refresh
        self._outer = Size(0, 0)  # the outer size the lines were made for
        super().__init__(id=f"panel-{state.spec.id}", classes="-waiting")
        self.state = state
        self.set_reactive(SensorPanel.auto_links, False)  # no links here: skip their styling
        self.border_title = state.spec.name
        self._limits = state.spec.limits.to_dict()  # a sensor's spec never changes
        self._key: tuple[object, ...] | None = None
        self._status = "waiting"
        self.repaints = 0  # how often the frame clock asked for a repaint (tests, bench)
        self.history_loading = False
        """History is being read from the logs (README "History from the logs")."""

    @property
    def sensor_id(self) -> str:
        return self.state.spec.id

    def _now(self) -> float:
        return self.app.clock()  # type: ignore[attr-defined]

    def frame(self, now: float) -> bool:
        """Called by the frame clock while on screen; repaint only on a visible change."""
        view = self.state.view
        status = view.status_word(now)
        last_good = view.last_good_ts
        age = format_age(None if last_good is None else now - last_good)
        key = (view.version, status, age, view.alarm, view.acknowledged, view.alarm_summary,
               self.history_loading)
        if key == self._key:
            return False
        self._key = key
        if status != self._status:
            self.remove_class(f"-{self._status}")
            self.add_class(f"-{status}")
            self._status = status
        # An alarm outlasts a timeout or a stale spell: its red border stays until it clears.
        self.set_class(view.alarm is not AlarmState.NORMAL or view.alarm_summary.announced,
                       "-in-alarm")
        self.repaints += 1
        size = self.size
        self._outer = self.outer_size
        changed = self._lines.update(self._content_lines(now, size), size)
        if changed is None:
            super().refresh()
        elif changed:
            width = size.width
            super().refresh(*(Region(0, start, width, stop - start)
                              for start, stop in _runs(changed)))
        return True

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> SensorPanel:
        """A whole repaint Textual asks for (resize, style): lines made afresh."""
        if repaint and not regions:
            self._lines.stale = True
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_line(self, y: int) -> Strip:
        """Line ``y`` from the line cache; the lines are made by ``frame()``, or here
        after a repaint of the whole panel or a resize."""
        if self.text_selection is not None:  # a selection is drawn by Textual's own way
            return super().render_line(y)
        if self._lines.stale or self.outer_size != self._outer:  # (cheaper than .size)
            self._outer = self.outer_size
            self._lines.update(self._content_lines(self._now(), self.size), self.size)
        return self._lines.strip(self, y, self.visual_style)

    def render(self) -> Content:
        """The whole panel as one text (Textual's own rendering, and tests)."""
        lines = self._content_lines(self._now(), self.size)
        parts: list[Content | str] = []
        for line in lines:
            parts += [line, "\n"]
        return Content.assemble(*parts[:-1])

    def _content_lines(self, now: float, size: Size) -> list[Content]:
        """What the panel shows at ``now``, one Content per line of its content area
        (``size``: looking it up costs a search of the screen's map each time)."""
        view = self.state.view  # one moment: everything below comes from it
        spec = view.spec
        width = max(size.width, 8)
        reading = view.last_reading
        status = view.status_word(now)
        value = reading.value if reading is not None else None
        if value is None:
            last = view.tail(1)
            value = float(last[0]) if last.size else None
        alarm = view.alarm
        other = other_alarm(view) if alarm is AlarmState.NORMAL else None
        if other is not None:  # a rate, deviation, stale, flatline or bad quality alarm
            alarm_part: tuple[str, str] = other
            value_style = ALARM_VALUE_STYLE
        elif alarm is AlarmState.NORMAL:
            alarm_part = ("", "")
            value_style = "bold"
        else:
            word = f"{alarm.value.upper()} alarm"
            if not view.acknowledged:
                word += "!"
            alarm_part = (word, ALARM_STYLE[alarm])
            value_style = ALARM_VALUE_STYLE
        units = f" {spec.units}" if spec.units else ""
        room = width - len(alarm_part[0]) - (1 if alarm_part[0] else 0)
        number = format_value(value, max(1, room - len(units)))
        value_text = fit_text(number + units, max(1, room))
        gap = max(1, width - cell_len(value_text) - len(alarm_part[0]))
        parts: list[str | Content | tuple[str, str]] = [
            (value_text, value_style), " " * gap, alarm_part, "\n",
        ]
        spark_rows = max(SPARK_ROWS, size.height - 3)
        parts += self._sparkline(view, width, spark_rows)
        stats = view.running_stats
        last_good = view.last_good_ts
        age = format_age(None if last_good is None else now - last_good)
        word = f"{STATUS_MARK[status]} {status.upper()}"
        tail = f"last good {age} ago" if last_good is not None else "no good reading yet"
        if self.history_loading:
            tail = "loading history…"
        if reading is not None and reading.error and status in ("error", "timeout"):
            tail = reading.error  # the whole text is on the detail screen
        parts += [(stats_line(stats.minimum, stats.maximum, stats.mean, width), "$text-muted"),
                  "\n", (word, STATUS_STYLE[status]), " ",
                  (fit_text(tail, width - len(word) - 1), "$text-muted")]
        lines: list[Content] = []
        line: list[str | Content | tuple[str, str]] = []
        for part in parts:
            if isinstance(part, str) and part == "\n":
                lines.append(Content.assemble(*line))
                line = []
            else:
                line.append(part)
        lines.append(Content.assemble(*line))
        return lines

    def _sparkline(self, view: SensorView, width: int,
                   rows: int) -> list[str | Content | tuple[str, str]]:
        """The sparkline rows with the scale beside them: top and bottom values in a
        gutter, a mark where the setpoint or a limit falls, failed reads in their colour.

        Each row is one string in one style (a limit's row tinted): every extra span
        costs Textual a segment per line, which at 500 panels shows as UI lag. Only
        failed-read marks get spans of their own.
        """
        spec = view.spec
        gutter = 0 if width < 18 else (6 if width >= 40 else 5)
        lead = gutter + 1 if gutter else 0
        spark = sparkline_view(view.tail(width - lead), width - lead, rows,
                               setpoint=spec.setpoint, limits=self._limits)
        parts: list[str | Content | tuple[str, str]] = []
        last = len(spark.rows) - 1
        for index, row in enumerate(spark.rows):
            mark = spark.marks.get(index)
            if gutter:
                label = ""
                if spark.low is not None and spark.high is not None and index in (0, last):
                    label = format_value(spark.high if index == 0 else spark.low, gutter)
                row = label.rjust(gutter) + (AXIS if mark is None else MARK_CHAR[mark]) + row
            style = MARK_STYLE[mark] if mark is not None else "$primary"
            if index == last and spark.gaps.size:
                spans = [Span(0, len(row), style)]
                spans += [Span(lead + start, lead + stop, GAP_STYLE)
                          for start, stop in _runs(spark.gaps.tolist())]
                parts += [Content(row, spans=spans)]
            else:
                parts += [(row, style)]
            parts.append("\n")
        return parts

    def on_focus(self) -> None:
        self.border_title = FOCUS_MARK + self.state.spec.name

    def on_blur(self) -> None:
        self.border_title = self.state.spec.name

    def action_move(self, dx: int, dy: int) -> None:
        grid = self.parent
        if grid is not None and hasattr(grid, "move_focus"):
            grid.move_focus(self, dx, dy)


def _runs(columns: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted indices as (start, stop) runs: one span per run of failed reads, one
    repainted region per run of changed lines."""
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and runs[-1][1] == column:
            runs[-1] = (runs[-1][0], column + 1)
        else:
            runs.append((column, column + 1))
    return runs
