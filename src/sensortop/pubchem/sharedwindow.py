"""PubChem's limit is per machine: request start times shared by every sensortop process.

A dashboard and a ``sensortop lookup`` (or two lookups back to back) each
keeping 5 per second would together send 10. So every grant also checks and
records the start in a small file in the cache folder, under an exclusive
``fcntl.flock``: the file holds the recent start times of all processes on the
machine, newest last, one per line. The lock is held for microseconds and is
released by the kernel if its holder dies, so it cannot go stale; it is taken
without blocking (retried for a short while) and only ever from a worker
thread, never on the event loop.

A file that cannot be used (an unwritable folder, a lock held too long, no
``fcntl`` on this system) is not a reason to stop looking up: the limiter goes
on per process and says so once. A damaged file is only lost history: lines
that are not times, or times far in the future, are ignored and rewritten.
"""

from __future__ import annotations

import logging
import math
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: per-process limiting only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

FILE_NAME = "request-times"
#: Far more than 400 lines of times ever take; a bigger file is not ours.
MAX_FILE_BYTES = 64 * 1024
#: Another process's clock reading a little ahead is normal; far ahead is a broken line.
CLOCK_SLACK = 1.0


class SharedWindow:
    """Grants request starts against the start times of every process sharing ``path``.

    :meth:`try_grant` blocks (briefly) and must run in a worker thread.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        per_second: int,
        per_minute: int,
        second_window: float,
        minute_window: float,
        lock_timeout: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.per_second = per_second
        self.per_minute = per_minute
        self.second_window = second_window
        self.minute_window = minute_window
        self.lock_timeout = lock_timeout
        self._clock = clock
        self.failed: str | None = None if fcntl is not None else "no fcntl on this system"

    def try_grant(self, spacing: float = 0.0) -> float | None:
        """Record a start now and return 0.0 if every process's windows allow it;
        else the seconds to wait (nothing recorded); None when the file cannot be
        used, from then on (the caller limits per process)."""
        if self.failed is not None:
            return None
        try:
            return self._try_grant(spacing)
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the folder's name
            strerror = exc.strerror if isinstance(exc, OSError) else None
            self.failed = strerror or str(exc) or type(exc).__name__
            log.warning(
                "PubChem's rate limit is now kept per process only: cannot share %s (%s)",
                self.path, self.failed,
            )
            return None

    def _try_grant(self, spacing: float) -> float:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{self.path.name} is not a regular file")
            self._lock(fd)
            now = self._clock()
            starts = self._parse(os.pread(fd, MAX_FILE_BYTES + 1, 0), now)
            wait = self._wait_needed(starts, now, spacing)
            if wait > 0:
                return wait
            starts.append(now)
            data = "".join(f"{t:.6f}\n" for t in starts[-self.per_minute :]).encode("ascii")
            written = os.pwrite(fd, data, 0)
            if written != len(data):
                raise OSError(f"short write to {self.path.name}")
            os.ftruncate(fd, len(data))
            return 0.0
        finally:
            os.close(fd)  # releases the lock

    def _lock(self, fd: int) -> None:
        """An exclusive lock without ever blocking for long (a stopped holder must not hang us)."""
        assert fcntl is not None
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    held = f"lock on {self.path.name} held for {self.lock_timeout:g} s"
                    raise OSError(held) from None
                time.sleep(pause)
                pause = min(0.02, pause * 2)

    def _parse(self, raw: bytes, now: float) -> list[float]:
        """Start times within the last minute window, sorted; anything else is dropped."""
        if len(raw) > MAX_FILE_BYTES:
            return []
        starts = []
        for line in raw.split(b"\n"):
            try:
                value = float(line)
            except ValueError:
                continue
            if math.isfinite(value) and now - self.minute_window < value <= now + CLOCK_SLACK:
                starts.append(value)
        starts.sort()
        return starts

    def _wait_needed(self, starts: list[float], now: float, spacing: float) -> float:
        waits = [0.0]
        if len(starts) >= self.per_second:
            waits.append(starts[-self.per_second] + self.second_window - now)
        if len(starts) >= self.per_minute:
            waits.append(starts[-self.per_minute] + self.minute_window - now)
        if starts:
            waits.append(starts[-1] + spacing - now)
        return max(waits)
