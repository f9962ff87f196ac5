"""How the recorder words a path or a failure in its messages.

Shared by the recorder, its part files and its rescue file, so every message
about the log names paths and causes the same way, and a hostile file name
(a NUL, a newline) can never garble the status line or the terminal.
"""

from __future__ import annotations

from pathlib import Path


def show(path: Path | str | None) -> str:
    """A path as text that is safe to print (a NUL or control character is escaped)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def reason(exc: BaseException) -> str:
    """The cause of a failure in a few words: the OS's own words when it has some."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
