"""Following a recorder's log folder as ``tail -F`` follows a file: ``LogTail``.

Each ``poll()`` returns the readings whose lines were completed since the last
one. A partial last line stays unread until its newline is there. When a
later run file appears (the recorder rotated to a new part, or a new run
started), the current file is read to its end (a final line without a newline
in a finished file is torn and skipped) and following moves on to the next
file in run order, from its start: nothing is missed, nothing read twice.

A viewer must never disturb the recorder: files are opened read-only, never
locked, never written. The open descriptor keeps a deleted or replaced file
readable until the recorder's next part appears. A file cut shorter than what
was read (the recorder cuts off a half-written chunk after a full disk, then
writes it again whole) is followed from its new end, skipping readings no newer
than those already taken, so a rewritten chunk is not counted twice.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sensortop.logs.wording import show
from sensortop.review.logdata import SensorSeries
from sensortop.review.recent import Position, parse_block, run_files, run_key

MAX_READ = 16 << 20  # bytes taken per poll at most; the rest waits for the next


class LogTail:
    """The follower of one log folder; not thread-safe (one thread polls it)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.path: Path | None = None
        self.offset = 0
        self.note: str | None = None
        """What is wrong, in words for the status line (None while all is well)."""
        self.lines_read = 0
        self._fd: int | None = None
        self._last_ts: dict[str, float] = {}
        self._guard: dict[str, float] | None = None  # set after a file was cut short

    def start_at_end(self) -> Position | None:
        """Begin at the last whole line of the newest run file; returns that place (the
        history before it is backfill's), or None when the folder has no log yet."""
        files = run_files(self.log_dir)
        jsonl = [p for p in files if p.suffix == ".jsonl"]
        if not jsonl:
            return None
        self._open(jsonl[-1])
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        tail = os.pread(self._fd, min(size, 1 << 20), max(0, size - (1 << 20)))
        cut = tail.rfind(b"\n")
        self.offset = size - len(tail) + cut + 1 if cut >= 0 else max(0, size - len(tail))
        assert self.path is not None
        return Position(self.path, self.offset)

    def poll(self) -> dict[str, SensorSeries]:
        """The readings of every line completed since the last poll, per sensor."""
        batches: list[dict[str, SensorSeries]] = []
        for _ in range(64):  # reads per poll at most; the rest waits for the next
            if self._fd is None:
                files = [p for p in run_files(self.log_dir) if p.suffix == ".jsonl"]
                if not files:
                    self.note = None if self.log_dir.is_dir() else \
                        f"the log folder {show(self.log_dir)} is gone; waiting for it"
                    break
                self._open(files[0])
                if self._fd is None:
                    break
            following = self._next_file()
            found, done = self._read(finished=following is not None)
            batches.append(found)
            if following is None:
                if done:
                    break
                continue
            if done:
                self._open(following)
        return _merge(batches)

    def close(self) -> None:
        self._close()

    # -- one file ---------------------------------------------------------------
    def _open(self, path: Path) -> None:
        self._close()
        try:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            self.note = f"cannot read {show(path)}: {exc.strerror or exc}"
            self._fd = None
            return
        self.path, self.offset, self.note, self._guard = path, 0, None, None

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _next_file(self) -> Path | None:
        """The run file after the one followed, if the recorder has started one."""
        key = run_key(self.path) if self.path is not None else None
        later = [p for p in run_files(self.log_dir)
                 if p.suffix == ".jsonl" and key is not None and (run_key(p) or key) > key]
        if not later and self.path is not None and not self.log_dir.is_dir():
            self.note = f"the log folder {show(self.log_dir)} is gone; waiting for it"
        return later[0] if later else None

    def _read(self, finished: bool) -> tuple[dict[str, SensorSeries], bool]:
        """New whole lines of the open file, and whether it is read up to its end (a
        ``finished`` file's torn last line is then skipped, not waited for)."""
        fd = self._fd
        if fd is None:
            return {}, True
        size = os.fstat(fd).st_size
        if size < self.offset:
            self.note = f"{show(self.path)} was cut short; following it from its new end"
            self.offset = size
            self._guard = dict(self._last_ts)
            return {}, True
        data = os.pread(fd, min(size - self.offset, MAX_READ), self.offset)
        whole = len(data) == size - self.offset
        cut = data.rfind(b"\n")
        block = data[:cut] if cut >= 0 else b""
        self.offset += cut + 1
        if whole and finished and self.offset < size:
            self.offset = size  # a finished file's torn last line
        if not block and cut < 0:
            return {}, whole
        self.lines_read += block.count(b"\n") + 1
        return self._fresh(parse_block(block, None, self.path or Path("-"))), whole

    def _fresh(self, found: dict[str, SensorSeries]) -> dict[str, SensorSeries]:
        """Note each sensor's newest time; after a cut, drop what was taken already."""
        guard = self._guard
        out: dict[str, SensorSeries] = {}
        for name, series in found.items():
            if guard is not None and name in guard:
                keep = series.ts > guard[name]
                if not keep.all():
                    series = SensorSeries(name, series.units, series.ts[keep],
                                          series.value[keep], series.status[keep],
                                          series.alarm[keep], series.last_error)
            if series.ts.size:
                self._last_ts[name] = float(series.ts[-1])
                out[name] = series
        return out


def _merge(batches: list[dict[str, SensorSeries]]) -> dict[str, SensorSeries]:
    """Batches from consecutive files, joined per sensor in file order."""
    batches = [b for b in batches if b]
    if len(batches) <= 1:
        return batches[0] if batches else {}
    out: dict[str, SensorSeries] = {}
    for batch in batches:
        for name, s in batch.items():
            have = out.get(name)
            if have is None:
                out[name] = s
                continue
            out[name] = SensorSeries(
                name, s.units, np.concatenate((have.ts, s.ts)),
                np.concatenate((have.value, s.value)), np.concatenate((have.status, s.status)),
                np.concatenate((have.alarm, s.alarm)), s.last_error or have.last_error)
    return out
