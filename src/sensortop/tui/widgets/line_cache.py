"""A widget's content kept line by line: an unchanged line is neither re-rendered nor
repainted.

Textual repaints a whole widget on ``refresh()``: every line is turned into a strip
again, restyled with the border, and cut into the screen. A sensor panel whose
reading changed usually shows the same title, status and age lines, and between
frames often the same statistics: ``LineCache`` says which lines differ, so the
panel refreshes only those (``refresh(region)``), and keeps each line's strip for
as long as its text, spans, width and style stay the same.

A line that fits and whose styled runs lie side by side (a sparkline row, the
value, the statistics) is most of what changes each frame; Textual's general text
layout (wrap, align, a style resolved per span) cost most of a repaint. Such a
line becomes a segment per run, each in the style Textual itself gave a probe of
that style at that place once: the strip is the same as Textual's own
(tests/test_tui_line_cache.py); any other line is rendered Textual's way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content, Span
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual

if TYPE_CHECKING:
    from textual.style import Style
    from textual.widget import Widget


def same_line(old: Content, new: Content) -> bool:
    """Both the text and its styles: ``Content.__eq__`` compares the text alone."""
    return old.plain == new.plain and old.spans == new.spans


class LineCache:
    """The lines a widget shows (laid out for ``size``) and their rendered strips."""

    def __init__(self) -> None:
        self.lines: list[Content] = []
        self.size = Size(0, 0)
        self.stale = True
        """Set by a repaint nobody asked for line by line (a resize, a new style, a
        class change): the lines are made again from what they show before drawing."""
        self._strips: list[Strip | None] = []
        self._style: Style | None = None
        self._probes: dict[tuple[str, int, int], RichStyle | None] = {}

    def update(self, lines: list[Content], size: Size) -> list[int] | None:
        """Take new lines; returns the rows that changed, or None when the shape did
        (another size or line count) and everything must be repainted."""
        self.stale = False
        if size != self.size or len(lines) != len(self.lines):
            self.lines, self.size = lines, size
            self._strips = [None] * len(lines)
            return None
        changed = [y for y, (old, new) in enumerate(zip(self.lines, lines, strict=True))
                   if not same_line(old, new)]
        for y in changed:
            self._strips[y] = None
        self.lines = lines
        return changed

    def strip(self, widget: Widget, y: int, style: Style) -> Strip:
        """Line ``y`` as Textual's own content rendering would draw it, made once."""
        if style is not self._style:
            self._style = style
            self._strips = [None] * len(self.lines)
            self._probes.clear()
        width = self.size.width
        if not 0 <= y < len(self.lines):
            return Strip.blank(width, style.rich_style)
        strip = self._strips[y]
        if strip is None:
            line = self.lines[y]
            strip = self._plain_runs(widget, line, y, style)
            if strip is None:
                strips = Visual.to_strips(widget, line, width, 1, style)
                strip = strips[0] if strips else Strip.blank(width, style.rich_style)
                if y:  # where a selection would start: as in the whole text's rendering
                    strip = strip.apply_offsets(0, y)
            self._strips[y] = strip
        return strip

    def _plain_runs(self, widget: Widget, line: Content, y: int,
                    style: Style) -> Strip | None:
        """A line that fits, its spans side by side in named styles: a segment per run,
        in the style Textual gave a probe of that style at that place; None otherwise."""
        text = line.plain
        cells = cell_len(text)
        if not text or cells != len(text) or cells > self.size.width or "\t" in text:
            return None
        runs: list[tuple[int, int, str]] = []
        x = 0
        for span in line.spans:
            if span.end <= span.start:
                continue
            if not isinstance(span.style, str) or span.start < x:
                return None  # overlapping spans combine: Textual's own way
            if span.start > x:
                runs.append((x, span.start, ""))
            runs.append((span.start, span.end, span.style))
            x = span.end
        if x < len(text):
            runs.append((x, len(text), ""))
        segments = []
        for start, end, name in runs:
            key = (name, start, y)
            if key not in self._probes:
                self._probes[key] = _probe(widget, name, start, y, style)
            run_style = self._probes[key]
            if run_style is None:
                return None
            segments.append(Segment(text[start:end], run_style))
        return Strip(segments, cells)


def _probe(widget: Widget, name: str, x: int, y: int, style: Style) -> RichStyle | None:
    """The style of text in ``name`` (the widget's own where empty) at column ``x`` of
    row ``y``, as Textual renders it: the place is in the style, for selections."""
    spans = [Span(y + x, y + x + 1, name)] if name else []
    if x:  # a run before it, so that the probed text starts a segment of its own
        spans.insert(0, Span(y, y + x, "bold"))
    probe = Content("\n" * y + " " * x + "x", spans=spans)
    strips = Visual.to_strips(widget, probe, x + 1, y + 1, style)
    if len(strips) <= y:
        return None
    segments = list(strips[y])
    if not segments or segments[-1].text != "x":
        return None
    return segments[-1].style
