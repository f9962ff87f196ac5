"""Reading a Parquet archive back into the reader's columns, the same as its log gave.

An archive (README "Archives and retention") holds every reading of one log
file, sorted by sensor then time, with the log's line counts, skipped lines and
each sensor's last units and error text in its key-value metadata; so a review
of the archive gives the very summary the log gave. Row groups whose statistics
show they hold none of the wanted sensors, or nothing between ``since`` and
``until``, are never read. pyarrow is imported here only: a review of JSON
Lines alone never loads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sensortop.logs.archive_names import ARCHIVE_VERSION, METADATA_KEY
from sensortop.review.collector import Collector
from sensortop.review.logdata import ALARMS, STATUSES, SkippedLine

_STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}
_ALARM_CODE = {name: code for code, name in enumerate(ALARMS)}
_UNIT_SCALE = {"ms": 1000.0, "us": 1_000_000.0}


class ArchiveError(OSError):
    """A file named like an archive that is not one this version reads."""


@dataclass(slots=True)
class Columns:
    """One archive's readings as the reader holds them (sensor as an index into ``names``)."""

    names: list[str]
    ts: np.ndarray  # float64 epoch seconds, exactly as the log's text gave them
    value: np.ndarray  # float64, NaN for null
    status: np.ndarray  # int8 into STATUSES
    alarm: np.ndarray  # int8 into ALARMS
    sensor: np.ndarray  # int32 into ``names``


def archive_meta(file: pq.ParquetFile, path: Path) -> dict[str, Any]:
    """The archive's own metadata (what its log held); ``ArchiveError`` if it has none."""
    raw = (file.schema_arrow.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ArchiveError(0, "not a sensortop archive (no sensortop metadata)", str(path))
    meta = json.loads(raw)
    if meta.get("version") != ARCHIVE_VERSION:
        raise ArchiveError(0, f"archive version {meta.get('version')!r} is not one this "
                              f"sensortop reads ({ARCHIVE_VERSION})", str(path))
    return meta


def read_columns(path: Path, wanted: set[str] | None = None, since: float | None = None,
                 until: float | None = None) -> tuple[Columns, dict[str, Any]]:
    """The readings of the row groups that may match, and the archive's metadata."""
    try:
        file = pq.ParquetFile(path)
        meta = archive_meta(file, path)
        scale = _UNIT_SCALE[meta["ts_unit"]]
        groups = [i for i in range(file.num_row_groups)
                  if _may_match(file.metadata.row_group(i), wanted, since, until, scale)]
        table = file.read_row_groups(groups, columns=["ts", "sensor", "value", "status",
                                                      "alarm"])
        return _columns(table, scale), meta
    except ArchiveError:
        raise
    except OSError as exc:
        if exc.errno is not None:  # the disk's own error: said as for any file
            raise
        raise ArchiveError(0, f"not a readable sensortop archive ({_short(exc)})",
                           str(path)) from None
    except (pa.ArrowException, KeyError, ValueError, TypeError) as exc:
        raise ArchiveError(0, f"not a readable sensortop archive ({_short(exc)})",
                           str(path)) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def add_archive(path: Path, collector: Collector, wanted: set[str] | None,
                since: float | None, until: float | None) -> None:
    """Merge an archive into ``collector`` as if its log's lines had been parsed."""
    cols, meta = read_columns(path, wanted, since, until)
    for name in meta["sensors"]:  # every id the log held, before any filter
        collector.code(name)
    remap = np.array([collector.code(n) for n in cols.names], dtype=np.int32)
    sensor = remap[cols.sensor] if len(remap) else cols.sensor
    collector.columns.append((cols.ts, cols.value, cols.status, cols.alarm, sensor))
    collector.lines += meta["lines"]
    collector.torn += meta["torn"]
    collector.malformed += meta["malformed"]
    for skip in meta["skipped"]:
        if len(collector.skipped) < 50:
            collector.skipped.append(SkippedLine(path, skip["line"], skip["reason"],
                                                 skip["detail"]))
    for name, info in meta["sensors"].items():  # in the log's line order, the last wins
        code = collector.code(name)
        if info.get("units") is not None:
            collector.units[code] = info["units"]
        if info.get("last_error"):
            collector.errors[code] = info["last_error"]


def _may_match(group: pq.RowGroupMetaData, wanted: set[str] | None, since: float | None,
               until: float | None, scale: float) -> bool:
    """Whether a row group's statistics leave room for a wanted reading."""
    for j in range(group.num_columns):
        column = group.column(j)
        stats = column.statistics
        if stats is None or not stats.has_min_max:
            continue
        if column.path_in_schema == "sensor" and wanted is not None:
            low, high = _text(stats.min_raw), _text(stats.max_raw)
            if not any(low <= name <= high for name in wanted):
                return False
        elif column.path_in_schema == "ts":
            if since is not None and stats.max_raw / scale < since:
                return False
            if until is not None and stats.min_raw / scale > until:
                return False
    return True


def _text(raw: object) -> str:
    return raw.decode("utf-8", "surrogatepass") if isinstance(raw, bytes) else str(raw)


def _columns(table: pa.Table, scale: float) -> Columns:
    sensor = _dictionary(table.column("sensor"))
    ts = table.column("ts").cast(pa.int64()).to_numpy() / scale
    value = table.column("value").to_numpy(zero_copy_only=False).astype(np.float64)
    status = _codes(table.column("status"), _STATUS_CODE, None)
    alarm = _codes(table.column("alarm"), _ALARM_CODE, 0)
    return Columns(sensor.dictionary.to_pylist(), ts, value, status, alarm,
                   sensor.indices.to_numpy().astype(np.int32))


def _dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """One dictionary array for a column read in chunks (each row group has its own)."""
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    combined = column.unify_dictionaries().combine_chunks() if column.num_chunks \
        else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    return combined


def _codes(column: pa.ChunkedArray, codes: dict[str, int], null: int | None) -> np.ndarray:
    """Word column (dictionary or plain text) to int8 codes; nulls become ``null``."""
    array = _dictionary(column)
    words = array.dictionary.to_pylist()
    if null is None and array.null_count:
        raise ValueError("an archive holds a reading with no status")
    table = np.array([codes[w] for w in words] + [null or 0], dtype=np.int8)
    indices = array.indices.fill_null(len(words)).to_numpy()
    return table[indices]
