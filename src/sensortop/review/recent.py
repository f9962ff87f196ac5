"""The newest readings of some sensors, read from the end of a log folder backwards.

Backfill and look-back want a few hundred points per sensor, or one sensor's
last hours, never the whole folder: so the run files are taken newest first,
each from its end in growing blocks of whole lines, and reading stops as soon
as every wanted sensor has its ``count`` points or the blocks are older than
``since``. A block is parsed as ``review`` parses one (``fastparse`` for the
recorder's own layout, ``lineparse`` for the rest, via the ``Collector``). An
unterminated last line is left alone: torn, or still being written (the
follower takes it once its newline is there).

``file_chunks`` is the seam per file format: it yields one file's readings in
chunks, newest chunk first; JSON Lines and Parquet archives (``.parquet``
beside them, the same stem) each have their reader.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensortop.review.collector import Collector
from sensortop.review.fastparse import all_rest, line_bounds, parse_plain
from sensortop.review.logdata import ALARMS, STATUSES, SensorSeries

FIRST_BLOCK = 1 << 20  # bytes read from a file's end first; each further block doubles
MAX_BLOCK = 16 << 20
_FAST_MIN_LINES = 32  # as the reader: fewer lines go the general path
_RUN_FILE = re.compile(r"^sensortop-(\d{8}-\d{6})(?:\.(\d+))?\.(jsonl|parquet)$")

_UNIT_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}

Chunks = Iterator[dict[str, SensorSeries]]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a run file: readings before ``offset`` (a line start) are history,
    those after it are the follower's."""

    path: Path
    offset: int


def run_key(path: Path) -> tuple[str, int] | None:
    """(run stamp, part) of a readings log or archive name; None for any other name."""
    match = _RUN_FILE.match(path.name)
    return (match.group(1), int(match.group(2) or 0)) if match else None


def run_files(log_dir: Path) -> list[Path]:
    """The readings logs in ``log_dir``, oldest first; a part archived as Parquet and
    still present as JSON Lines is read once, from its JSON Lines."""
    chosen: dict[tuple[str, int], Path] = {}
    try:
        entries = list(os.scandir(log_dir))
    except OSError:
        return []
    for entry in entries:
        path = Path(entry.path)
        key = run_key(path)
        if key is None or not entry.is_file():
            continue
        if key not in chosen or path.suffix == ".jsonl":
            chosen[key] = path
    return [chosen[key] for key in sorted(chosen)]


def file_chunks(path: Path, wanted: set[str] | None, end: int | None = None) -> Chunks:
    """One file's readings of ``wanted`` (None: all) sensors, newest chunk first;
    a JSON Lines file only up to byte ``end`` if given."""
    if path.suffix == ".parquet":
        return _parquet_chunks(path, wanted)
    return _jsonl_chunks(path, wanted, end)


def read_recent(
    log_dir: Path,
    wanted: Iterable[str] | None,
    count: int | None,
    since: float | None = None,
    end: Position | None = None,
    files: Callable[[Path], list[Path]] = run_files,
) -> dict[str, SensorSeries]:
    """The newest ``count`` readings (None: all) at or after ``since`` of each wanted
    sensor (None: every sensor found), time-ordered; from before ``end`` if given.

    With ``wanted`` None it stops once every sensor seen so far is full: a sensor
    that logged nothing in that stretch is not looked for further back.
    """
    want = set(wanted) if wanted is not None else None
    found: dict[str, list[SensorSeries]] = {}
    have: dict[str, int] = {}
    paths = files(log_dir)
    if end is not None:
        newest = run_key(end.path)
        paths = [p for p in paths if (run_key(p) or ("", 0)) <= (newest or ("", 0))]
    for path in reversed(paths):
        limit = end.offset if end is not None and path == end.path else None
        try:
            chunks = file_chunks(path, want, limit)
            for chunk in chunks:
                oldest = _take(chunk, since, found, have)
                if _enough(want, have, count) or (since is not None and oldest < since):
                    return _joined(found, count)
        except FileNotFoundError:  # removed meanwhile (compacted, retention)
            continue
    return _joined(found, count)


def _take(chunk: dict[str, SensorSeries], since: float | None,
          found: dict[str, list[SensorSeries]], have: dict[str, int]) -> float:
    """Keep a chunk's series (cut at ``since``); returns the chunk's oldest time."""
    oldest = np.inf
    for name, series in chunk.items():
        if series.ts.size:
            oldest = min(oldest, float(series.ts[0]))
        if since is not None:
            series = _slice(series, series.ts >= since)
        if series.ts.size:
            found.setdefault(name, []).append(series)
            have[name] = have.get(name, 0) + int(series.ts.size)
    return float(oldest)


def _enough(want: set[str] | None, have: dict[str, int], count: int | None) -> bool:
    if count is None:
        return False
    names = want if want is not None else have.keys()
    return bool(names) and all(have.get(name, 0) >= count for name in names)


