"""The dashboard's link for ``sensortop view``: sensors fed from a recorder's log.

In place of an engine sampling instruments, one thread follows the log folder
(``LogTail``) and writes what it reads into the sensors' states (``LogFeed``),
as the engine thread would: first the history before the place it starts
following (backfill), then every line completed since, polled every
``POLL_SECONDS``. The dashboard reads the same views and draws the same panels.
Nothing here writes to, locks or signals the recorder or its files.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from sensortop.model.specs import MonitorSpec, SensorSpec
from sensortop.review.recent import read_recent, run_files
from sensortop.review.tail import LogTail
from sensortop.sampling.engine import Engine
from sensortop.sampling.logfeed import BACKFILL_HORIZON, LogFeed
from sensortop.sinks.base import Sink
from sensortop.tui.sampling import SamplingLink

T = TypeVar("T")
log = logging.getLogger(__name__)

POLL_SECONDS = 0.6
"""How often the follower looks for new lines: about every other of the recorder's
250 ms flushes. The viewer paints a frame per look that found some, so this is also
its frame rate under load: a reading is on screen within 0.6 s of being flushed, and
each frame (the compositor going over the whole grid) is paid under twice a second
rather than four times (README "Watching a recorder"; 0.5 s measured 4.9 % of a core
at 1,000 readings/s with runs over 5 %, 0.6 s 4.5 %)."""


def archives(log_dir: Path) -> list[Path]:
    """The Parquet archives among the run files."""
    return [path for path in run_files(log_dir) if path.suffix == ".parquet"]


class FollowStatus:
    """What the status line shows of a followed log: its file, and what is wrong."""

    backlog = 0

    def __init__(self, tail: LogTail) -> None:
        self._tail = tail

    @property
    def path(self) -> Path | None:
        return self._tail.path

    @property
    def error(self) -> str | None:
        return self._tail.note


class ViewLink(SamplingLink):
    """Read-only: a follower thread instead of a sampling session."""

    threaded = True

    def __init__(self, log_dir: Path, history: int,
                 specs: Mapping[str, SensorSpec] | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.started = False
        self.stopped = False
        self.flushed = threading.Event()
        self.flushed.set()  # a viewer holds nothing to flush
        self._log_dir = Path(log_dir)
        self.feed = LogFeed(history, specs)
        self.tail = LogTail(self._log_dir)
        self.status = FollowStatus(self.tail)
        self.loaded = threading.Event()
        """Set once the history before the followed place is in (or there was none)."""
        self.poll_seconds = poll_seconds
        self.polls = 0
        self.batches = 0
        """Bumped after each poll that brought readings (and once the backfill is in):
        the viewer paints a frame per batch, not on a fixed clock."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sensortop-follow",
                                        daemon=True)

    @property
    def engine(self) -> Engine:
        return self.feed.engine

    @property
    def recorder(self) -> FollowStatus:  # type: ignore[override]  # what the line reads
        return self.status

    def compactor(self, monitor: MonitorSpec) -> None:
        return None  # a viewer never writes, archives or removes the recorder's files

    @property
    def outputs(self) -> Sequence[Sink]:
        return ()

    @property
    def log_dir(self) -> Path:
        return self._log_dir

    async def start(self) -> None:
        self.started = True
        self._thread.start()

    async def stop(self) -> None:
        self.stop_blocking_soon()
        await asyncio.to_thread(self._thread.join, 5.0)

    def stop_blocking_soon(self) -> None:
        self.stopped = True
        self._stop.set()

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        raise PermissionError("a view is read-only")

    async def call_sync(self, fn: Callable[[], T]) -> T:
        raise PermissionError("a view is read-only")

    def _run(self) -> None:
        try:
            self._backfill()
        finally:
            self.batches += 1
            self.loaded.set()
        while not self._stop.wait(self.poll_seconds):
            self.poll_once()
        self.tail.close()

    def _backfill(self) -> None:
        try:
            start = self.tail.start_at_end()
            # With no JSON Lines yet, only archives are history: a log that appears now
            # is the follower's, from its first line.
            files = run_files if start is not None else archives
            found = read_recent(self._log_dir, None, self.engine.history_size,
                                time.time() - BACKFILL_HORIZON, end=start, files=files)
            self.feed.backfill(found)
        except OSError as exc:
            self.tail.note = f"history not read: {exc}"

    def poll_once(self) -> None:
        """Take the lines completed since the last poll (the follower thread only)."""
        self.polls += 1
        try:
            found = self.tail.poll()
        except OSError as exc:  # a folder or file that went odd: say so, keep polling
            self.tail.note = f"cannot follow the log: {exc}"
            return
        if found:
            self.feed.ingest(found)
            self.batches += 1
