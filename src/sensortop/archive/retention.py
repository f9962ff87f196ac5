"""Which files retention removes: ``[monitor] retain_days``, ``retain_gb`` and
``retain_events_days`` (README "Archives and retention").

Never a file of a current run (``finished.current_runs``): not the caller's
own run, not one a recorder holds, not one changed in the last minutes.
Past ``retain_gb``, the oldest runs' files go first, archives and logs alike.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from sensortop.archive.finished import current_runs, run_files
from sensortop.logs.archive_names import RUN_FILE, run_sort_key, run_stem
from sensortop.logs.files import JOURNAL_NAME

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``[monitor]`` retention fields; None keeps files forever."""

    keep_jsonl_days: float | None = 7.0
    retain_days: float | None = None
    retain_gb: float | None = None
    retain_events_days: float | None = None


@dataclass(frozen=True, slots=True)
class Removal:
    path: Path
    size: int
    why: str  # "archived", "retain_days", "retain_gb", "retain_events_days"


def plan_retention(folder: Path, settings: Settings, protect: set[str],
                   now: float | None = None) -> list[Removal]:
    """The files to remove, oldest first; nothing of a current run."""
    now = time.time() if now is None else now
    files = run_files(folder)
    current = current_runs(files, protect, now)
    sizes: dict[Path, tuple[int, float]] = {}
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            info = path.stat()
            sizes[path] = (info.st_size, info.st_mtime)
    data = sorted((p for p in sizes if RUN_FILE.match(p.name)), key=run_sort_key)
    events = sorted((p for p in sizes if JOURNAL_NAME.match(p.name)), key=lambda p: p.name)
    removable = [p for p in data if run_stem(p) not in current]
    out: list[Removal] = []
    chosen: set[Path] = set()

    def take(path: Path, why: str) -> None:
        if path not in chosen:
            chosen.add(path)
            out.append(Removal(path, sizes[path][0], why))

    if settings.retain_days is not None:
        for path in removable:
            if now - sizes[path][1] > settings.retain_days * DAY:
                take(path, "retain_days")
    if settings.retain_gb is not None:
        total = sum(sizes[p][0] for p in data if p not in chosen)
        cap = settings.retain_gb * 1e9
        for path in removable:
            if total <= cap:
                break
            if path not in chosen:
                total -= sizes[path][0]
                take(path, "retain_gb")
    if settings.retain_events_days is not None:
        for path in events:
            if run_stem(path) not in current and \
                    now - sizes[path][1] > settings.retain_events_days * DAY:
                take(path, "retain_events_days")
    return out
