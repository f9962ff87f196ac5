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

from sensortop.cli.review import parse_window, warn_skipped
from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.alarm_report import kpis_json, report_text
from sensortop.review.blocks import LogPathError
from sensortop.review.journal import read_journal
from sensortop.review.safetext import printable

NAME = "sensortop alarms"


def run_alarms(paths: list[str], since: str | None, until: str | None, as_json: bool,
               log_dir: str | None, *, now: datetime | None = None,
               stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command; returns the exit code. ``now`` fixes the clock for relative times."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    window = parse_window(since, until, now, NAME, err)
    if window is None:
        return 2
    since_ts, until_ts = window
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
    warn_skipped(journal, err, NAME, "journal entries")
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

