"""Appends every reading to the run's JSON Lines file with aiofiles, losing none.

``put()`` is synchronous and O(1) so the engine never waits on the disk. A
writer task takes whatever is queued (every ``batch_lines`` readings or
``batch_seconds``, whichever comes first), serialises it as one chunk and
writes it in one call, then flushes. If the disk fails (permission denied,
disk full) the chunk is kept, the error is reported in ``error``, sampling
goes on, and the write is retried with backoff; ``backlog`` shows how much
is waiting. Past ``rotate_bytes`` the run continues in a new numbered file.
A run never overwrites an earlier run's file (exclusive create).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiofiles

from sensortop.logfiles import new_run_stem, part_path
from sensortop.logformat import encode_lines
from sensortop.readings import Reading

log = logging.getLogger(__name__)

RETRY_START = 0.25
RETRY_MAX = 5.0
STOP_RETRY = 0.2  # between the last attempts once stop() was called


class Recorder:
    """Batched, flushing, rotating JSON Lines writer for one run."""

    def __init__(
        self,
        log_dir: Path | str,
        *,
        rotate_bytes: int = 100 * 1024 * 1024,
        batch_lines: int = 1000,
        batch_seconds: float = 0.25,
        stop_attempts: int = 5,
    ) -> None:
        self.log_dir = Path(log_dir)
        self.rotate_bytes = rotate_bytes
        self.batch_lines = batch_lines
        self.batch_seconds = batch_seconds
        self.stop_attempts = stop_attempts
        self.stem: str | None = None
        self.part = 0
        self.path: Path | None = None
        self.paths: list[Path] = []
        self.written = 0  # readings safely handed to the OS
        self.error: str | None = None
        self.rescue_path: Path | None = None
        self._queue: list[Reading] = []
        self._pending: list[tuple[bytes, int]] = []  # serialised, not yet written
        self._pending_count = 0
        self._file: Any = None
        self._size = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- what the dashboard and `record` show -----------------------------------
    @property
    def backlog(self) -> int:
        """Readings accepted but not yet written to the file."""
        return len(self._queue) + self._pending_count

    # -- input --------------------------------------------------------------------
    def put(self, reading: Reading) -> None:
        """Accept one reading; never blocks, never drops."""
        self._queue.append(reading)
        if len(self._queue) >= self.batch_lines:
            self._wake.set()

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Pick this run's file name and start the writer task.

        The file itself is created with the first chunk, so a failing disk is
        reported through ``error`` rather than stopping the run from starting.
        """
        self.stem = new_run_stem(self.log_dir) if self.log_dir.is_dir() else \
            "sensortop-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.path = part_path(self.log_dir, self.stem, 0)
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def stop(self) -> None:
        """Write everything queued, flush, close. Nothing accepted is ever dropped:
        if the log still cannot be written, the backlog goes to a rescue file."""
        self._stopping = True
        self._wake.set()
        self._stop_requested.set()
        if self._task is not None:
            await self._task
            self._task = None

    # -- the writer ------------------------------------------------------------------
    async def _run(self) -> None:
        retry = RETRY_START
        failures_at_stop = 0
        try:
            while True:
                if not self._stopping and not self._pending:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.batch_seconds)
                self._wake.clear()
                self._take_queue()
                if not self._pending:
                    if self._stopping:
                        return
                    continue
                try:
                    await self._write_pending()
                except OSError as exc:
                    error = f"cannot write the log ({exc.strerror or exc}): {self.path}"
                    # Said once per new error, not once per retry: the backlog and
                    # ``error`` show that it goes on.
                    (log.debug if error == self.error else log.warning)(
                        "%s; keeping %d readings, retrying", error, self.backlog)
                    self.error = error
                    await self._close_file()
                    if self._stopping:
                        failures_at_stop += 1
                        if failures_at_stop >= self.stop_attempts:
                            await self._rescue()
                            return
                    # A stop cuts a long backoff short, and the attempts left at
                    # stop come quickly: quitting must not take minutes.
                    if self._stopping:
                        await asyncio.sleep(STOP_RETRY)
                    else:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._stop_requested.wait(), retry)
                    retry = min(retry * 2, RETRY_MAX)
                    continue
                retry = RETRY_START
                self.error = None
        finally:
            await self._close_file()

    def _take_queue(self) -> None:
        if not self._queue:
            return
        batch, self._queue = self._queue, []
        step = self.batch_lines
        for start in range(0, len(batch), step):  # chunk-sized pieces keep rotation precise
            piece = batch[start:start + step]
            self._pending.append((encode_lines(piece), len(piece)))
            self._pending_count += len(piece)

    async def _write_pending(self) -> None:
        while self._pending:
            data, count = self._pending[0]
            await self._ensure_file(len(data))
            start = self._size
            try:
                # Unbuffered: each write goes to the OS at once, and a short write
                # (a filling disk) is seen and continued rather than hidden in a buffer.
                view = memoryview(data)
                while view:
                    done = await self._file.write(view)
                    view = view[done:]
            except OSError:
                await self._undo_partial_chunk(start)
                raise
            self._size += len(data)
            self._pending.pop(0)
            self._pending_count -= count
            self.written += count

    async def _undo_partial_chunk(self, size: int) -> None:
        """Cut a half-written chunk off, so the retry neither duplicates nor tears lines.

        If even that fails, the run goes on in the next part file; the torn tail
        stays behind as a torn last line, which every reader skips and reports.
        """
        path = self.path
        await self._close_file()
        try:
            if path is not None:
                await asyncio.to_thread(os.truncate, path, size)
        except OSError as exc:
            log.warning("cannot cut the torn chunk off %s (%s); continuing in a new part",
                        path, exc)
            self.part += 1

    async def _ensure_file(self, incoming: int) -> None:
        if self._file is not None and self._size > 0 and self._size + incoming > self.rotate_bytes:
            await self._close_file()
            self.part += 1
        if self._file is not None:
            return
        assert self.stem is not None
        await asyncio.to_thread(self.log_dir.mkdir, parents=True, exist_ok=True)
        while True:
            path = part_path(self.log_dir, self.stem, self.part)
            try:
                # "xb" when the part is new: never append to or clobber another run's file.
                mode = "ab" if path in self.paths else "xb"
                self._file = await aiofiles.open(path, mode, buffering=0)
                break
            except FileExistsError:
                if self.part == 0 and not self.paths:
                    self.stem = new_run_stem(self.log_dir)
                else:
                    self.part += 1
        self.path = path
        if path not in self.paths:
            self.paths.append(path)
        self._size = await asyncio.to_thread(lambda: path.stat().st_size)

    async def _close_file(self) -> None:
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            await file.close()
        except OSError as exc:  # the data was flushed already; closing can still fail
            log.warning("closing %s failed: %s", self.path, exc)

    async def _rescue(self) -> None:
        """Last resort at stop: put the unwritten backlog where it can be written."""
        data = b"".join(chunk for chunk, _ in self._pending)
        stamp = int(time.time())
        candidates = [Path(tempfile.gettempdir()), Path.home()]
        for folder in candidates:
            target = folder / f"{self.stem or 'sensortop'}-rescued-{stamp}-{os.getpid()}.jsonl"
            try:
                async with aiofiles.open(target, "xb") as fh:
                    await fh.write(data)
            except OSError:
                continue
            self.rescue_path = target
            self.written += self._pending_count
            self.error = (f"{self.error}; the {self._pending_count} unwritten readings were "
                          f"saved to {target}")
            self._pending.clear()
            self._pending_count = 0
            log.error(self.error)
            return
        self.error = f"{self.error}; {self._pending_count} readings could not be saved anywhere"
        log.error(self.error)
