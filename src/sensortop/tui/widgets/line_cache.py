"""A widget's content kept line by line: an unchanged line is neither re-rendered nor
repainted.

Textual repaints a whole widget on ``refresh()``: every line is turned into a strip
again, restyled with the border, and cut into the screen. A sensor panel whose
reading changed usually shows the same title, status and age lines, and between
frames often the same statistics: ``LineCache`` says which lines differ, so the
panel refreshes only those (``refresh(region)``), and keeps each line's strip for
as long as its text, spans, width and style stay the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual

if TYPE_CHECKING:
    from textual.content import Content
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
        width = self.size.width
        if not 0 <= y < len(self.lines):
            return Strip.blank(width, style.rich_style)
        strip = self._strips[y]
        if strip is None:
            strips = Visual.to_strips(widget, self.lines[y], width, 1, style)
            strip = strips[0] if strips else Strip.blank(width, style.rich_style)
            self._strips[y] = strip
        return strip
