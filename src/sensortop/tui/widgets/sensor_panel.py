"""One sensor's panel: value, sparkline, status word, alarm, statistics, age.

All the work happens in ``render()``, reading the history buffer directly;
the frame clock calls ``frame()`` only for panels on screen, and ``frame()``
asks for a repaint only if what the panel would show has changed (history
version, status word, age text). A reading never repaints anything by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget

from sensortop.readings import AlarmState
from sensortop.tui.formatting import format_age, format_value
from sensortop.tui.sparkline import sparkline_rows

if TYPE_CHECKING:
    from sensortop.engine import SensorState

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
        super().__init__(id=f"panel-{state.spec.id}", classes="-waiting")
        self.state = state
        self.border_title = state.spec.name
        self._key: tuple[object, ...] | None = None
        self._status = "waiting"
        self.repaints = 0  # how often the frame clock asked for a repaint (tests, bench)

    @property
    def sensor_id(self) -> str:
        return self.state.spec.id

    def _now(self) -> float:
        return self.app.clock()  # type: ignore[attr-defined]

    def frame(self, now: float) -> bool:
        """Called by the frame clock while on screen; repaint only on a visible change."""
        state = self.state
        status = state.status_word(now)
        last_good = state.history.last_good_ts
        age = format_age(None if last_good is None else now - last_good)
        key = (state.history.version, status, age, state.alarms.state, state.alarms.acknowledged)
        if key == self._key:
            return False
        self._key = key
        if status != self._status:
            self.remove_class(f"-{self._status}")
            self.add_class(f"-{status}")
            self._status = status
        self.repaints += 1
        self.refresh()
        return True

    def render(self) -> Content:
        state = self.state
        spec = state.spec
        now = self._now()
        width = max(self.content_region.width, 8)
        reading = state.last_reading
        status = state.status_word(now)
        value = reading.value if reading is not None else None
        if value is None:
            last = state.history.tail(1)
            value = float(last[0]) if last.size else None
        value_text = f"{format_value(value)} {spec.units}".rstrip()
        alarm = state.alarms.state
        if alarm is AlarmState.NORMAL:
            alarm_part: tuple[str, str] = ("", "")
        else:
            word = f"{alarm.value.upper()} alarm"
            if not state.alarms.acknowledged:
                word += "!"
            alarm_part = (word, ALARM_STYLE[alarm])
        gap = max(1, width - len(value_text) - len(alarm_part[0]))
        spark_rows = max(SPARK_ROWS, self.content_region.height - 3)
        rows = sparkline_rows(state.history.tail(width), width, spark_rows)
        stats = state.history.running_stats()
        stats_text = (f"min {format_value(stats.minimum)}  max {format_value(stats.maximum)}  "
                      f"mean {format_value(stats.mean)}")
        last_good = state.history.last_good_ts
        age = format_age(None if last_good is None else now - last_good)
        word = f"{STATUS_MARK[status]} {status.upper()}"
        tail = f"last good {age} ago" if last_good is not None else "no good reading yet"
        if reading is not None and reading.error and status in ("error", "timeout"):
            tail = reading.error
        tail = tail[: max(0, width - len(word) - 1)]
        parts: list[str | tuple[str, str]] = [
            (value_text, "bold"), " " * gap, alarm_part, "\n",
        ]
        for row in rows:
            parts += [(row, "$primary"), "\n"]
        parts += [(stats_text[:width], "$text-muted"), "\n",
                  (word, STATUS_STYLE[status]), " ", (tail, "$text-muted")]
        return Content.assemble(*parts)

    def action_move(self, dx: int, dy: int) -> None:
        grid = self.parent
        if grid is not None and hasattr(grid, "move_focus"):
            grid.move_focus(self, dx, dy)
