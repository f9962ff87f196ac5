"""``sensortop review``: per-sensor summaries of log files, as a table, charts or JSON.

The command never shows a traceback: a bad ``--since`` or a missing path is
bad usage (exit 2), a file that cannot be read is a runtime failure (exit 1),
and skipped lines are warnings on stderr with their counts and places.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sensortop.cli.progress import ProgressBar
from sensortop.logs.archive_names import ARCHIVE_SUFFIX
from sensortop.review.blocks import LogPathError, log_files
from sensortop.review.formatting import alarm_text, duration, number, short_time
from sensortop.review.logdata import LogData
from sensortop.review.reader import read_logs
from sensortop.review.safetext import printable
from sensortop.review.summary import SensorSummary, summarise
from sensortop.review.timespec import TimeSpecError, parse_time_spec

if TYPE_CHECKING:  # the alarm journal's reader is not needed to review readings
    from sensortop.review.journal import Journal

JSON_VERSION = 1
PROGRESS_MIN_BYTES = 32 << 20  # smaller inputs read too fast for a bar to help
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_review(
    paths: list[str],
    sensors: list[str] | None,
    since: str | None,
    until: str | None,
    plot: bool,
    as_json: bool,
    log_dir: str | None,
    *,
    now: datetime | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    export: tuple[str, str] | None = None,
) -> int:
    """Run the command; returns the exit code. ``now`` fixes the clock for relative times."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    window = parse_window(since, until, now, "sensortop review", err)
    if window is None:
        return 2
    since_ts, until_ts = window
    if not paths:
        if not log_dir:
            print("sensortop review: no PATH given and no log folder configured "
                  "(pass PATH, --log-dir or SENSORTOP_LOG_DIR)", file=err)
            return 2
        paths = [log_dir]
    bar = ProgressBar(err, "reading logs") if _wants_progress(err, paths) else None
    try:
        quick = None
        if not plot and export is None and since_ts is None and until_ts is None:
            quick = _from_metadata(paths, sensors)
        data, summaries = quick or _read(paths, sensors, since_ts, until_ts, bar)
    except LogPathError as exc:
        print(f"sensortop review: {printable(str(exc))}", file=err)
        return 2
    except OSError as exc:
        where = printable(str(exc.filename or ""))
        print(f"sensortop review: cannot read {where}: {exc.strerror or exc}", file=err)
        return 1
    finally:
        if bar is not None:
            bar.close()
    warn_skipped(data, err)
    unknown = sorted(set(sensors or ()) - set(data.sensor_ids))
    if unknown and data.sensor_ids:  # a typo, not an empty window: bad usage
        for name in unknown:
            print(f"sensortop review: no sensor {name!r} in the logs{_did_you_mean(name, data)}",
                  file=err)
        print(f"sensortop review: the logs have {_known_ids(data.sensor_ids)}", file=err)
        return 2
    for missing in sorted(set(sensors or ()) - {s.sensor for s in summaries}):
        print(f"sensortop review: no readings for sensor {missing!r}", file=err)
    if not summaries and data.lines and (since_ts is not None or until_ts is not None):
        now_ts = (now.timestamp() if now else time.time())
        future = " (--since is in the future)" if since_ts is not None and since_ts > now_ts \
            else ""
        print(f"sensortop review: none of the {data.lines} line(s) read falls between "
              f"{_iso(since_ts) or 'the start'} and {_iso(until_ts) or 'the end'}{future}",
              file=err)
    if not data.files and not as_json:
        print("sensortop review: no log files found", file=err)
    if export is not None:
        return _export(paths, sensors, since_ts, until_ts, *export, err)
    try:
        _write_result(out, data, summaries, since_ts, until_ts, plot, as_json)
    except BrokenPipeError:  # ``sensortop review | head``: the reader has all it wanted
        _quiet_stdout(out)
        return 1
    return 0


def _read(paths: list[str], sensors: list[str] | None, since: float | None,
          until: float | None, bar: Callable[[int, int], None] | None
          ) -> tuple[LogData, list[SensorSummary]]:
    data = read_logs(paths, sensors, since, until, progress=bar, processes=2)
    return data, summarise(data)


def _from_metadata(paths: list[str], sensors: list[str] | None
                   ) -> tuple[LogData, list[SensorSummary]] | None:
    """Whole archives, and nothing else: their summaries from metadata, without a row read."""
    files = log_files(Path(p) for p in paths)
    if not files or not all(f.name.endswith(ARCHIVE_SUFFIX) for f in files):
        return None
    from sensortop.review.archive_summary import summarise_archives  # pyarrow: lazily

    return summarise_archives(files, set(sensors) if sensors is not None else None)


