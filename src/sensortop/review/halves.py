"""Reading one big log on more cores: a forked child parses the second half.

Threads share one GIL, and parsing a block holds it part of the time; a
second process does not. Worth it from four cores on (see ``MIN_CPUS``). The
child reads from the first line start after the middle and hands its
collector back through a pipe; its lines are numbered on from the parent's.
Only for the command line (``review``), whose process has no other threads to
fork with; if the child fails, the parent reads that half itself.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sensortop.review.collector import Collector
from sensortop.review.reader import PARSE_THREADS, read_file_into

MIN_BYTES = 16 << 20  # smaller logs parse faster than a fork and a hand-over cost
MIN_CPUS = 4
"""On two cores the reader's two threads already keep both busy (numpy lets go of the
GIL): measured, a child there adds a quarter more CPU time and no speed."""


def split_point(path: Path, size: int) -> int | None:
    """The first line start after the middle of the file; None if there is none."""
    with path.open("rb") as f:
        f.seek(size // 2)
        tail = f.read(1 << 20)
    cut = tail.find(b"\n")
    return size // 2 + cut + 1 if cut >= 0 and size // 2 + cut + 1 < size else None


def read_in_halves(path: Path, pool: ThreadPoolExecutor, collector: Collector
                   ) -> Iterator[int]:
    """``read_file_into`` for the whole file, the second half in a child process."""
    size = path.stat().st_size
    worth_it = size >= MIN_BYTES and hasattr(os, "fork") and (os.cpu_count() or 1) >= MIN_CPUS
    middle = split_point(path, size) if worth_it else None
    if middle is None:
        yield from read_file_into(path, pool, collector)
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse the second half, send it, and go
        code = 1
        try:
            os.close(read_end)
            child = Collector()
            with ThreadPoolExecutor(max_workers=PARSE_THREADS) as own:
                for _ in read_file_into(path, own, child, middle, None):
                    pass
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(child.state(), protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        yield from read_file_into(path, pool, collector, 0, middle)
        with os.fdopen(read_end, "rb") as stream:
            payload = stream.read()
        read_end = -1
        _, status = os.waitpid(pid, 0)
        pid = 0
        if status == 0 and payload:
            collector.absorb(pickle.loads(payload), collector.lines_seen)
            yield size - middle
        else:  # the child failed: read its half here
            offset = collector.lines_seen
            rest = Collector()
            yield from read_file_into(path, pool, rest, middle, None)
            collector.absorb(rest.state(), offset)
    finally:
        if read_end >= 0:
            os.close(read_end)
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
