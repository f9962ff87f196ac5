"""Opening a log part file without ever writing where we must not.

Kept apart from the recorder because both the log and the rescue file open
files this way: a new file is created exclusively (never another run's file,
never through a symlink), an existing one is reopened without following
symlinks and without blocking on a FIFO someone put in its place.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no locks; compaction's idle rule still holds
    fcntl = None  # type: ignore[assignment]


class NotRegularFile(OSError):
    """A part file's path names a FIFO, device or folder: never write there."""


def open_part(path: Path, new: bool) -> int:
    """Open a part file for appending; refuse anything but a regular file.

    A new part is created exclusively (never another run's file, never through
    a symlink); an existing part is reopened without following symlinks and
    without blocking on a FIFO someone put in its place.
    """
    flags = (os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    if new:
        flags |= os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o644)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"not a regular file: {path}")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def mark_writing(fd: int) -> None:
    """Hold a shared ``flock`` on a part while it is open for writing: compaction (README
    "Archives and retention") never touches a file someone holds. Closing drops it."""
    if fcntl is None:
        return
    with contextlib.suppress(OSError):  # a file system without locks: the idle rule covers it
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
