"""The run's part files: opening, rotating, and noticing what happens to them.

Split from the recorder's queue and flush loop, which only hands this side
encoded chunks. Here a part is created (never over another run's file,
never through a symlink or into a FIFO), rotated past ``rotate_bytes``,
checked once per flush for deletion or replacement (the loss is counted and
reported, and the run writes on into a new part, in a recreated folder if
need be), and every disk call is watched, so a disk that hangs is reported
while it is still waited for.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiofiles

from sensortop.logs.files import new_run_stem, part_path
from sensortop.logs.io_thread import DaemonExecutor
from sensortop.logs.safe_open import NotRegularFile, mark_writing, open_part
from sensortop.logs.wording import reason, show

# The recorder's messages keep the one logger name they always had.
log = logging.getLogger("sensortop.logs.writer")

SLOW_DISK_SECONDS = 10.0  # a disk call this long is reported while it is still waited for

Opener = Callable[[Path, bool], int]


class Replaced(Exception):
    """The path of a part we wrote to holds something else now (or nothing)."""

    def __init__(self, path: Path, deleted: bool) -> None:
        super().__init__(str(path))
        self.path = path
        self.deleted = deleted


class PartFiles:
    """The file side of a ``Recorder``: which part is open, and what became of the others."""

    def __init__(self, log_dir: Path | str, *, rotate_bytes: int, opener: Opener | None) -> None:
        """``opener(path, new) -> fd`` opens a part file (tests and benches inject faults)."""
        self.log_dir = Path(log_dir)
        self.rotate_bytes = rotate_bytes
        self.opener = opener or open_part
        self.stem: str | None = None
        self.part = 0
        self.path: Path | None = None
        self.paths: list[Path] = []  # the files that hold this run's readings
        self.written = 0  # readings handed to the OS, in ``paths`` or the rescue file
        self.lost = 0  # readings written to a file that was then deleted or replaced
        self.error: str | None = None
        self._notice: str | None = None  # a loss already happened: stays in ``error``
        self._counts: dict[Path, int] = {}  # readings per part file
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the open part
        self._file: Any = None
        self._size = 0
        self._io = DaemonExecutor()

    async def _choose_stem(self) -> None:
        """Pick this run's file name; the file itself is created with the first chunk."""
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

    async def _in_io(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one blocking disk call on the log's I/O thread, watched for a hang."""
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
            pass  # still running: say so below, then keep waiting for it
        message = (f"the disk has not answered for {SLOW_DISK_SECONDS:g} s: "
                   f"{show(self.path or self.log_dir)}; keeping the readings")
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
        names = ", ".join(show(p) for p in gone)
        self._notice = (f"the log file {names} was {what} while recording: the {lost:,} "
                        f"readings written to it are gone with it")
        if self.lost > lost:
            self._notice += f" ({self.lost:,} lost in all)"
        if writing_on:
            self._notice += f"; writing on in {show(self.path)}"
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
                        show(self.path), reason(exc))
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
                    raise Replaced(path, deleted=False)
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
                            show(path))
                self.part += 1
                continue
            except Replaced:
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
        await self._in_io(mark_writing, fd)
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
            log.warning("closing %s failed: %s", show(self.path), reason(exc))
