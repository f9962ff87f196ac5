"""The review screen's worker: read a run with progress, then follow the running log.

Reading a big log takes a while, so it runs in a thread worker that reports
progress by ``post_message`` (thread-safe) and hands back the parsed data the
same way. On the running log the same worker then follows the file, as
toolong tails one: every ``POLL_SECONDS`` it reads the complete lines the
recorder appended and, at most every ``REFRESH_SECONDS``, posts a fresh view
(summaries of the changed sensors only). A cancelled worker stops within a
poll, or at the next block of a load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.worker import get_current_worker

from sensortop.review.follow import FileReplaced
from sensortop.review.live import LiveRun, View

POLL_SECONDS = 0.25  # the recorder flushes every 250 ms at most (README, "The log files")
REFRESH_SECONDS = 1.0  # a followed log's table and chart are redrawn at most this often


class LoadCancelled(Exception):
    """Raised from the progress callback when a newer load replaced this one."""


class LoadProgress(Message):
    """How far the reader is: bytes done of total."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


class RunLoaded(Message):
    """A view of the run (the first load, or a followed log's growth), or an ``error``."""

    def __init__(self, view: View | None, error: str | None = None, first: bool = True) -> None:
        super().__init__()
        self.view = view
        self.error = error
        self.first = first

    def can_replace(self, message: Message) -> bool:
        # A newer view of a followed log supersedes an older one still queued.
        return isinstance(message, RunLoaded) and not message.first and self.view is not None


def feed(post: Callable[[Message], object], files: list[Path], follow: bool) -> None:
    """Read ``files`` and post the view; with ``follow``, go on following the last one."""
    worker = get_current_worker()

    def progress(done: int, total: int) -> None:
        if worker.is_cancelled:
            raise LoadCancelled
        post(LoadProgress(done, total))

    run = LiveRun(files, follow)
    try:
        # Summing a million readings is numpy work too: keep it off the UI thread.
        post(RunLoaded(run.load(progress=progress)))
        shown = time.monotonic()
        changed = False
        while run.follower is not None and not worker.cancelled_event.wait(POLL_SECONDS):
            changed |= run.poll()
            if changed and time.monotonic() - shown >= REFRESH_SECONDS:
                post(RunLoaded(run.view(), first=False))
                shown, changed = time.monotonic(), False
    except LoadCancelled:
        return
    except FileReplaced as exc:
        post(RunLoaded(None, f"{exc}; press l and pick the run again"))
    except OSError as exc:
        post(RunLoaded(None, f"cannot read {exc.filename}: {exc.strerror}"))
