"""Appends every reading to the run's JSON Lines file with aiofiles, losing none.

``put()`` is synchronous and O(1) so the engine never waits on the disk. A
writer task takes whatever is queued (every ``batch_lines`` readings or
``batch_seconds``, whichever comes first), serialises it once, in slices of
``batch_lines`` with the loop free between slices, and writes each chunk in
one call. If anything fails (permission denied, disk full, a path the OS
refuses, an error nobody foresaw) the encoded chunks are kept, the error is
reported in ``error``, sampling goes on, and the write is retried with
backoff; ``backlog`` shows how much is waiting. Past ``rotate_bytes`` the run
continues in a new numbered file. A run never overwrites an earlier run's
file (exclusive create, symlinks and FIFOs refused). A log file deleted or
replaced under the recorder is noticed at the next flush: the loss is
reported (and stays in ``error``), and the run writes on into a new file in a
recreated folder. At stop, whatever still cannot be written goes to a rescue
file, and a disk that hangs cannot hold ``stop()`` past ``stop_seconds``.

This module is the queue and flush loop; the part files (opening, rotation,
deletion checks, the slow-disk watch) are in ``parts``, the rescue file in
``rescue``, and the safe open and the daemon I/O thread in modules of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from sensortop.logs.format import encode_lines
from sensortop.logs.parts import Opener, PartFiles
from sensortop.logs.rescue import save_rescue
from sensortop.logs.wording import reason, show
from sensortop.model.readings import Reading, Status

log = logging.getLogger(__name__)

RETRY_START = 0.25
RETRY_MAX = 5.0
STOP_RETRY = 0.2  # between the last attempts once stop() was called
SPILL_BYTES = 256 * 1024 * 1024  # a longer outage moves the backlog to the rescue file


class Recorder(PartFiles):
    """Batched, flushing, rotating JSON Lines writer for one run."""

    def __init__(
        self,
        log_dir: Path | str,
        *,
        rotate_bytes: int = 100 * 1024 * 1024,
        batch_lines: int = 1000,
        batch_seconds: float = 0.25,
        stop_attempts: int = 5,
        stop_seconds: float = 20.0,
        opener: Opener | None = None,
    ) -> None:
        """``opener(path, new) -> fd`` opens a part file (tests and benches inject faults)."""
        super().__init__(log_dir, rotate_bytes=rotate_bytes, opener=opener)
        self.batch_lines = max(1, batch_lines)
        self.batch_seconds = batch_seconds if batch_seconds > 0 else 0.25  # NaN too
        self.stop_attempts = stop_attempts
        self.stop_seconds = stop_seconds
        self.rescued = 0  # readings in the rescue file, not the log (counted in ``written``)
        self.rescue_path: Path | None = None
        self._queue: list[Reading] = []
        self._encoding: list[Reading] = []  # taken from the queue, not yet encoded
        self._encoded_upto = 0
        self._pending: list[tuple[bytes, int]] = []  # encoded, not yet written
        self._pending_count = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._abandoned = False  # stop() gave up on a hung disk: touch the file no more
        self._progress = 0  # attempts finished, good or bad: a disk that answers is not hung
        self._task: asyncio.Task[None] | None = None

    # -- what the dashboard and `record` show -----------------------------------
    @property
    def backlog(self) -> int:
        """Readings accepted but not yet written to the file."""
        return (len(self._queue) + len(self._encoding) - self._encoded_upto
                + self._pending_count)

    # -- input --------------------------------------------------------------------
    def put(self, reading: Reading) -> None:
        """Accept one reading; never blocks, never drops."""
        self._queue.append(reading)
        if len(self._queue) >= self.batch_lines:
            self._wake.set()

    def put_lines(self, chunk: bytes, count: int) -> None:
        """Accept ``count`` readings already encoded as whole JSON lines (a worker's
        batch, README "How it works"); never blocks, never drops. Written after what
        is already encoded: a writer fed this way takes its readings only this way."""
        if count <= 0:
            return
        self._pending.append((chunk, count))
        self._pending_count += count
        if self._pending_count >= self.batch_lines:
            self._wake.set()

    async def start(self) -> None:
        """Pick this run's file name and start the writer task.

        The file itself is created with the first chunk, so a failing disk (or a
        path the OS refuses) is reported through ``error`` rather than stopping
        the run from starting.
        """
        await self._choose_stem()
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def stop(self) -> None:
        """Write everything queued, flush, close. Nothing accepted is ever dropped:
        if the log still cannot be written, the backlog goes to a rescue file."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            # A big backlog on a slow disk may take long; only a disk that finishes
            # no attempt at all within ``stop_seconds`` is given up on.
            while True:
                progress = self._progress
                try:
                    await asyncio.wait_for(asyncio.shield(task), self.stop_seconds)
                    break
                except TimeoutError:
                    if self._progress == progress:
                        raise
        except TimeoutError:
            # The disk hangs: leave the stuck write to its daemon thread.
            self._abandoned = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            self.error = (f"the disk did not answer within {self.stop_seconds:g} s at stop "
                          f"({show(self.path)}); the last chunk may be in the log as well")
            log.warning("%s", self.error)
            await self._rescue()
        except Exception as exc:  # a bug in the writer: its readings are still here
            self._report(exc, "the log writer failed")
            await self._rescue()
        finally:
            if not self._abandoned:
                self._io.shutdown(wait=False)

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
                try:
                    await self._encode_queue()
                    if not self._pending:
                        if self._stopping:
                            await self._final_check()
                            return
                        continue
                    await self._write_pending()
                except Exception as exc:  # any failure: report, keep the chunks, retry
                    self._progress += 1
                    self._report(exc, "cannot write the log")
                    await self._close_file()
                    if self._stopping:
                        failures_at_stop += 1
                        if failures_at_stop >= self.stop_attempts:
                            await self._rescue()
                            return
                        # The attempts left at stop come quickly: quitting must not take minutes.
                        await asyncio.sleep(STOP_RETRY)
                    else:
                        await self._backoff(retry)
                    retry = min(retry * 2, RETRY_MAX)
                    continue
                retry = RETRY_START
                self.error = self._notice
        finally:
            if not self._abandoned:
                await self._close_file()

    def _report(self, exc: BaseException, what: str) -> None:
        where = self.path if self.path is not None else self.log_dir
        error = f"{what} ({reason(exc)}): {show(where)}"
        if self._notice:
            error += f"; earlier: {self._notice}"
        # Said once per new error, not once per retry: the backlog and
        # ``error`` show that it goes on.
        new = error != self.error
        (log.warning if new else log.debug)("%s; keeping %d readings, retrying",
                                            error, self.backlog)
        if new and not isinstance(exc, OSError):
            log.debug("unexpected recorder failure", exc_info=exc)
        self.error = error

    async def _backoff(self, seconds: float) -> None:
        """Wait before the next attempt, encoding what arrives meanwhile in small
        slices so no single step holds the loop; a stop cuts the wait short."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(remaining, self.batch_seconds))
            self._wake.clear()
            await self._encode_queue()
            if sum(len(chunk) for chunk, _ in self._pending) > SPILL_BYTES:
                await self._spill()

    async def _encode_queue(self) -> None:
        """Encode the queue once, ``batch_lines`` at a time, yielding between slices.

        Chunk-sized pieces keep rotation precise and bound how long one step holds
        the event loop; encoded chunks are kept until written, never encoded again.
        """
        if not self._queue:
            return
        self._encoding, self._queue = self._queue, []
        self._encoded_upto = 0
        batch, step = self._encoding, self.batch_lines
        try:
            for start in range(0, len(batch), step):
                if start:
                    await asyncio.sleep(0)  # let the engine sample between slices
                piece = batch[start:start + step]
                self._pending.append((self._encode(piece), len(piece)))
                self._pending_count += len(piece)
                self._encoded_upto = start + len(piece)
        finally:
            rest = batch[self._encoded_upto:]
            if rest:  # cancelled mid-way: the rest goes back in front of the queue
                self._queue[:0] = rest
            self._encoding, self._encoded_upto = [], 0

    def _encode(self, piece: Sequence[Reading]) -> bytes:
        try:
            return encode_lines(piece)
        except Exception:  # one odd reading must not cost the others, nor the writer
            return b"".join(_encode_one(r) for r in piece)

    async def _write_pending(self) -> None:
        if self._file is not None:
            await self._check_still_there()
        while self._pending:
            data, count = self._pending[0]
            await self._ensure_file(len(data))
            start = self._size
            try:
                # Unbuffered: each write goes to the OS at once, and a short write
                # (a filling disk) is seen and continued rather than hidden in a buffer.
                view = memoryview(data)
                while view:
                    done = await self._watched(self._file.write(view))
                    if not done:  # a write that takes nothing would otherwise spin forever
                        raise OSError(errno.ENOSPC, "the disk took no bytes")
                    view = view[done:]
            except Exception:
                await self._undo_partial_chunk(start)
                raise
            self._size += len(data)
            self._progress += 1
            self._pending.pop(0)
            self._pending_count -= count
            self.written += count
            assert self.path is not None
            self._counts[self.path] = self._counts.get(self.path, 0) + count

    async def _rescue(self) -> None:
        """Last resort at stop: put the unwritten backlog where it can be written."""
        rest = self._encoding[self._encoded_upto:] + self._queue
        self._encoding, self._encoded_upto, self._queue = [], 0, []
        if rest:
            self._pending.append((self._encode(rest), len(rest)))
            self._pending_count += len(rest)
        if not self._pending:
            return
        count = self._pending_count
        target = await self._save_elsewhere()
        if target is not None:
            self.error = f"{self.error}; the {count:,} unwritten readings were saved to {target}"
        else:
            self.error = (f"{self.error}; {self._pending_count:,} readings could not be saved "
                          f"anywhere")
        log.error("%s", self.error)

    async def _spill(self) -> None:
        """An outage long enough to hold ``SPILL_BYTES``: move the backlog to the
        rescue file now, rather than let memory grow until the process is killed
        and loses all of it. The log goes on where it stopped once it can."""
        count = self._pending_count
        target = await self._save_elsewhere()
        if target is None:
            return  # kept in memory; tried again as the backlog grows
        self._notice = (f"the log could not be written for a long time: {self.rescued:,} "
                        f"readings were saved to {target} instead")
        log.warning("%s (%s more now)", self._notice, f"{count:,}")

    async def _save_elsewhere(self) -> str | None:
        """Write the encoded backlog to the rescue file; its printable path, or None.

        Appended to this run's rescue file if there is one, else a new one in the
        temp folder, then the home folder, then the current folder; each attempt
        in a daemon thread of its own with a deadline, since the log's own I/O
        thread may be the one that hangs.
        """
        def attempt() -> None:
            self._progress += 1  # each place is tried within RESCUE_SECONDS < stop_seconds

        chunks = [chunk for chunk, _ in self._pending]
        target, tried = await save_rescue(chunks, self.stem, self.rescue_path, attempt)
        if target is None:
            log.warning("cannot save the backlog anywhere: %s", "; ".join(tried))
            return None
        self.rescue_path = target
        self.written += self._pending_count
        self.rescued += self._pending_count
        self._pending.clear()
        self._pending_count = 0
        return show(target)


def _encode_one(reading: Reading) -> bytes:
    """One reading the fast encoder refused (a time out of range, an odd value):
    still one valid line, the original kept in the error text, never dropped."""
    try:
        return encode_lines((reading,))
    except Exception as exc:
        original = f"ts={getattr(reading, 'ts', None)!r} value={getattr(reading, 'value', None)!r}"
        text = (f"the recorder could not log this reading as taken ({reason(exc)}; "
                f"{original[:200]}); logged at the time it was written")
        try:
            stand_in = Reading(time.time(), str(getattr(reading, "sensor", "?")), None,
                               str(getattr(reading, "units", "")), Status.ERROR, text)
            return encode_lines((stand_in,))
        except Exception:  # not even its name can be written: still one line for it
            return encode_lines((Reading(time.time(), "?", None, "", Status.ERROR,
                                         "the recorder could not log a reading"),))
