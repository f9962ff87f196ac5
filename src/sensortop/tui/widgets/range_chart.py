"""A sensor's review chart with a time cursor, and a range picked on it to zoom into.

The chart is plotext text (``review.plots``) drawn over an explicit time window,
edge to edge of its frame, so every column of the plot area stands for a known
stretch of time: a click or a drag maps to times without asking plotext. The
text is drawn once per (data, window, size), in a thread (plotext takes a
quarter of a second for a large chart, whatever the data: the event loop must
not wait), and cached; until it is ready the last one stays on screen. The
cursor and the range being picked are painted over it, so moving them redraws
nothing expensive.

The window history is a stack: each zoom pushes, ``zoom_out`` pops. Without a
zoom the window is the whole series, and grows with it when the log is followed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from sensortop.review.logdata import SensorSeries
from sensortop.review.plots import render_chart

Span = tuple[float, float]


@dataclass(slots=True, frozen=True)
class Frame:
    """Where plotext put the plot area: its first and last column, and its rows."""

    left: int
    right: int
    top: int
    bottom: int

    def time_at(self, column: int, window: Span) -> float:
        share = (min(max(column, self.left), self.right) - self.left) / max(
            self.right - self.left, 1)
        return window[0] + share * (window[1] - window[0])

    def column_of(self, moment: float, window: Span) -> int:
        width = window[1] - window[0]
        share = (moment - window[0]) / width if width > 0 else 0.0
        return self.left + round(min(max(share, 0.0), 1.0) * (self.right - self.left))


def find_frame(text: str) -> Frame | None:
    """The plot area inside plotext's box (``┌...┐`` over ``└...┘``), or None if none."""
    lines = text.splitlines()
    top = next((i for i, line in enumerate(lines) if "┌" in line and "┐" in line), None)
    bottom = next((i for i, line in enumerate(lines) if "└" in line and "┘" in line), None)
    if top is None or bottom is None or bottom - top < 2:
        return None
    line = lines[top]
    left, right = line.index("┌") + 1, line.rindex("┐") - 1
    return Frame(left, right, top + 1, bottom - 1) if right > left else None


