"""One compaction pass over a log folder: archive finished logs, drop archived logs past
``keep_jsonl_days``, apply retention (README "Archives and retention").

One pass at a time per folder (an exclusive ``flock`` on ``.sensortop-compact.lock``);
a second one finds it held and does nothing. A log is removed only when its
archive is in place under its own name, verified, and made from the log as it
is now (same size and modification time as recorded in the archive).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from sensortop.archive.finished import current_runs, finished_logs, run_files
from sensortop.archive.retention import DAY, Removal, Settings, plan_retention
from sensortop.archive.rows import read_rows
from sensortop.archive.writer import VerifyError, stage_hook, write_archive
from sensortop.logs.archive_names import METADATA_KEY, TEMP_MARK, archive_path, run_stem

try:
    import fcntl
except ImportError:  # Windows: passes are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".sensortop-compact.lock"

Progress = Callable[[str, int, int], None]
"""Called with (file name, bytes done, bytes in total) as logs are read."""


@dataclass(slots=True)
class Report:
    """What a pass did; ``busy`` when another pass held the folder."""

    archived: list[tuple[Path, int, int]] = field(default_factory=list)  # (archive, in, out)
    removed: list[Removal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # torn or malformed lines found in the logs archived (counted in them)
    busy: bool = False

    def to_json(self) -> dict:
        return {
            "archived": [{"archive": str(p), "log_bytes": a, "archive_bytes": b}
                         for p, a, b in self.archived],
            "removed": [{"path": str(r.path), "bytes": r.size, "why": r.why}
                        for r in self.removed],
            "problems": self.problems, "skipped_lines": self.skipped, "busy": self.busy,
        }


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[bool]:
    """Hold the folder's compaction lock; yields False if another pass holds it."""
    if fcntl is None:  # Windows: passes are not serialised
        yield True
        return
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def compact(folder: Path, settings: Settings, protect: set[str] = frozenset(),  # type: ignore[assignment]
            progress: Progress | None = None, now: float | None = None) -> Report:
    """Run one pass; never raises for one bad file (it is named in ``problems``)."""
    report = Report()
    if not folder.is_dir():
        report.problems.append(f"{folder}: not a folder")
        return report
    with folder_lock(folder) as mine:
        if not mine:
            report.busy = True
            return report
        for stale in folder.glob(f"*{TEMP_MARK}*"):  # a pass that died: its half archive
            with contextlib.suppress(OSError):
                stale.unlink()
        logs = finished_logs(folder, set(protect), now)
        todo = [p for p in logs if not _archived(p)]
        total = sum(_size(p) for p in todo)
        done = [0]

        def step(n: int, name: str) -> None:
            done[0] += n
            if progress is not None:
                progress(name, done[0], total)

        for log in todo:
            try:
                made = _archive_one(log, functools.partial(step, name=log.name))
            except (OSError, VerifyError, ValueError) as exc:
                report.problems.append(f"{log}: {exc}")
            else:
                if made is not None:
                    report.archived.append(made[:3])
                    report.skipped += made[3]
        # A run still going keeps its parts, archived or not, until it ends: its
        # recorder counts a part that vanished as readings lost.
        current = current_runs(run_files(folder), set(protect), now)
        ended = [p for p in logs if run_stem(p) not in current]
        report.removed.extend(_remove(_expired_logs(ended, settings, now), report))
        report.removed.extend(_remove(plan_retention(folder, settings, set(protect), now),
                                      report))
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def source_of(log: Path) -> dict:
    info = log.stat()
    return {"name": log.name, "bytes": info.st_size, "mtime_ns": info.st_mtime_ns}


def _archived(log: Path) -> bool:
    """An archive of ``log`` as it is now stands beside it."""
    archive = archive_path(log)
    if not archive.exists():
        return False
    try:
        raw = (pq.read_schema(archive).metadata or {}).get(METADATA_KEY)
        source = json.loads(raw)["source"] if raw else None
        return source == source_of(log)
    except (OSError, ValueError, KeyError):
        return False


def _archive_one(log: Path, progress: Callable[[int], None]
                 ) -> tuple[Path, int, int, int] | None:
    before = source_of(log)
    stage_hook("read")
    rows = read_rows(log, progress)
    if source_of(log) != before:  # written to after all: leave it for the next pass
        return None
    made = write_archive(log, rows, before)
    return made, before["bytes"], made.stat().st_size, rows.torn + rows.malformed


def _expired_logs(logs: list[Path], settings: Settings, now: float | None) -> list[Removal]:
    """Archived logs older than ``keep_jsonl_days`` (by their last change)."""
    if settings.keep_jsonl_days is None:
        return []
    now = time.time() if now is None else now
    out = []
    for log in logs:
        with contextlib.suppress(OSError):
            info = log.stat()
            if now - info.st_mtime > settings.keep_jsonl_days * DAY and _archived(log):
                out.append(Removal(log, info.st_size, "archived"))
    return out


def _remove(removals: list[Removal], report: Report) -> list[Removal]:
    gone = []
    for removal in removals:
        stage_hook("remove")
        try:
            removal.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            report.problems.append(f"cannot remove {removal.path}: {exc.strerror or exc}")
            continue
        gone.append(removal)
    return gone
