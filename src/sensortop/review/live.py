"""A run read for the review screen: loaded once, then (for the running log) followed.

Finished parts are read by ``read_logs``, the reader every review uses (and the
one that learns new formats). The part being written is read by a
:class:`Follower` to its last complete line, then polled for the lines the
recorder appends; when the run rotates into its next part, the old part is
read to its end and the new one followed. Summaries are recomputed only for
the sensors that got readings, so a poll costs what was appended, not the run.
This is plain code for a thread: the screen runs it in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sensortop.logs.files import log_sort_key, part_path
from sensortop.review.follow import Follower
from sensortop.review.growing import GrowingLog
from sensortop.review.logdata import LogData
from sensortop.review.reader import read_logs
from sensortop.review.summary import SensorSummary, summarise_series

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class View:
    """What the screen draws: the readings so far and their per-sensor summaries."""

    data: LogData
    summaries: list[SensorSummary]
    following: Path | None  # the part being followed, if any


class LiveRun:
    """The files of one run (or several), the last of them perhaps still growing."""

    def __init__(self, files: list[Path], follow: bool) -> None:
        self.files = list(files)
        self.follower: Follower | None = None
        self._log: GrowingLog | None = None
        self._summaries: dict[str, SensorSummary] = {}
        self._stale: set[str] = set()
        self._follow = follow and bool(files)

    def load(self, progress: Progress | None = None) -> View:
        """Read everything there is now (complete lines only, in the followed part)."""
        done_parts = self.files[:-1] if self._follow else self.files
        sizes = [_size(p) for p in self.files]
        total = sum(sizes)
        base = sum(sizes[: len(done_parts)])

        def finished(done: int, _total: int) -> None:
            if progress is not None:
                progress(done, total)

        def live(done: int, _todo: int) -> None:
            if progress is not None:
                progress(base + done, total)

        data = read_logs(done_parts, progress=finished) if done_parts else _empty()
        self._log = GrowingLog(data)
        self._stale = set(data.series)
        if self._follow:
            self.follower = Follower(self.files[-1])
            self._add(self.follower.poll(progress=live))
        if progress is not None:
            progress(total, total)
        return self.view()

    def poll(self) -> bool:
        """Read what the followed part gained (and any next part); True if anything."""
        if self.follower is None:
            return False
        got = self._add(self.follower.poll())
        following = self.follower.path
        # The recorder rotates into part n+1: finish part n (an unterminated line there
        # is torn for good), then follow the new part from its start.
        after = part_path(following.parent, following.name.split(".", 1)[0],
                          log_sort_key(following)[1] + 1)
        if after.exists():
            got |= self._add(self.follower.poll(final=True))
            self.follower = Follower(after)
            self.files.append(after)
            got |= self._add(self.follower.poll())
        return got

    def _add(self, more: LogData | None) -> bool:
        if more is None or self._log is None:
            return False
        self._stale |= self._log.extend(more)
        return True

    def view(self) -> View:
        """The readings so far, summaries brought up to date for the sensors that changed."""
        assert self._log is not None, "load() first"
        data = self._log.snapshot()
        for name in self._stale:
            self._summaries[name] = summarise_series(data.series[name])
        self._stale.clear()
        summaries = [self._summaries[name] for name in sorted(self._summaries)]
        return View(data, summaries, self.follower.path if self.follower else None)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_logs says what is wrong with it


def _empty() -> LogData:
    return LogData(files=[], series={})
