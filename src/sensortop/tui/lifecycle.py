"""How the dashboard ends when its terminal or the system ends it, not the user.

Kept apart from the app because it runs outside Textual's loop: SIGTERM quits as
``q`` does (log flushed, terminal restored); a closed terminal (SSH drop, tmux
killed) is seen by a signal handler and a watch thread, which stop sampling, wait
for the log to be flushed and end the process - Textual's own loop may by then be
blocked for good in its writer on the dead terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from sensortop.tui.sampling import SamplingLink, ThreadedLink

TERMINAL_POLL_MS = 1000
"""How often the terminal watch looks for a hung-up terminal."""
HANGUP_FLUSH_SECONDS = 60.0
"""After SIGHUP, how long to wait for the log to be flushed before the process ends."""


class TerminalLifecycle:
    """The stop signals and the hung-up terminal watch of one running dashboard."""

    def __init__(self, link: SamplingLink, quit_app: Callable[[], object]) -> None:
        self.link = link
        self.quit_app = quit_app
        """What SIGTERM runs on the app's loop: the app's own quit, as ``q``."""
        self._old_hangup: Any = None

    def start(self) -> None:
        """On the app's loop, once mounted: catch the signals and start the watch."""
        self.catch_stop_signals(True)
        threading.Thread(target=self.watch_terminal, name="sensortop-terminal",
                         daemon=True).start()

    def stop(self) -> None:
        """On unmount: the signals go back to what they were."""
        self.catch_stop_signals(False)

    def catch_stop_signals(self, catch: bool) -> None:
        """SIGTERM (a service stop, a shutdown) quits as ``q`` does: the log flushed and the
        terminal restored, not a process cut off. SIGHUP (the terminal closed) has its own
        path, see ``on_hangup``."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            if catch:
                loop.add_signal_handler(signal.SIGTERM, self.quit_app)
                self._old_hangup = signal.signal(signal.SIGHUP, self.on_hangup)
            else:
                loop.remove_signal_handler(signal.SIGTERM)
                if self._old_hangup is not None:
                    signal.signal(signal.SIGHUP, self._old_hangup)

    def on_hangup(self, signum: int, frame: object) -> None:
        """SIGHUP: the terminal closed (an SSH session dropped, tmux killed). Textual's
        writer dies on the dead terminal and its loop then blocks for good on the next
        frame, so this is a plain signal handler, not one the loop would have to run:
        a thread stops sampling, waits for the log to be flushed, and ends the process
        (there is no terminal left to restore)."""
        threading.Thread(target=self.leave_once_flushed, name="sensortop-hangup",
                         daemon=True).start()

    def watch_terminal(self) -> None:
        """Notice a terminal that is gone even when SIGHUP reaches another thread (the
        kernel picks any thread, and the main one may be blocked in Textual's writer,
        where a Python-level handler never runs): a hung-up tty polls as POLLHUP."""
        try:
            fd = sys.__stdin__.fileno() if sys.__stdin__ is not None else -1
        except (OSError, ValueError):
            return
        if fd < 0 or not os.isatty(fd):
            return
        watcher = select.poll()
        watcher.register(fd, 0)  # HUP, ERR and NVAL are always reported
        while not self.link.flushed.is_set():
            if watcher.poll(TERMINAL_POLL_MS):
                self.leave_once_flushed()
                return

    def leave_once_flushed(self) -> None:
        """Stop sampling, wait for the log to be flushed, end the process."""
        link = self.link
        if isinstance(link, ThreadedLink) and not link.stopped:
            link.stop_blocking()  # the engine has a loop of its own: stop it from here
        link.flushed.wait(HANGUP_FLUSH_SECONDS)  # a quit already under way finishes first
        os._exit(1 if link.recorder.error else 0)


__all__ = ["HANGUP_FLUSH_SECONDS", "TERMINAL_POLL_MS", "TerminalLifecycle"]
