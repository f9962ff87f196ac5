"""Writing one archive safely: a temporary name, fsync, verification, rename, folder fsync.

Until the rename, the archive does not exist under its own name and no reader
takes it; after it, it has been read back and found to hold exactly what the
log held. A crash at any point leaves the log, and at worst a temporary file
that the next compaction removes.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sensortop.archive.rows import LogRows
from sensortop.archive.table import archive_metadata, build_table, sort_order
from sensortop.logs.archive_names import TEMP_MARK, archive_path
from sensortop.review.archive_read import read_columns

ROW_GROUP_ROWS = 128 * 1024
"""Rows per row group: a group spans a few sensors (at 200 sensors x 1 Hz, a 1M-row
file holds ~5,000 readings a sensor), so ``--sensor`` and ``--since`` skip most groups."""
COMPRESSION_LEVEL = 9
_DICTIONARY = ["sensor", "units", "status", "alarm", "error"]


class VerifyError(Exception):
    """The archive read back does not hold what the log held: it is removed, the log kept."""


def stage_hook(stage: str) -> None:
    """Tests pause here to kill a real compaction at each stage (SENSORTOP_TEST_PAUSE)."""
    wanted = os.environ.get("SENSORTOP_TEST_PAUSE")
    if wanted and wanted == stage:
        import signal

        print(f"paused at {stage}", flush=True)
        signal.pause()


def write_archive(log: Path, rows: LogRows, source: dict[str, Any]) -> Path:
    """Write, verify and publish the archive of ``log``; returns its path."""
    final = archive_path(log)
    temp = final.with_name(final.name + f"{TEMP_MARK}{os.getpid()}")
    meta = archive_metadata(rows, source)
    table = build_table(rows, meta)
    try:
        stage_hook("write")
        write_parquet(table, temp)
        # The archive keeps its log's modification time: retention judges the readings' age.
        os.utime(temp, ns=(time.time_ns(), source["mtime_ns"]))
        stage_hook("fsync")
        _fsync(temp)
        stage_hook("verify")
        verify(temp, rows)
        stage_hook("rename")
        os.replace(temp, final)
        _fsync_dir(final.parent)
        stage_hook("renamed")
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return final


def write_parquet(table: pa.Table, path: Path) -> None:
    """The archive layout: zstd, dictionaries, statistics, ``ROW_GROUP_ROWS`` a group."""
    with pq.ParquetWriter(path, table.schema, compression="zstd",
                          compression_level=COMPRESSION_LEVEL, use_dictionary=_DICTIONARY,
                          write_statistics=True) as out:
        for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            out.write_table(table.slice(start, ROW_GROUP_ROWS), row_group_size=ROW_GROUP_ROWS)
            stage_hook("writing")  # a row group is out, the file is not whole yet


def verify(path: Path, rows: LogRows) -> None:
    """Read ``path`` back: every reading's time, value, status, alarm and sensor equal to the
    log's, and per sensor the count, min, max and sum; else ``VerifyError``."""
    cols, meta = read_columns(path)
    order = sort_order(rows)
    if len(cols.ts) != len(rows) or meta["rows"] != len(rows):
        raise VerifyError(f"{path}: {len(cols.ts)} rows read back, the log has {len(rows)}")
    names = np.array(cols.names, dtype=object)[cols.sensor] if len(cols.ts) else []
    expected = np.array(rows.sensors, dtype=object)[rows.sensor[order]] if len(rows) else []
    checks = {
        "sensor": np.array_equal(names, expected),
        "ts": np.array_equal(cols.ts, rows.ts[order]),
        "value": np.array_equal(cols.value, rows.value[order], equal_nan=True),
        "status": np.array_equal(cols.status, rows.status[order]),
        "alarm": np.array_equal(cols.alarm, rows.alarm[order]),
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise VerifyError(f"{path}: {', '.join(bad)} differ from the log's")
    for name, info in meta["sensors"].items():
        mine = cols.value[(names == name) & (cols.status == 0) & ~np.isnan(cols.value)] \
            if info["count"] else np.empty(0)
        if info["count"] and (int(np.count_nonzero(names == name)) != info["count"]
                              or len(mine) != info["valid"]
                              or (len(mine) and (mine.min() != info["min"]
                                                 or mine.max() != info["max"]
                                                 or math.fsum(mine.tolist()) != info["sum"]))):
            raise VerifyError(f"{path}: sensor {name}: counts or range differ from the log's")
    extra = pq.ParquetFile(path).read(columns=["error"]).column("error").to_pylist()
    if extra != [rows.error[i] for i in order.tolist()]:
        raise VerifyError(f"{path}: error texts differ from the log's")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a crash after it must not bring the old name back)."""
    with contextlib.suppress(OSError):  # some file systems refuse fsync on a folder
        _fsync(folder)
