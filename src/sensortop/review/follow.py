"""Reading a log that is still being written: only the complete lines past an offset.

The review screen follows the running log (README, "The review screen"). The
recorder appends whole chunks of lines, so at any moment the file ends in
complete lines, perhaps followed by part of a line being written. A
:class:`Follower` reads the complete lines between where it stopped and the
last newline, parses them exactly as ``read_logs`` does (the vectorised path,
then the general one, merged by the ``Collector``), and remembers where it
stopped: each line is read once, and a line is never cut in two by a poll.
Only when the file is finished (the run moved to its next part) is an
unterminated last line judged, as ``read_logs`` judges it: torn.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sensortop.review.blocks import BLOCK_SIZE, _open_regular
from sensortop.review.collector import Collector
from sensortop.review.lineparse import MAX_LINE_BYTES
from sensortop.review.logdata import LogData
from sensortop.review.reader import _done, _parse  # the reader's own: same answers

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes to read) after each block; may raise to cancel."""


class FileReplaced(Exception):
    """The file is shorter than what was already read: truncated or replaced, read it anew."""


class Follower:
    """Where one growing log file was read to, and the next complete lines past it."""

    def __init__(self, path: Path, offset: int = 0, line: int = 1) -> None:
        self.path = Path(path)
        self.offset = offset  # bytes read: just past the last complete line taken
        self.line = line  # 1-based number of the next line
        self._skipping = False  # inside a line over MAX_LINE_BYTES, looking for its end

    def poll(self, progress: Progress | None = None, final: bool = False) -> LogData | None:
        """The readings of the complete lines written since the last poll; None if none.

        ``final`` (the file will grow no more) also judges an unterminated last
        line, as torn. Raises :class:`FileReplaced` if the file shrank.
        """
        fd = _open_regular(self.path)
        try:
            size = os.fstat(fd).st_size
            if size < self.offset:
                raise FileReplaced(f"{self.path} is shorter than the {self.offset:,} bytes read")
            if size == self.offset:
                return None
            return self._read(fd, size, progress, final)
        finally:
            os.close(fd)

    def _read(self, fd: int, size: int, progress: Progress | None, final: bool) -> LogData | None:
        todo = size - self.offset
        if todo <= 2 * BLOCK_SIZE:  # a poll's few lines: a thread would cost more than it saves
            return self._read_blocks(fd, size, progress, final, None)
        # A big read (opening a long running log): the next block is parsed in a thread
        # while this one is merged, as ``read_logs`` does.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return self._read_blocks(fd, size, progress, final, pool)

    def _read_blocks(self, fd: int, size: int, progress: Progress | None, final: bool,
                     pool: ThreadPoolExecutor | None) -> LogData | None:
        collector = Collector()
        todo = size - self.offset
        carry = b""
        at = self.offset
        parsed: deque[tuple[bytes, Future]] = deque()

        def merge(keep: int) -> None:
            """Merge parsed blocks, oldest first, until ``keep`` are left in the thread."""
            while len(parsed) > keep:
                block, future = parsed.popleft()
                self.line += collector.add_block(self.path, block, self.line, False,
                                                 *future.result())

        while at < size:
            chunk = os.pread(fd, min(BLOCK_SIZE, size - at), at)
            if not chunk:  # the file was cut short under us: stop at what is there
                break
            at += len(chunk)
            if self._skipping:
                cut = chunk.find(b"\n")
                if cut < 0:
                    self.offset = at
                    continue
                self._skipping = False
                merge(0)
                collector.skip_long(self.path, self.line, unterminated=False)
                self.line += 1
                chunk = chunk[cut + 1 :]
                self.offset = at - len(chunk)
            data = carry + chunk
            if self.offset == 0 and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
                self.offset = 3
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                if len(carry) > MAX_LINE_BYTES:  # the judge's limit: pass it over unread
                    self._skipping, carry = True, b""
                    self.offset = at
                continue
            block = data[:cut]
            parsed.append((block, pool.submit(_parse, block) if pool else _done(_parse(block))))
            merge(1 if pool else 0)
            carry = data[cut + 1 :]
            self.offset = at - len(carry)
            if progress is not None:
                progress(at - (size - todo), todo)
        merge(0)
        if final and carry:
            self._take(collector, carry, unterminated=True)
            self.offset += len(carry)
        elif final and self._skipping:
            collector.skip_long(self.path, self.line, unterminated=True)
            self._skipping = False
            self.line += 1
        if collector.lines == 0 and not collector.columns:
            return None
        return collector.finish([self.path], None, None, None)

    def _take(self, collector: Collector, block: bytes, unterminated: bool) -> None:
        """Parse a block of whole lines (the last one maybe cut short) into ``collector``."""
        starts, ends, plain = _parse(block)
        self.line += collector.add_block(self.path, block, self.line, unterminated,
                                         starts, ends, plain)