def _joined(found: dict[str, list[SensorSeries]], count: int | None) -> dict[str, SensorSeries]:
    """Newest-first chunks back in time order, the newest ``count`` of each sensor."""
    out: dict[str, SensorSeries] = {}
    for name, parts in found.items():
        parts = parts[::-1]
        series = SensorSeries(
            sensor=name, units=parts[-1].units,
            ts=np.concatenate([p.ts for p in parts]),
            value=np.concatenate([p.value for p in parts]),
            status=np.concatenate([p.status for p in parts]),
            alarm=np.concatenate([p.alarm for p in parts]),
            last_error=next((p.last_error for p in reversed(parts) if p.last_error), None))
        if len(parts) > 1 and (np.diff(series.ts) < 0).any():
            series = _slice(series, np.argsort(series.ts, kind="stable"))
        if count is not None and series.ts.size > count:
            series = _slice(series, slice(series.ts.size - count, None))
        out[name] = series
    return out


def _slice(series: SensorSeries, pick: np.ndarray | slice) -> SensorSeries:
    return SensorSeries(series.sensor, series.units, series.ts[pick], series.value[pick],
                        series.status[pick], series.alarm[pick], series.last_error)


def parse_block(block: bytes, wanted: set[str] | None,
                path: Path = Path("-")) -> dict[str, SensorSeries]:
    """Whole lines (no last newline) as per-sensor series; lines that are not readings
    are skipped (``review`` reports them; history only shows what is there)."""
    if not block:
        return {}
    starts, ends = line_bounds(block)
    plain = parse_plain(block, starts, ends) if len(starts) >= _FAST_MIN_LINES \
        else all_rest(len(starts))
    collector = Collector()
    collector.add_block(path, block, 1, False, starts, ends, plain)
    return collector.finish([path], wanted, None, None).series


def _jsonl_chunks(path: Path, wanted: set[str] | None, end: int | None) -> Chunks:
    """Blocks of whole lines from ``end`` (else the file's end) back to the start."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        pos = os.fstat(fd).st_size if end is None else end
        size = FIRST_BLOCK
        carry = b""  # the start of a line cut by the previous (later) block's start
        first = True
        while pos > 0:
            start = max(0, pos - size)
            data = os.pread(fd, pos - start, start) + carry
            pos = start
            size = min(size * 2, MAX_BLOCK)
            if first:
                first = False
                cut = data.rfind(b"\n")  # what follows the last newline is not whole yet
                data = data[: cut + 1] if cut >= 0 else b""
            if pos > 0:
                head = data.find(b"\n")
                if head < 0:
                    carry = data
                    continue
                carry, data = data[:head], data[head + 1 :]
            if data.endswith(b"\n"):
                data = data[:-1]
            chunk = parse_block(data, wanted, path)
            if chunk:
                yield chunk
    finally:
        os.close(fd)


def _parquet_chunks(path: Path, wanted: set[str] | None) -> Chunks:
    """An archive's readings (README "Archives": ts UTC ms, sensor, value, units,
    status, error, alarm) as one chunk; nothing if pyarrow is not installed."""
    try:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        return
    columns = ["ts", "sensor", "value", "units", "status", "error", "alarm"]
    filters = [("sensor", "in", sorted(wanted))] if wanted is not None else None
    table = pq.read_table(path, columns=columns, filters=filters)
    if table.num_rows == 0:
        return
    per_second = _UNIT_PER_SECOND.get(getattr(table["ts"].type, "unit", "ms"), 1000.0)
    ts = pc.cast(table["ts"], "int64").to_numpy(zero_copy_only=False) / per_second
    sensors = table["sensor"].to_pylist()
    value = table["value"].to_numpy(zero_copy_only=False).astype(np.float64)
    status_codes = {name: code for code, name in enumerate(STATUSES)}
    alarm_codes = {name: code for code, name in enumerate(ALARMS)}
    status = np.array([status_codes.get(s, 2) for s in table["status"].to_pylist()],
                      dtype=np.int8)
    alarm = np.array([alarm_codes.get(a or "normal", 0) for a in table["alarm"].to_pylist()],
                     dtype=np.int8)
    units, errors = table["units"].to_pylist(), table["error"].to_pylist()
    names = np.array(sensors, dtype=object)
    chunk: dict[str, SensorSeries] = {}
    for name in dict.fromkeys(sensors):
        rows = np.flatnonzero(names == name)
        rows = rows[np.argsort(ts[rows], kind="stable")]
        error = next((errors[i] for i in rows[::-1].tolist() if errors[i]), None)
        chunk[name] = SensorSeries(name, units[int(rows[-1])] or "", ts[rows], value[rows],
                                   status[rows], alarm[rows], error)
    yield chunk
