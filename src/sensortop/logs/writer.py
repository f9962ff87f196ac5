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
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import logging
import os
import queue
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiofiles

from sensortop.logs.files import new_run_stem, part_path
from sensortop.logs.format import encode_lines
from sensortop.model.readings import Reading, Status

log = logging.getLogger(__name__)

RETRY_START = 0.25
RETRY_MAX = 5.0
STOP_RETRY = 0.2  # between the last attempts once stop() was called
SPILL_BYTES = 256 * 1024 * 1024  # a longer outage moves the backlog to the rescue file
RESCUE_SECONDS = 10.0  # per rescue folder: a hung temp folder must not hold stop() either
SLOW_DISK_SECONDS = 10.0  # a disk call this long is reported while it is still waited for

Opener = Callable[[Path, bool], int]


class NotRegularFile(OSError):
    """A part file's path names a FIFO, device or folder: never write there."""


class _Replaced(Exception):
    """The path of a part we wrote to holds something else now (or nothing)."""

    def __init__(self, path: Path, deleted: bool) -> None:
        super().__init__(str(path))
        self.path = path
        self.deleted = deleted


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


class _DaemonExecutor(concurrent.futures.Executor):
    """One daemon thread for the log's file I/O, in order.

    A write stuck on a hung disk must not keep the process from exiting, as a
    pool thread would (those are joined at interpreter exit).
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="sensortop-recorder-io",
                                            daemon=True)
            self._thread.start()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            if wait:
                self._thread.join()


def _show(path: Path | str | None) -> str:
    """A path as text that is safe to print (a NUL or control character is escaped)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


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
        stop_seconds: float = 20.0,
        opener: Opener | None = None,
    ) -> None:
        """``opener(path, new) -> fd`` opens a part file (tests and benches inject faults)."""
        self.log_dir = Path(log_dir)
        self.rotate_bytes = rotate_bytes
        self.batch_lines = max(1, batch_lines)
        self.batch_seconds = batch_seconds if batch_seconds > 0 else 0.25  # NaN too
        self.stop_attempts = stop_attempts
        self.stop_seconds = stop_seconds
        self.opener = opener or open_part
        self.stem: str | None = None
        self.part = 0
        self.path: Path | None = None
        self.paths: list[Path] = []  # the files that hold this run's readings
        self.written = 0  # readings handed to the OS, in ``paths`` or the rescue file
        self.lost = 0  # readings written to a file that was then deleted or replaced
        self.rescued = 0  # readings in the rescue file, not the log (counted in ``written``)
        self.error: str | None = None
        self.rescue_path: Path | None = None
        self._notice: str | None = None  # a loss already happened: stays in ``error``
        self._counts: dict[Path, int] = {}  # readings per part file
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the open part
        self._queue: list[Reading] = []
        self._encoding: list[Reading] = []  # taken from the queue, not yet encoded
        self._encoded_upto = 0
        self._pending: list[tuple[bytes, int]] = []  # encoded, not yet written
        self._pending_count = 0
        self._file: Any = None
        self._size = 0
        self._io = _DaemonExecutor()
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

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Pick this run's file name and start the writer task.

        The file itself is created with the first chunk, so a failing disk (or a
        path the OS refuses) is reported through ``error`` rather than stopping
        the run from starting.
        """
        def pick() -> str:
            if self.log_dir.is_dir():
                return new_run_stem(self.log_dir)
            return "sensortop-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")

        try:
            self.stem = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(self._io, pick), SLOW_DISK_SECONDS)
        except Exception:  # an odd or hung folder: the first write reports it
            self.stem = "sensortop-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.path = part_path(self.log_dir, self.stem, 0)
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
                          f"({_show(self.path)}); the last chunk may be in the log as well")
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
        error = f"{what} ({_reason(exc)}): {_show(where)}"
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

    async def _in_io(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self._watched(
            asyncio.get_running_loop().run_in_executor(self._io, fn, *args))

    async def _watched(self, awaitable: Any) -> Any:
        """Await one disk call; if it takes ``SLOW_DISK_SECONDS``, say so while waiting on.

        A hung disk (a dead NFS server) raises nothing: without this, the
        backlog would grow with no word in the status line.
        """
        task = asyncio.ensure_future(awaitable)
        try:
            return await asyncio.wait_for(asyncio.shield(task), SLOW_DISK_SECONDS)
        except TimeoutError:
            pass
        message = (f"the disk has not answered for {SLOW_DISK_SECONDS:g} s: "
                   f"{_show(self.path or self.log_dir)}; keeping the readings")
        if self._notice:
            message += f"; earlier: {self._notice}"
        if self.error != message:
            log.warning("%s", message)
        self.error = message
        try:
            return await task
        finally:
            if self.error == message:
                self.error = self._notice

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

    async def _check_still_there(self, writing_on: bool = True) -> None:
        """Once per flush: has the open part been deleted (with its folder, perhaps)?"""
        try:
            links = (await self._in_io(os.fstat, self._file.fileno())).st_nlink
        except OSError:
            return  # the write itself will say what is wrong
        if links == 0 and self.path is not None:
            await self._close_file()
            await self._lose(self.path, deleted=True, writing_on=writing_on)

    async def _final_check(self) -> None:
        """At stop: are the files the summary will name still there?"""
        if self._file is not None:
            await self._check_still_there(writing_on=False)
        await self._lose(None, deleted=True, writing_on=False)

    async def _lose(self, path: Path | None, deleted: bool, writing_on: bool = True) -> None:
        """A part we wrote to is gone or replaced: count what went with it, say so,
        and go on in the next part (in a recreated folder if that went too)."""
        def missing_parts() -> list[Path]:
            return [p for p in self.paths if p != path and not p.exists()]

        gone = ([path] if path is not None else []) + await self._in_io(missing_parts)
        if not gone:
            return
        lost = sum(self._counts.pop(p, 0) for p in gone)
        self.paths = [p for p in self.paths if p not in gone]
        self.written -= lost
        self.lost += lost
        self.part += 1
        self.path = part_path(self.log_dir, self.stem or "sensortop", self.part)
        what = "deleted" if deleted else "replaced by something else"
        names = ", ".join(_show(p) for p in gone)
        self._notice = (f"the log file {names} was {what} while recording: the {lost:,} "
                        f"readings written to it are gone with it")
        if self.lost > lost:
            self._notice += f" ({self.lost:,} lost in all)"
        if writing_on:
            self._notice += f"; writing on in {_show(self.path)}"
        self.error = self._notice
        log.warning("%s", self._notice)

    async def _undo_partial_chunk(self, size: int) -> None:
        """Cut a half-written chunk off, so the retry neither duplicates nor tears lines.

        If even that fails, the run goes on in the next part file; the torn tail
        stays behind as a torn last line, which every reader skips and reports.
        Cut through the open descriptor: the path may name something else by now.
        """
        file = self._file
        if file is None:
            return
        try:
            await self._in_io(os.ftruncate, file.fileno(), size)
        except Exception as exc:
            log.warning("cannot cut the torn chunk off %s (%s); continuing in a new part",
                        _show(self.path), _reason(exc))
            self.part += 1
        await self._close_file()

    async def _ensure_file(self, incoming: int) -> None:
        if self._file is not None and self._size > 0 and self._size + incoming > self.rotate_bytes:
            await self._close_file()
            self.part += 1
        if self._file is not None:
            return
        assert self.stem is not None
        def make_folder() -> bool:
            existed = self.log_dir.is_dir()
            if not existed and self.log_dir.exists():
                raise NotADirectoryError(errno.ENOTDIR, "the log folder is not a folder")
            self.log_dir.mkdir(parents=True, exist_ok=True)
            return existed

        if not await self._in_io(make_folder) and self.paths:
            await self._lose(None, deleted=True)  # the folder went, with the parts in it
        while True:
            path = part_path(self.log_dir, self.stem, self.part)
            reopen = path in self.paths
            try:
                fd = await self._in_io(self.opener, path, not reopen)
                info = await self._in_io(os.fstat, fd)
                if reopen and (info.st_dev, info.st_ino) != self._identity:
                    await self._in_io(os.close, fd)
                    raise _Replaced(path, deleted=False)
            except FileExistsError:  # never append to or clobber another run's file
                if self.part == 0 and not self.paths:
                    self.stem = await self._in_io(new_run_stem, self.log_dir)
                else:
                    self.part += 1
                continue
            except FileNotFoundError:
                if not reopen:
                    raise
                await self._lose(path, deleted=True)
                continue
            except PermissionError:
                if not reopen:
                    raise
                # Our part was made read-only: what it holds is safe; go on in a new part.
                log.warning("cannot reopen %s (permission denied); continuing in a new part",
                            _show(path))
                self.part += 1
                continue
            except _Replaced:
                await self._lose(path, deleted=False)
                continue
            except OSError as exc:
                # A symlink (ELOOP under O_NOFOLLOW), a FIFO (ENXIO) or another odd
                # thing now stands where our part was.
                odd = isinstance(exc, NotRegularFile) or exc.errno in (errno.ELOOP, errno.ENXIO)
                if not (reopen and odd):
                    raise
                await self._lose(path, deleted=False)
                continue
            break
        self._file = await self._watched(
            aiofiles.open(fd, "ab", buffering=0, executor=self._io))
        self._identity = (info.st_dev, info.st_ino)
        self.path = path
        if path not in self.paths:
            self.paths.append(path)
        self._size = info.st_size

    async def _close_file(self) -> None:
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            await self._watched(file.close())
        except Exception as exc:  # the data was flushed already; closing can still fail
            log.warning("closing %s failed: %s", _show(self.path), _reason(exc))

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
        chunks = [chunk for chunk, _ in self._pending]
        name = f"{self.stem or 'sensortop'}-rescued-{int(time.time())}-{os.getpid()}.jsonl"
        tried = []
        places: list[tuple[Callable[[], Any], str, bool]] = []
        if self.rescue_path is not None:
            known = self.rescue_path
            places.append((lambda: known.parent, known.name, True))
        places += [(folder, name, False) for folder in (tempfile.gettempdir, Path.home, Path.cwd)]
        for folder, file_name, append in places:
            self._progress += 1  # each place is tried within RESCUE_SECONDS < stop_seconds
            try:
                target = await _in_daemon_thread(_write_rescue, folder, file_name, chunks, append)
            except Exception as exc:
                tried.append(_reason(exc))
                continue
            self.rescue_path = target
            self.written += self._pending_count
            self.rescued += self._pending_count
            self._pending.clear()
            self._pending_count = 0
            return _show(target)
        log.warning("cannot save the backlog anywhere: %s", "; ".join(tried))
        return None


def _write_rescue(folder: Callable[[], Any], name: str, chunks: list[bytes],
                  append: bool = False) -> Path:
    target = Path(folder()) / name
    fd = open_part(target, new=not append)
    try:
        with open(fd, "wb", buffering=0) as fh:
            start = os.fstat(fd).st_size
            try:
                for chunk in chunks:
                    view = memoryview(chunk)
                    while view:
                        done = fh.write(view)
                        if not done:
                            raise OSError(errno.ENOSPC, "the disk took no bytes")
                        view = view[done:]
                os.fsync(fd)
            except BaseException:
                if append:  # cut our half-written part off what was rescued before
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                raise
    except BaseException:
        if not append:  # a half rescue file would only mislead
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    return target


async def _in_daemon_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` on a fresh daemon thread, giving up after ``RESCUE_SECONDS``."""
    executor = _DaemonExecutor()
    try:
        future = asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        return await asyncio.wait_for(future, RESCUE_SECONDS)
    except TimeoutError:
        raise TimeoutError(f"no answer within {RESCUE_SECONDS:g} s") from None
    finally:
        executor.shutdown(wait=False)


def _encode_one(reading: Reading) -> bytes:
    """One reading the fast encoder refused (a time out of range, an odd value):
    still one valid line, the original kept in the error text, never dropped."""
    try:
        return encode_lines((reading,))
    except Exception as exc:
        original = f"ts={getattr(reading, 'ts', None)!r} value={getattr(reading, 'value', None)!r}"
        text = (f"the recorder could not log this reading as taken ({_reason(exc)}; "
                f"{original[:200]}); logged at the time it was written")
        try:
            stand_in = Reading(time.time(), str(getattr(reading, "sensor", "?")), None,
                               str(getattr(reading, "units", "")), Status.ERROR, text)
            return encode_lines((stand_in,))
        except Exception:  # not even its name can be written: still one line for it
            return encode_lines((Reading(time.time(), "?", None, "", Status.ERROR,
                                         "the recorder could not log a reading"),))
