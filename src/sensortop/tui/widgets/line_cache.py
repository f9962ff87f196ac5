"""A widget's content kept line by line: an unchanged line is neither re-rendered nor
repainted.

Textual repaints a whole widget on ``refresh()``: every line is turned into a strip
again, restyled with the border, and cut into the screen. A sensor panel whose
reading changed usually shows the same title, status and age lines, and between
frames often the same statistics: ``LineCache`` says which lines differ, so the
panel refreshes only those (``refresh(region)``), and keeps each line's strip for
as long as its text, spans, width and style stay the same.

A line in one style from end to end (a sparkline row, the statistics) is most of
what changes each frame; Textual's general text layout (wrap, align, a style
resolved per span) cost most of a repaint. Such a line becomes one segment whose
style Textual itself worked out once, for that style name and row, on a probe
line: the strip is the same as Textual's own (tests/test_tui_line_cache.py).
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
        self._probes: dict[tuple[str, int], RichStyle | None] = {}

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
            strip = self._one_style(widget, line, y, style)
            if strip is None:
                strips = Visual.to_strips(widget, line, width, 1, style)
                strip = strips[0] if strips else Strip.blank(width, style.rich_style)
                if y:  # where a selection would start: as in the whole text's rendering
                    strip = strip.apply_offsets(0, y)
            self._strips[y] = strip
        return strip

    def _one_style(self, widget: Widget, line: Content, y: int, style: Style) -> Strip | None:
        """A line in one named style that fits: one segment, in the style Textual gave
        a probe line in that style on that row; None for any other line."""
        text, spans = line.plain, line.spans
        if len(spans) != 1 or not text or "\t" in text:
            return None
        span = spans[0]
        cells = cell_len(text)
        if (span.start, span.end) != (0, len(text)) or not isinstance(span.style, str) \
                or cells > self.size.width:
            return None
        key = (span.style, y)
        if key not in self._probes:
            self._probes[key] = _probe(widget, span.style, y, style)
        text_style = self._probes[key]
        if text_style is None:
            return None
        return Strip([Segment(text, text_style)], cells)


def _probe(widget: Widget, name: str, y: int, style: Style) -> RichStyle | None:
    """The style of text in ``name`` on row ``y`` as Textual renders it (the row is in
    the style, for selections)."""
    probe = Content("\n" * y + "x", spans=[Span(y, y + 1, name)])
    strips = Visual.to_strips(widget, probe, 1, y + 1, style)
    if len(strips) <= y:
        return None
    segments = list(strips[y])
    if len(segments) != 1 or segments[0].text != "x":
        return None
    return segments[0].style
