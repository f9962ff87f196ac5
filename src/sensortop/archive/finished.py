"""Which log files are finished (safe to archive) and which runs are still going.

A recorder holds a shared ``flock`` on the part it writes (``logs.parts``), so
a part someone holds is being written. A part nobody holds is finished once a
later part of its run exists (it was rotated past) or it has not changed for
``IDLE_SECONDS`` (its run ended, or crashed: the lock went with the process).
The wait also covers a writer that takes no lock (an older sensortop) and the
moment between closing one part and creating the next.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no locks; the idle rule alone decides
    fcntl = None  # type: ignore[assignment]

from sensortop.logs.archive_names import RUN_FILE, run_sort_key, run_stem
from sensortop.logs.files import JOURNAL_NAME

IDLE_SECONDS = 600.0


def held(path: Path) -> bool:
    """Whether some process holds a lock on ``path`` (a recorder writing it)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
    finally:
        os.close(fd)  # closing drops our own lock, if we got it
    return False


def run_files(folder: Path) -> list[Path]:
    """The run logs, archives and alarm journals in ``folder``."""
    try:
        names = list(folder.iterdir())
    except FileNotFoundError:
        return []
    return [p for p in names if RUN_FILE.match(p.name) or JOURNAL_NAME.match(p.name)]


def current_runs(files: list[Path], protect: set[str], now: float | None = None) -> set[str]:
    """Run stems that may still be written: ``protect`` (the caller's own run), any run
    with a held log or journal, and any run with one changed within ``IDLE_SECONDS``."""
    now = time.time() if now is None else now
    current = set(protect)
    for path in files:
        stem = run_stem(path)
        if stem is None or stem in current or not path.name.endswith(".jsonl"):
            continue  # an archive is written by compaction, never by a run
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime < IDLE_SECONDS or held(path):
                current.add(stem)
    return current


def finished_logs(folder: Path, protect: set[str], now: float | None = None) -> list[Path]:
    """The run's JSON Lines parts that nobody writes any more, in run order."""
    files = run_files(folder)
    current = current_runs(files, protect, now)
    later: dict[str, int] = {}
    for path in files:
        match = RUN_FILE.match(path.name)
        if match and match.group(3) == "jsonl":
            later[match.group(1)] = max(later.get(match.group(1), 0), int(match.group(2) or 0))
    out = []
    for path in files:
        match = RUN_FILE.match(path.name)
        if not match or match.group(3) != "jsonl":
            continue
        stem, part = match.group(1), int(match.group(2) or 0)
        rotated_past = part < later[stem] and not held(path)
        if stem not in current or rotated_past:
            out.append(path)
    return sorted(out, key=run_sort_key)
