"""``sensortop alarms``: alarm KPIs from the alarm journals, as text or JSON.

Like ``review``: a bad ``--since`` or a missing path is bad usage (exit 2), a file
that cannot be read a runtime failure (exit 1), skipped lines are warnings on
stderr with their counts and places, never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TextIO

from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.alarm_report import kpis_json, report_text
from sensortop.review.blocks import LogPathError
from sensortop.review.journal import Journal, read_journal
from sensortop.review.safetext import printable
from sensortop.review.timespec import TimeSpecError, parse_time_spec

NAME = "sensortop alarms"


def run_alarms(paths: list[str], since: str | None, until: str | None, as_json: bool,
               log_dir: str | None, *, now: datetime | None = None,
               stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command; returns the exit code. ``now`` fixes the clock for relative times."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        since_ts = parse_time_spec(since, now) if since is not None else None
        until_ts = parse_time_spec(until, now) if until is not None else None
    except TimeSpecError as exc:
        print(f"{NAME}: {exc}", file=err)
        return 2
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        print(f"{NAME}: --since is later than --until", file=err)
        return 2
    if not paths:
        if not log_dir:
            print(f"{NAME}: no PATH given and no log folder configured "
                  "(pass PATH, --log-dir or SENSORTOP_LOG_DIR)", file=err)
            return 2
        paths = [log_dir]
    try:
        journal = read_journal(paths)
    except LogPathError as exc:
        print(f"{NAME}: {printable(str(exc))}", file=err)
        return 2
    except OSError as exc:
        print(f"{NAME}: cannot read {printable(str(exc.filename or ''))}: "
              f"{exc.strerror or exc}", file=err)
        return 1
    _warn_skipped(journal, err)
    if not journal.files:
        print(f"{NAME}: no alarm journals (events-*.jsonl) found", file=err)
    kpis = compute_kpis(journal.entries, since_ts, until_ts)
    try:
        if as_json:
            json.dump(kpis_json(kpis, journal, since_ts, until_ts), out, indent=2,
                      ensure_ascii=False, allow_nan=False)
            out.write("\n")
        else:
            out.write(report_text(kpis))
        out.flush()
    except BrokenPipeError:  # ``sensortop alarms | head``
        return 1
    return 0


def _warn_skipped(journal: Journal, err: TextIO) -> None:
    if not journal.skipped_total:
        return
    print(f"{NAME}: warning: skipped {journal.skipped_total} line(s) that are not journal "
          f"entries ({journal.torn} torn, {journal.malformed} malformed)", file=err)
    for s in journal.skipped:
        print(f"  {printable(str(s.path))}:{s.line}: {s.reason}: {printable(s.detail)}",
              file=err)
    if journal.skipped_total > len(journal.skipped):
        print(f"  ... and {journal.skipped_total - len(journal.skipped)} more", file=err)
