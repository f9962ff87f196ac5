"""The bottom status line: log file, readings per second, recorder backlog and error."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from sensortop.recorder import Recorder
from sensortop.tui.formatting import count_of


class StatusLine(Widget):
    """Updated on the frame clock; repainted only when its text changes.

    A plain Widget with a fixed size, not a Static: ``Static.update`` asks for a
    new layout of the whole screen, which with hundreds of panels costs more
    than everything else in a frame.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._content = Content("")
        self._last: tuple[object, ...] = ()
        self._rate_mark: tuple[float, int] | None = None
        self.rate = 0.0

    def measure_rate(self, now: float, total: int) -> float:
        """Readings per second over the last second or more."""
        if self._rate_mark is None:
            self._rate_mark = (now, total)
        else:
            then, count = self._rate_mark
            if now - then >= 1.0:
                self.rate = (total - count) / (now - then)
                self._rate_mark = (now, total)
        return self.rate

    def show(self, recorder: Recorder, rate: float, sensors: int) -> None:
        path = str(recorder.path) if recorder.path is not None else "(not recording)"
        key = (path, round(rate), recorder.backlog, recorder.error, sensors)
        if key == self._last:
            return
        self._last = key
        parts: list[str | tuple[str, str]] = []
        if recorder.error:  # first: on a narrow screen the end of the line is cut off
            parts += [(f"RECORDER ERROR: {recorder.error}", "bold $error"),
                      ("  │  ", "$text-muted")]
        parts += [
            ("log ", "$text-muted"), (path, "bold"),
            ("  │  ", "$text-muted"), f"{rate:,.0f} readings/s",
            ("  │  ", "$text-muted"), f"backlog {recorder.backlog:,}",
            ("  │  ", "$text-muted"), count_of(sensors, "sensor"),
        ]
        self._content = Content.assemble(*parts)
        self.refresh()

    def render(self) -> Content:
        return self._content
