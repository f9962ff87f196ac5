"""Text from a log made safe for a terminal.

A sensor id, units or error text is whatever the log holds; written raw, an
escape sequence in it could clear the screen, move the cursor or hide text
(bidi overrides). Everything review prints to a terminal goes through here.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with control, format and other unprintable characters escaped (``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
