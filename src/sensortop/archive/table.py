"""A log's readings as an Arrow table and the archive's metadata.

The table is sorted by sensor, then time (stable: readings stamped alike keep
their line order), so a row group holds few sensors and a narrow time range and
a filtered read skips most of them. ``ts`` is UTC milliseconds (microseconds
only if some line was stamped finer than the log contract's milliseconds, so
nothing is rounded away); ``value`` null where the log said null; ``alarm``
null where the reading was in no alarm, as in the log.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyarrow as pa

from sensortop.archive.rows import LogRows
from sensortop.logs.archive_names import ARCHIVE_VERSION, METADATA_KEY
from sensortop.review.logdata import ALARMS, STATUSES
from sensortop.review.moments import exact_sums, to_text
from sensortop.review.summary import micros

MAX_INTERVALS = 1000
"""Distinct reading intervals per sensor kept in the metadata (for summaries that read no
rows); a sensor with more has none kept, and a summary of it reads its rows."""


def sort_order(rows: LogRows) -> np.ndarray:
    """Row order of the archive: sensor id, then time, then line order."""
    rank = np.empty(len(rows.sensors), dtype=np.int32)
    rank[np.argsort(np.array(rows.sensors, dtype=object), kind="stable")] = \
        np.arange(len(rows.sensors), dtype=np.int32)
    return np.lexsort((rows.ts, rank[rows.sensor])) if len(rows) else np.empty(0, np.int64)


def ts_ticks(ts: np.ndarray) -> tuple[np.ndarray, str]:
    """Epoch seconds as whole milliseconds, or microseconds if some are finer."""
    micros = np.round(ts * 1e6).astype(np.int64)
    if not (micros % 1000).any():
        return micros // 1000, "ms"
    return micros, "us"


def build_table(rows: LogRows, meta: dict[str, Any]) -> pa.Table:
    """The archive's table, in ``sort_order``, with ``meta`` as its metadata."""
    order = sort_order(rows)
    ticks, unit = ts_ticks(rows.ts[order])
    value = rows.value[order]
    error = [rows.error[i] for i in order.tolist()]
    alarm = rows.alarm[order].astype(np.int8)
    unit_codes = rows.units[order]
    null_units = np.array([u is None for u in rows.unit_names] or [False])[unit_codes] \
        if len(unit_codes) else np.zeros(0, bool)
    columns = {
        "ts": pa.array(ticks, pa.timestamp(unit, tz="UTC")),
        "sensor": _dictionary(rows.sensor[order], rows.sensors),
        "value": pa.array(value, pa.float64(), mask=np.isnan(value)),
        "units": _dictionary(unit_codes, [u or "" for u in rows.unit_names], null_units),
        "status": _dictionary(rows.status[order].astype(np.int32), list(STATUSES)),
        "error": pa.array(error, pa.string()),
        "alarm": _dictionary((alarm - 1).astype(np.int32), list(ALARMS[1:]), alarm == 0),
    }
    meta = {**meta, "ts_unit": unit}
    return pa.table(columns).replace_schema_metadata({METADATA_KEY: json.dumps(meta)})


def _dictionary(indices: np.ndarray, words: list[str], null: np.ndarray | None = None
                ) -> pa.DictionaryArray:
    array = pa.array(indices.astype(np.int32), pa.int32(), mask=null)
    return pa.DictionaryArray.from_arrays(array, pa.array(words, pa.string()))


def archive_metadata(rows: LogRows, source: dict[str, Any]) -> dict[str, Any]:
    """What the archive says about its log: counts, skipped lines, a summary per sensor."""
    return {
        "version": ARCHIVE_VERSION,
        "source": source,
        "rows": len(rows),
        "lines": rows.lines,
        "torn": rows.torn,
        "malformed": rows.malformed,
        "skipped": [{"line": s.line, "reason": s.reason, "detail": s.detail}
                    for s in rows.skipped],
        "sensors": sensor_stats(rows),
    }


def sensor_stats(rows: LogRows) -> dict[str, dict[str, Any]]:
    """Per sensor: counts, the ok values' min/max/sum/sum of squares, first/last time,
    readings per status, and the reading intervals (whole ticks) per alarm state."""
    out: dict[str, dict[str, Any]] = {}
    order = sort_order(rows)
    by_name = np.argsort(np.array(rows.sensors, dtype=object), kind="stable")
    rank = np.empty(len(rows.sensors), dtype=np.int64)
    rank[by_name] = np.arange(len(rows.sensors))
    bounds = np.searchsorted(rank[rows.sensor[order]], np.arange(len(rows.sensors) + 1))
    for r, code in enumerate(by_name.tolist()):
        if bounds[r + 1] > bounds[r]:
            out[rows.sensors[code]] = _stats(rows, order[bounds[r]:bounds[r + 1]])
    for name in rows.sensors:
        out.setdefault(name, {"count": 0})
        out[name]["units"] = rows.last_units.get(name)
        out[name]["last_error"] = rows.last_error.get(name)
    return dict(sorted(out.items()))


def _stats(rows: LogRows, pick: np.ndarray) -> dict[str, Any]:
    """One sensor's figures, merged by ``review.archive_summary`` across archives into the
    very summary a full read gives (intervals in whole microseconds, as ``summary`` has them)."""
    ts, value, status, alarm = rows.ts[pick], rows.value[pick], rows.status[pick], \
        rows.alarm[pick]
    good = value[(status == 0) & ~np.isnan(value)]
    stamps = micros(ts)
    steps = np.diff(stamps)
    intervals: dict[str, dict[str, int]] | None = {}
    for state in np.unique(alarm[:-1]).tolist() if len(steps) else []:
        found, counts = np.unique(steps[alarm[:-1] == state], return_counts=True)
        assert intervals is not None
        intervals[ALARMS[state]] = dict(zip(map(str, found.tolist()), counts.tolist(),
                                            strict=True))
    if intervals and sum(len(v) for v in intervals.values()) > MAX_INTERVALS:
        intervals = None
    worst = int(np.argmax(steps)) if len(steps) else None
    s1, s2 = exact_sums(good)
    return {
        "count": len(pick),
        "valid": len(good),
        "min": float(good.min()) if len(good) else None,
        "max": float(good.max()) if len(good) else None,
        "sum": math.fsum(good.tolist()) if len(good) else 0.0,
        "s1": to_text(s1),  # exact sums of the values and their squares: see review.moments
        "s2": to_text(s2),
        "first": float(ts[0]),
        "last": float(ts[-1]),
        "first_us": int(stamps[0]),
        "last_us": int(stamps[-1]),
        "last_alarm": ALARMS[int(alarm[-1])],
        "statuses": {name: int(n) for name, n in
                     zip(STATUSES, np.bincount(status, minlength=len(STATUSES)).tolist(),
                         strict=True)},
        "intervals": intervals,
        "longest": None if worst is None else
        [int(steps[worst]), float(ts[worst]), float(ts[worst + 1])],
    }
