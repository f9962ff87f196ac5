"""Read JSON Lines logs back into per-sensor numpy columns, fast: ``read_logs``.

This module only runs the pipeline. Files are read in blocks of whole lines
(``blocks``). Each block goes first through the vectorised parser
(``fastparse``) for lines in the recorder's own layout; the few left over
(other layouts, escapes, long fields) take the general path
(``lineparse``), which is the judge of what a reading is. The ``Collector``
merges both into :class:`LogData`. A line that is not a reading is skipped and
counted, with its file and line number: a torn last line after a crash is
normal, garbage (an invalid escape, a NUL run, an over-long line) is reported,
neither is fatal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from sensortop.logs.archive_names import ARCHIVE_SUFFIX
from sensortop.review.blocks import Piece, log_files, pieces
from sensortop.review.collector import Collector
from sensortop.review.fastparse import PlainLines, all_rest, line_bounds, parse_plain
from sensortop.review.logdata import LogData

PARSE_THREADS = 2
_FAST_MIN_LINES = 32  # fewer lines than this go the general path (same answers, see above)
_THREAD_MIN = 256 << 10  # blocks smaller than this are parsed without a thread hop

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in total) after each block; may raise to cancel."""


def read_logs(
    paths: Iterable[Path | str],
    sensors: Iterable[str] | None = None,
    since: float | None = None,
    until: float | None = None,
    progress: Progress | None = None,
    processes: int = 1,
) -> LogData:
    """Read log files, archives and folders (in run order) into per-sensor series.

    A Parquet archive gives the very series its JSON Lines log gave; only its row
    groups that can hold ``sensors`` between ``since`` and ``until`` are read.

    ``since``/``until`` are epoch seconds (both ends included); ``sensors``
    keeps only those ids. Raises ``LogPathError`` for a path that does not
    exist or is neither a regular file nor a folder (a FIFO or a device
    would block or never end), and ``OSError`` for one that cannot be read.
    ``processes=2`` parses a big log's second half in a forked child (only
    for a process with no other threads: the command line).
    """
    files = log_files(Path(p) for p in paths)
    total = sum(p.stat().st_size for p in files)
    collector = Collector()
    wanted = set(sensors) if sensors is not None else None
    done = 0
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        for path in files:
            try:
                if path.name.endswith(ARCHIVE_SUFFIX):
                    from sensortop.review.archive_read import add_archive  # pyarrow: lazily

                    add_archive(path, collector, wanted, since, until)
                    done += path.stat().st_size
                    if progress is not None:
                        progress(done, total)
                    continue
                if processes > 1:
                    from sensortop.review.halves import read_in_halves

                    parts = read_in_halves(path, pool, collector)
                else:
                    parts = read_file_into(path, pool, collector)
                for consumed in parts:
                    done += consumed
                    if progress is not None:
                        progress(done, total)
            except OSError as exc:
                if exc.filename is not None:
                    raise
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    if progress is not None:
        progress(total, total)
    return collector.finish(files, wanted, since, until)


def read_file_into(path: Path, pool: ThreadPoolExecutor, collector: Collector,
                   start: int = 0, stop: int | None = None) -> Iterator[int]:
    """Parse ``path``'s blocks (from byte ``start`` to ``stop``, both at line starts) on
    ``pool`` and merge them in order; yield bytes done per block. Sets
    ``collector.lines_seen`` to the lines read (blank ones too).

    numpy lets go of the GIL for most of the parsing, so the next block is
    parsed while this one is merged; at most a few blocks wait in memory.
    """
    pending: deque[tuple[Piece, Future | None]] = deque()
    first_line = 1

    def merge(piece: Piece, future: Future | None) -> int:
        if piece.kind == "long":  # a line over MAX_LINE_BYTES, skipped unread
            collector.skip_long(path, first_line, piece.unterminated)
            return 1
        if future is None:
            return 0
        return collector.add_block(path, piece.block, first_line, piece.unterminated,
                                   *future.result())

    try:
        for piece in pieces(path, start, stop):
            future = None
            if piece.kind == "lines":
                # A small block (a short rotated part) is parsed here: handing it to a
                # thread costs more than parsing it, and thousands of parts add up.
                future = pool.submit(_parse, piece.block) if len(piece.block) >= _THREAD_MIN \
                    else _done(_parse(piece.block))
            pending.append((piece, future))
            while len(pending) > PARSE_THREADS:
                piece, future = pending.popleft()
                first_line += merge(piece, future)
                yield piece.consumed
        while pending:
            piece, future = pending.popleft()
            first_line += merge(piece, future)
            yield piece.consumed
        collector.lines_seen = first_line - 1
    finally:
        for _, future in pending:
            if future is not None:
                future.cancel()


def _done(result: tuple) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def _parse(block: bytes | bytearray) -> tuple[np.ndarray, np.ndarray, PlainLines]:
    starts, ends = line_bounds(block)
    if len(starts) < _FAST_MIN_LINES:  # the fast path's fixed cost is more than it saves
        return starts, ends, all_rest(len(starts))
    return starts, ends, parse_plain(block, starts, ends)
