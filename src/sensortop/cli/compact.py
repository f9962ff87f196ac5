"""``sensortop compact [LOGDIR]``: archive finished logs as Parquet and apply retention.

By hand it shows a progress bar on a terminal's stderr (plain lines otherwise)
and names every file it archived or removed. ``record`` and the dashboard run
it in the background as a child process (``--background``: lowest CPU
priority, so sampling never waits for it; ``--json``: a report they read).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from sensortop.archive.compact import Report, compact
from sensortop.archive.finished import IDLE_SECONDS, current_runs, run_files
from sensortop.archive.retention import Settings
from sensortop.cli.progress import ProgressBar
from sensortop.model.specs import MonitorSpec
from sensortop.model.words import count_of


def settings_from(monitor: MonitorSpec, keep_jsonl_days: float | None = None,
                  retain_days: float | None = None, retain_gb: float | None = None,
                  retain_events_days: float | None = None) -> Settings:
    """The config's retention settings, each overridden by its flag where given."""
    return Settings(
        keep_jsonl_days=monitor.keep_jsonl_days if keep_jsonl_days is None else keep_jsonl_days,
        retain_days=monitor.retain_days if retain_days is None else retain_days,
        retain_gb=monitor.retain_gb if retain_gb is None else retain_gb,
        retain_events_days=(monitor.retain_events_days if retain_events_days is None
                            else retain_events_days),
    )


def lower_priority() -> None:
    """Run only when the CPU is otherwise idle (SCHED_IDLE, else nice 19)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def run_compact(folder: Path, settings: Settings, protect: list[str], as_json: bool,
                background: bool, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one pass; returns the exit code (1 if some file could not be handled)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not folder.is_dir():
        print(f"sensortop compact: {folder} is not a folder", file=err)
        return 2
    if background:
        lower_priority()
    bar = _Progress(err, tty=err.isatty()) if not as_json else None
    report = compact(folder, settings, set(protect), progress=bar)
    if bar is not None:
        bar.close()
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False), file=out, flush=True)
    else:
        _print_report(report, err)
        if not report.archived and not report.removed and not report.problems:
            _say_why_not(folder, protect, err)
    return 1 if report.problems else 0


def removed_text(report: Report) -> str:
    """``removed 3 files (1.2 GB): 2 archived logs, 1 past retain_days``; empty if none."""
    if not report.removed:
        return ""
    size = sum(r.size for r in report.removed)
    whys: dict[str, int] = {}
    for r in report.removed:
        whys[r.why] = whys.get(r.why, 0) + 1
    parts = [count_of(n, "archived log") if why == "archived" else f"{n} past {why}"
             for why, n in whys.items()]
    return (f"removed {count_of(len(report.removed), 'file')} ({size / 1e6:,.1f} MB): "
            + ", ".join(parts))


def _print_report(report: Report, err: TextIO) -> None:
    if report.busy:
        print("sensortop compact: another compaction is running in this folder", file=err)
        return
    for archive, before, after in report.archived:
        smaller = f", {before / after:.0f}x smaller" if 0 < after < before else ""
        print(f"archived {archive.name} ({_size(before)} of JSON Lines -> {_size(after)}"
              f"{smaller})", file=err)
    if report.skipped:
        print(f"  {report.skipped:,} torn or malformed line(s) found; counted in the "
              f"archives' metadata", file=err)
    for removal in report.removed:
        print(f"removed {removal.path.name} ({_size(removal.size)}, {removal.why})", file=err)
    for problem in report.problems:
        print(f"sensortop compact: {problem}", file=err)


def _say_why_not(folder: Path, protect: list[str], err: TextIO) -> None:
    """Nothing done: say so, and name the runs left alone as possibly still written."""
    waiting = sorted(current_runs(run_files(folder), set(protect)))
    text = "nothing to compact or remove"
    if waiting:
        text += (f"; left alone as possibly still written (held by a recorder, or changed "
                 f"in the last {IDLE_SECONDS / 60:.0f} minutes): {', '.join(waiting)}")
    print(text, file=err)


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n / 1e3:,.1f} kB"


class _Progress:
    """The bar on a terminal; one line a file otherwise."""

    def __init__(self, stream: TextIO, tty: bool) -> None:
        self.stream, self.tty = stream, tty
        self.bar = ProgressBar(stream, "compacting")
        self.name = ""

    def __call__(self, name: str, done: int, total: int) -> None:
        if self.tty:
            self.bar(done, total, name)
        elif name != self.name:
            self.name = name
            print(f"compacting {name} ...", file=self.stream, flush=True)

    def close(self) -> None:
        self.bar.close()
