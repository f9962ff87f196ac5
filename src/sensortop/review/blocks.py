"""Which files a review reads, and their bytes as blocks of whole lines.

Every given path is checked before anything is read: a missing path, or one
that is neither a regular file nor a folder (a FIFO or a device would block or
never end), is a :class:`LogPathError`. Folders expand to their log files in
run order. A file is opened without blocking and read in ``BLOCK_SIZE``
chunks cut at line ends; a line longer than ``lineparse.MAX_LINE_BYTES`` is
passed over chunk by chunk, never held whole.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sensortop.logs.archive_names import expand_run_files
from sensortop.review import lineparse

BLOCK_SIZE = 4 << 20


class LogPathError(FileNotFoundError):
    """A path given to the reader does not exist or is not a file or folder (bad usage).

    ``strerror`` and ``filename`` are set as for any ``OSError`` (the review
    screen shows those); ``str()`` is ``"<reason>: <path>"``.
    """

    def __init__(self, reason: str, path: Path | str, code: int = errno.ENOENT) -> None:
        super().__init__(code, reason, str(path))

    def __str__(self) -> str:
        return f"{self.strerror}: {self.filename}"


def log_files(given: Iterable[Path]) -> list[Path]:
    """The log files and archives ``given`` files and folders stand for, in run order
    (a log with its archive beside it is read from the archive).

    Raises ``LogPathError`` for a path that is missing or not a file or folder,
    and ``OSError`` for a folder that cannot be listed, before reading any file.
    """
    paths = list(given)
    for path in paths:
        check_given(path)
    return expand_run_files(paths)


def check_given(path: Path) -> None:
    """Refuse, before reading anything, a path that is missing or not a file or folder."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise LogPathError("no such file or folder", path) from None
    except ValueError as exc:  # a NUL byte in the path
        raise LogPathError(f"not a valid path ({exc})", repr(str(path)), errno.EINVAL) from None
    if stat.S_ISDIR(mode):
        os.listdir(path)  # an unreadable folder is an error, not "no log files"
    elif not stat.S_ISREG(mode):
        raise LogPathError("not a regular file or folder", path, errno.EINVAL)


@dataclass(slots=True)
class Piece:
    """A stretch of a file: whole ``lines``, one over-``long`` line skipped unread, or
    ``more`` of such a line (only bytes to report)."""

    kind: str
    consumed: int  # bytes of the file read for this piece
    block: bytes | bytearray = b""
    unterminated: bool = False  # the last line has no newline: it may be torn


def _open_regular(path: Path) -> int:
    """Open without blocking (a FIFO would wait for a writer) and insist on a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LogPathError("not a regular file", path, errno.EINVAL)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def pieces(path: Path, start: int = 0, stop: int | None = None) -> Iterator[Piece]:
    """Blocks of whole lines of ``path`` (of bytes ``start`` to ``stop``, both at line
    starts). A line longer than ``MAX_LINE_BYTES`` is passed over chunk by chunk (never
    held whole) and stands as one skipped line.

    Each block is read into a buffer of its own, after the part line the block
    before left over, and cut at its last newline in place: its bytes are
    copied once, by the read itself.
    """
    with os.fdopen(_open_regular(path), "rb", buffering=0) as stream:
        carry: bytes | bytearray = b""
        at_start = start == 0
        skipping = False  # inside an over-long line, looking for its end
        if start:
            stream.seek(start)
        left = stop - start if stop is not None else None
        while True:
            data = bytearray(len(carry) + (BLOCK_SIZE if left is None else min(BLOCK_SIZE, left)))
            data[: len(carry)] = carry
            read = stream.readinto(memoryview(data)[len(carry) :]) or 0
            del data[len(carry) + read :]
            if left is not None:
                left -= read
            eof = not read
            if skipping:
                cut = data.find(b"\n")
                if not eof and cut < 0:
                    yield Piece("more", read)
                    continue
                skipping = False
                yield Piece("long", cut + 1 if not eof else 0, unterminated=eof)
                if eof:
                    return
                read -= cut + 1
                del data[: cut + 1]
            if at_start and data.startswith(b"\xef\xbb\xbf"):
                del data[:3]
            at_start = False
            if eof:
                if data:  # the last line has no newline: it may be torn
                    yield Piece("lines", read, data, unterminated=True)
                return
            cut = data.rfind(b"\n")
            if cut < 0:
                skipping = len(data) > lineparse.MAX_LINE_BYTES  # the judge's limit
                carry = b"" if skipping else data
                yield Piece("more", read)
                continue
            carry = bytes(data[cut + 1 :])
            del data[cut:]
            yield Piece("lines", read, data)
