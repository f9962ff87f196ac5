"""The ``bell`` and ``notify`` actions: escape sequences for the user's own terminal.

BEL rings the bell; OSC 9 (iTerm2, Windows Terminal, kitty, WezTerm, foot, ...)
and OSC 777 (urxvt, VTE terminals such as GNOME Terminal, Ghostty) show a
desktop notification. Both travel over SSH like any output, so the notification
appears on the machine the user sits at. Terminals that know neither ignore them.

Where they are written is pluggable: the dashboard owns the terminal, so it
plugs in a writer that goes through Textual's driver (``tui``); headless
``record`` writes to ``/dev/tty``, or to stderr when that is a terminal.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.sinks.actions.command import ActionFailed
from sensortop.sinks.actions.payload import summary

TerminalWriter = Callable[[str], None]
"""Writes escape text to the user's terminal; may be called from any thread."""
BEL = "\a"
MAX_TEXT = 200


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """Text safe inside an OSC sequence: no control characters (an ESC or BEL would end
    it early and let the rest act on the terminal), cut to ``limit``."""
    return "".join(c if c.isprintable() else " " for c in text)[:limit]


def escapes(action: ActionSpec, event: AlarmEvent) -> str:
    """What ``action`` writes for ``event``."""
    if action.kind is ActionKind.BELL:
        return BEL
    title = clean(action.title).replace(";", ",")  # OSC 777 splits its fields at ';'
    body = clean(summary(event))
    return f"\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"


class Terminal:
    """Where terminal actions write: a plugged-in writer, else the controlling terminal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writer: TerminalWriter | None = None
        self._tty: int | None = None

    def plug(self, writer: TerminalWriter | None) -> None:
        """Send terminal actions to ``writer`` (None: back to the controlling terminal)."""
        with self._lock:
            self._writer = writer

    def write(self, text: str) -> None:
        """Write ``text``; ActionFailed when there is no terminal to write to."""
        with self._lock:
            writer = self._writer
        if writer is not None:
            writer(text)
            return
        fd = self._tty_fd()
        if fd is None:
            raise ActionFailed("no terminal to write to (not started from one)")
        os.write(fd, text.encode())

    def _tty_fd(self) -> int | None:
        with self._lock:
            if self._tty is None:
                try:
                    self._tty = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
                except OSError:
                    if sys.stderr is not None and sys.stderr.isatty():
                        self._tty = os.dup(sys.stderr.fileno())
            return self._tty

    def close(self) -> None:
        with self._lock:
            if self._tty is not None:
                os.close(self._tty)
                self._tty = None
