"""The bottom status line: log file, readings per second, recorder backlog, and the
recorder's error - else the first other output's (an alarm action failing, a broker away)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from textual.content import Content
from textual.widget import Widget

from sensortop.model.words import count_of
from sensortop.sampling.view import SensorView
from sensortop.sinks.base import Sink
from sensortop.tui.alarm_rows import Counts, counts
from sensortop.tui.formatting import fit_text, format_rate

NO_ALARMS = Counts((0, 0, 0, 0), 0, 0)
FLOOD_NOTICE = "ALARM FLOOD: more than 10 alarms in 10 minutes; press ! for the list"
PRIORITY_WORDS = ("low", "med", "high", "crit")

RATE_WINDOW = 10.0
"""Readings/s is counted over the last 10 s: steady for a steady rate (a 1 s count of
a 4.6/s stream jumps between 3 and 6), yet it follows a change within seconds."""
SEP = "  │  "
SEP_NARROW = " │ "


class LogStatus(Protocol):
    """What the line reads of the log: the ``Recorder``, or a viewer's followed log."""

    @property
    def path(self) -> PurePath | None: ...
    @property
    def backlog(self) -> int: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class StatusFields:
    """What the status line says; how much of it shows depends on the width."""

    path: str | None
    rate: float
    backlog: int
    error: str | None
    sensors: int
    error_label: str = "RECORDER ERROR"
    note: str = ""  # what background compaction archived and removed
    alarms: Counts = NO_ALARMS
    flood: bool = False


Field = list[tuple[str, str]]
MIN_ERROR = 24  # cells an error gets at the least before other fields give way


def status_text(fields: StatusFields, width: int) -> list[tuple[str, str]]:
    """The fields that fit ``width``, as (text, style) pieces.

    The sensor count and any recorder error always show (the error first, cut
    with ``…`` if it must be); then, while they fit, readings/s, the backlog and
    the log file - its whole path, else its name, else nothing (``?`` shows it).
    """
    count: Field = [*alarm_field(fields.alarms, fields.flood),
                    (count_of(fields.sensors, "sensor"), "")]
    rate: Field = [(f"{format_rate(fields.rate)} readings/s", "")]
    short_rate: Field = [(f"{format_rate(fields.rate)}/s", "")]
    backlog: Field = [(f"backlog {fields.backlog:,}", "")]
    path = fields.path or "(not recording)"
    log: Field = [("log ", "$text-muted"), (path, "bold")]
    log_name: Field = [("log ", "$text-muted"), (PurePath(path).name, "bold")]
    note: list[Field] = [[(fields.note, "$text-muted")]] if fields.note else []
    choices: list[list[Field]] = [
        [log, rate, backlog, count, *note],
        [log_name, rate, backlog, count, *note],
        [log, rate, backlog, count],
        [log_name, rate, backlog, count],
        [rate, backlog, count],
        [short_rate, backlog, count],
        [short_rate, count],
        [count],
    ]
    error = f"{fields.error_label}: {fields.error}" if fields.error else ""
    for choice in choices:
        for sep in (SEP, SEP_NARROW):
            pieces = _joined(choice, sep)
            used = sum(len(text) for text, _ in pieces)
            if not error and used <= width:
                return pieces
            room = width - used - len(sep)
            if error and room >= min(len(error), MIN_ERROR):
                return [(fit_text(error, room), "bold $error"), (sep, "$text-muted"), *pieces]
    # Only the count and the start of an error fit; or not even that, and the error wins.
    room = width - sum(len(text) for text, _ in count) - len(SEP_NARROW)
    if error and room >= len(fields.error_label.split()[0]) + 1:
        return [(fit_text(error, room), "bold $error"), (SEP_NARROW, "$text-muted"), *count]
    if not error and sum(len(text) for text, _ in count) <= width:
        return count
    return [(fit_text(error or "".join(t for t, _ in count), width),
             "bold $error" if error else "")]


def alarm_field(alarms: Counts, flood: bool) -> Field:
    """``FLOOD alarms crit 1 high 2, 3 unack`` before the sensor count; nothing when quiet."""
    words: Field = []
    for word, n, style in reversed(list(zip(  # the highest priority first
            PRIORITY_WORDS, alarms.by_priority,
            ("$text", "bold $warning", "bold $error", "bold reverse $error"), strict=True))):
        if n:
            words += [(" ", ""), (f"{word} {n}", style)]
    if alarms.unacknowledged:
        words += [("," if words else "", ""), (" ", ""),
                  (f"{alarms.unacknowledged} unack", "bold $error")]
    out: Field = [("FLOOD", "bold reverse $error")] if flood else []
    if words:
        out += [(" " if flood else "", ""), ("alarms", "$text-muted"), *words]
    if out:
        out.append((SEP_NARROW, "$text-muted"))
    return [piece for piece in out if piece[0]]


def _joined(choice: list[Field], sep: str) -> Field:
    out: Field = []
    for field in choice:
        if out:
            out.append((sep, "$text-muted"))
        out += field
    return out


class StatusLine(Widget):
    """Updated on the frame clock; repainted only when what it says changes.

    A plain Widget with a fixed size, not a Static: ``Static.update`` asks for a
    new layout of the whole screen, which with hundreds of panels costs more
    than everything else in a frame. What fits is decided in ``render`` from the
    width, so a resize re-lays it out.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fields: StatusFields | None = None
        self._marks: deque[tuple[float, int]] = deque()
        self.rate = 0.0

    def measure_rate(self, now: float, total: int) -> float:
        """Readings per second over the last ``RATE_WINDOW`` s (or as long as there
        has been, from 1 s on): ``total`` is the running count of readings."""
        marks = self._marks
        marks.append((now, total))
        while len(marks) > 2 and now - marks[1][0] >= RATE_WINDOW:
            marks.popleft()
        then, count = marks[0]
        if now - then >= 1.0:
            self.rate = (total - count) / (now - then)
        return self.rate

    @property
    def flood(self) -> bool:
        return self._fields is not None and self._fields.flood

    def show(self, recorder: LogStatus, rate: float, sensors: int,
             outputs: Sequence[Sink] = (), note: str = "", views: Iterable[SensorView] = (),
             flood: bool = False) -> bool:
        """Show these; True when an alarm flood has just started (the app announces it).

        ``outputs``: the run's other sinks; the first one's error shows if the recorder
        has none. ``note``: what background compaction archived and removed."""
        path = str(recorder.path) if recorder.path is not None else None
        shown_rate = round(rate, 1) if rate < 10 else round(rate)
        error, label = recorder.error, "RECORDER ERROR"
        failing = next((s for s in outputs if s.error), None) if error is None else None
        if failing is not None:
            error, label = failing.error, f"{failing.kind.upper()} ERROR"
        fields = StatusFields(path, shown_rate, recorder.backlog, error, sensors, label, note,
                              counts(views), flood)
        started = flood and not self.flood
        if fields != self._fields:
            self._fields = fields
            self.refresh()
        return started

    @property
    def text(self) -> str:
        """The plain text shown at the current width (tests)."""
        return self.render().plain

    def render(self) -> Content:
        if self._fields is None:
            return Content("")
        width = max(1, self.content_region.width)
        return Content.assemble(*status_text(self._fields, width))