class RangeChart(Widget, can_focus=True):
    """The chart of one sensor over a time window, with a cursor and a range to zoom into."""

    BINDINGS = [  # noqa: RUF012
        Binding("left", "move(-1)", "Cursor", show=False),
        Binding("right", "move(1)", "Cursor", show=False),
        Binding("shift+left", "extend(-1)", "Select", show=False),
        Binding("shift+right", "extend(1)", "Select", show=False),
        Binding("home", "edge(0)", show=False),
        Binding("end", "edge(1)", show=False),
        Binding("enter", "zoom", "Zoom"),
    ]
    DEFAULT_CSS = """
    RangeChart { height: 1fr; min-height: 8; }
    RangeChart:focus { background-tint: $foreground 4%; }
    """

    class Pointed(Message):
        """The cursor was put at ``moment`` (by a key or a click)."""

        def __init__(self, moment: float) -> None:
            super().__init__()
            self.moment = moment

    class Zoomed(Message):
        """The window changed: ``window`` is the span shown, ``zoomed`` whether it is a zoom."""

        def __init__(self, window: Span | None, zoomed: bool) -> None:
            super().__init__()
            self.window = window
            self.zoomed = zoomed

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: SensorSeries | None = None
        self.stack: list[Span] = []
        self.cursor: float | None = None
        self.pick_from: float | None = None  # where the range being picked starts
        self._dragging = False
        # (what was drawn, its text, its frame, the window it shows)
        self._cache: tuple[tuple, Text, Frame | None, Span | None] | None = None
        self._pending: tuple | None = None  # what a thread is drawing now
        self.placeholder = "select a sensor to see its chart"

    # -- what is shown ---------------------------------------------------------------

    @property
    def zoomed(self) -> bool:
        return bool(self.stack)

    @property
    def window(self) -> Span | None:
        """The span shown: the last zoom, or all of the series."""
        if self.stack:
            return self.stack[-1]
        if self.series is None or len(self.series.ts) == 0:
            return None
        return float(self.series.ts[0]), float(self.series.ts[-1])

    def show(self, series: SensorSeries | None, keep_zoom: bool = True) -> None:
        """Chart ``series`` (a newer snapshot of the same sensor keeps the zoom)."""
        if not keep_zoom or series is None or self.series is None \
                or series.sensor != self.series.sensor:
            self.stack.clear()
            self.pick_from = None
        self.series = series
        self.refresh()

    def set_cursor(self, moment: float | None) -> None:
        """Put the cursor at ``moment`` without announcing it (the caller knows)."""
        self.cursor = moment
        self.refresh()

    def zoom_to(self, span: Span) -> None:
        lo, hi = sorted(span)
        if hi > lo:
            self.stack.append((lo, hi))
            self.pick_from = None
            self.refresh()
            self.post_message(self.Zoomed(self.window, True))

    def zoom_out(self) -> bool:
        """Drop the range being picked, else the last zoom; False when there was neither."""
        if self.pick_from is not None:
            self.pick_from = None
            self.refresh()
            return True
        if not self.stack:
            return False
        self.stack.pop()
        self.refresh()
        self.post_message(self.Zoomed(self.window, self.zoomed))
        return True

    # -- drawing -------------------------------------------------------------------------

    def _wanted(self) -> tuple | None:
        """What should be on screen: the data, window and size, or None for no chart."""
        series = self.series
        if series is None:
            return None
        width, height = max(self.size.width, 20), max(self.size.height, 6)
        return (id(series.ts), len(series.ts), series.sensor, self.window, width, height)

    @property
    def is_drawn(self) -> bool:
        """Whether what is on screen is the chart of the current data, window and size."""
        return self._cache is not None and self._cache[0] == self._wanted()

    def _drawn(self) -> tuple[Text, Frame | None, Span | None]:
        """The text on screen, its frame and the window it shows (perhaps the last one,
        while the current one is drawn)."""
        wanted = self._wanted()
        if wanted is None:
            return Text(self.placeholder), None, None
        if (self._cache is None or self._cache[0] != wanted) and self._pending != wanted:
            self._draw(wanted)
        if self._cache is None:
            return Text("drawing ..."), None, None
        _, text, frame, window = self._cache
        return text, frame, window

    def _draw(self, wanted: tuple) -> None:
        series, window = self.series, self.window
        assert series is not None, "a chart is wanted only of a series"
        width, height = wanted[4], wanted[5]
        self._pending = wanted

        def build() -> None:
            text = Text.from_ansi(render_chart(series, width, height, window=window))
            with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
                self.app.call_from_thread(self._ready, wanted, text, find_frame(text.plain),
                                          window)

        # A newer drawing supersedes one not yet started (plotext draws one at a time).
        self.run_worker(build, thread=True, group="chart-draw", exclusive=True,
                        exit_on_error=False)

    def _ready(self, drawn: tuple, text: Text, frame: Frame | None, window: Span | None) -> None:
        if self._pending == drawn:
            self._pending = None
        if self.is_drawn and drawn != self._wanted():
            return  # a slower, older drawing: what is on screen is newer
        self._cache = (drawn, text, frame, window)
        self.refresh()

    def render(self) -> Text:
        text, frame, window = self._drawn()
        if frame is None or window is None or (self.cursor is None and self.pick_from is None):
            return text
        lines = text.split("\n", allow_blank=True)
        marks: list[tuple[int, int, Style]] = []
        if self.pick_from is not None and self.cursor is not None:
            a, b = sorted((frame.column_of(self.pick_from, window),
                           frame.column_of(self.cursor, window)))
            marks.append((a, b + 1, Style(bgcolor="grey30")))
        if self.cursor is not None and window[0] <= self.cursor <= window[1]:
            at = frame.column_of(self.cursor, window)
            marks.append((at, at + 1, Style(reverse=True)))
        for row in range(frame.top, min(frame.bottom + 1, len(lines))):
            line = lines[row]
            if len(line) <= frame.right:
                line.pad_right(frame.right + 1 - len(line))
            for start, end, style in marks:
                line.stylize(style, start, end)
        return Text("\n").join(lines)

    # -- keys ---------------------------------------------------------------------------

    def _step(self) -> float:
        _, frame, window = self._drawn()
        if window is None or frame is None:
            return 0.0
        return (window[1] - window[0]) / max(frame.right - frame.left, 1)

    def _put(self, moment: float) -> None:
        window = self.window
        if window is not None:
            moment = min(max(moment, window[0]), window[1])
        self.cursor = moment
        self.refresh()
        self.post_message(self.Pointed(moment))

    def action_move(self, columns: int) -> None:
        window = self.window
        if window is None:
            return
        self.pick_from = None
        start = self.cursor if self.cursor is not None else window[0]
        self._put(start + columns * self._step())

    def action_extend(self, columns: int) -> None:
        window = self.window
        if window is None:
            return
        if self.pick_from is None:
            self.pick_from = self.cursor if self.cursor is not None else window[0]
        start = self.cursor if self.cursor is not None else window[0]
        self._put(start + columns * self._step())

    def action_edge(self, end: int) -> None:
        window = self.window
        if window is not None:
            self.pick_from = None
            self._put(window[end])

    def action_zoom(self) -> None:
        """Zoom to the range picked; with none, to half the window around the cursor."""
        window = self.window
        if window is None:
            return
        if self.pick_from is not None and self.cursor is not None and self.pick_from != self.cursor:
            self.zoom_to((self.pick_from, self.cursor))
            return
        middle = self.cursor if self.cursor is not None else sum(window) / 2
        quarter = (window[1] - window[0]) / 4
        self.zoom_to((max(window[0], middle - quarter), min(window[1], middle + quarter)))

    # -- mouse ---------------------------------------------------------------------------

    def _moment_at(self, x: int) -> float | None:
        _, frame, window = self._drawn()  # the window on screen, where the mouse is
        return None if frame is None or window is None else frame.time_at(x, window)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        moment = self._moment_at(event.x)
        if moment is None or event.button != 1:
            return
        self.pick_from = self.cursor = moment
        self._dragging = True
        self.capture_mouse()
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            moment = self._moment_at(event.x)
            if moment is not None:
                self.cursor = moment
                self.refresh()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if not self._dragging:
            return
        self._dragging = False
        self.capture_mouse(False)
        _, frame, window = self._drawn()
        if frame is None or window is None or self.pick_from is None or self.cursor is None:
            return
        wide = abs(frame.column_of(self.pick_from, window) - frame.column_of(self.cursor, window))
        if wide >= 2:  # a drag: zoom to it; a click (or a twitch) only moves the cursor
            self.zoom_to((self.pick_from, self.cursor))
        else:
            self.pick_from = None
            self.refresh()
        if self.cursor is not None:
            self.post_message(self.Pointed(self.cursor))