def _write_result(out: TextIO, data: LogData, summaries: list[SensorSummary],
                  since_ts: float | None, until_ts: float | None, plot: bool,
                  as_json: bool) -> None:
    if as_json:
        # Strict JSON: a value beyond float range is null, never NaN or Infinity.
        json.dump(_finite_only(review_json(data, summaries, since_ts, until_ts)), out, indent=2,
                  ensure_ascii=False, allow_nan=False)
        out.write("\n")
        out.flush()
        return
    out.write(format_table(summaries))
    if plot and summaries:
        from sensortop.review.plots import render_chart  # plotext loads only for charts

        size = shutil.get_terminal_size((100, 24))
        color = out.isatty()
        for name in (s.sensor for s in summaries):
            chart = render_chart(data.series[name], size.columns, max(size.lines // 2, 12), color)
            out.write("\n" + (chart if color else _ANSI.sub("", chart)) + "\n")
    out.flush()


def _export(paths: list[str], sensors: list[str] | None, since: float | None,
            until: float | None, fmt: str, output: str, err: TextIO) -> int:
    from sensortop.archive.export import export  # pyarrow loads only for an export

    try:
        written = export(paths, Path(output), fmt, sensors, since, until)
    except OSError as exc:
        print(f"sensortop review: cannot export to {printable(output)}: "
              f"{exc.strerror or exc}", file=err)
        return 1
    print(f"exported {written:,} readings to {printable(output)}", file=err)
    return 0


def _quiet_stdout(out: TextIO) -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush cannot fail again."""
    try:
        fileno = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


def review_json(data: LogData, summaries: list[SensorSummary], since: float | None,
                until: float | None) -> dict:
    """The ``--json`` document; its keys are a contract (see docs/readme-review.md)."""
    return {
        "version": JSON_VERSION,
        "files": [str(p) for p in data.files],
        "since": _iso(since),
        "until": _iso(until),
        "lines": data.lines,
        "skipped": {
            "torn": data.torn,
            "malformed": data.malformed,
            "lines": [{"file": str(s.path), "line": s.line, "reason": s.reason,
                       "detail": s.detail} for s in data.skipped],
        },
        "sensors": [
            {
                "sensor": s.sensor,
                "units": s.units,
                "count": s.count,
                "first": _iso(s.first),
                "last": _iso(s.last),
                "valid": s.valid,
                "min": s.min,
                "max": s.max,
                "mean": s.mean,
                "std": s.std,
                "status": s.statuses,
                "alarm_seconds": s.alarm_seconds,
                "last_error": s.last_error,
                "gaps": {
                    "median_interval_s": s.gaps.median_interval,
                    "count": s.gaps.count,
                    "longest_s": s.gaps.longest,
                    "longest_start": _iso(s.gaps.longest_start),
                    "longest_end": _iso(s.gaps.longest_end),
                },
            }
            for s in summaries
        ],
    }


def _did_you_mean(name: str, data: LogData) -> str:
    if len(data.sensor_ids) > 5000:  # difflib is quadratic-ish: not worth a long wait
        return ""
    close = difflib.get_close_matches(name, data.sensor_ids, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_ids(ids: list[str], shown: int = 20) -> str:
    """``3 sensors: a, b, c``, the first ``shown`` of many and how many more."""
    listed = ", ".join(printable(i) for i in ids[:shown])
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return f"{len(ids)} sensor{'s' if len(ids) != 1 else ''}: {listed}{more}"


def _finite_only(doc: object) -> object:
    """``doc`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(doc, float):
        return doc if math.isfinite(doc) else None
    if isinstance(doc, dict):
        return {key: _finite_only(value) for key, value in doc.items()}
    if isinstance(doc, list):
        return [_finite_only(value) for value in doc]
    return doc


def format_table(summaries: list[SensorSummary]) -> str:
    """The per-sensor table: one row each, columns sized to fit their content."""
    if not summaries:
        return "no readings\n"
    head = ["sensor", "units", "count", "first (UTC)", "last (UTC)", "min", "max", "mean",
            "std", "ok/timeout/error", "alarm time", "gaps (longest)"]
    rows = [head]
    for s in summaries:
        rows.append([
            printable(s.sensor), printable(s.units), str(s.count),
            short_time(s.first), short_time(s.last),
            number(s.min), number(s.max), number(s.mean), number(s.std),
            "/".join(str(v) for v in s.statuses.values()),
            alarm_text(s.alarm_seconds),
            f"{s.gaps.count} ({duration(s.gaps.longest)})" if s.gaps.count else "0",
        ])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    numeric = {2, 5, 6, 7, 8}
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in numeric and r is not head else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _iso(ts: float | None) -> str | None:
    """The log's own time format: ISO-8601 UTC with milliseconds and Z."""
    if ts is None:
        return None
    millis = round(ts * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000)) + \
        f".{millis % 1000:03d}Z"


def _wants_progress(err: TextIO, paths: list[str]) -> bool:
    if not (hasattr(err, "isatty") and err.isatty()):
        return False
    total = 0
    for p in map(Path, paths):
        try:
            if p.is_dir():
                total += sum(f.stat().st_size for f in p.glob("*.jsonl") if f.is_file())
            elif p.is_file():
                total += p.stat().st_size
        except OSError:
            continue
    return total >= PROGRESS_MIN_BYTES


def parse_window(since: str | None, until: str | None, now: datetime | None, command: str,
                 err: TextIO) -> tuple[float | None, float | None] | None:
    """``--since`` / ``--until`` as epoch seconds; None, once the reason is on ``err``, for
    bad usage (``alarms`` reads them the same way)."""
    try:
        since_ts = parse_time_spec(since, now) if since is not None else None
        until_ts = parse_time_spec(until, now) if until is not None else None
    except TimeSpecError as exc:
        print(f"{command}: {exc}", file=err)
        return None
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        print(f"{command}: --since is later than --until", file=err)
        return None
    return since_ts, until_ts


def warn_skipped(data: LogData | Journal, err: TextIO, command: str = "sensortop review",
                 what: str = "readings") -> None:
    """The skipped lines' counts and places on stderr (``alarms`` says the same of journals)."""
    if not data.skipped_total:
        return
    print(f"{command}: warning: skipped {data.skipped_total} line(s) that are not "
          f"{what} ({data.torn} torn, {data.malformed} malformed)", file=err)
    for s in data.skipped:
        print(f"  {printable(str(s.path))}:{s.line}: {s.reason}: {printable(s.detail)}",
              file=err)
    if data.skipped_total > len(data.skipped):
        print(f"  ... and {data.skipped_total - len(data.skipped)} more", file=err)
