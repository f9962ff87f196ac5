"""``sensortop review --export csv|parquet``: the selected readings, every field, to one file.

Logs are read whole (each line's own units and error text); archives only in
the row groups that can hold the selection. Rows come out as archives hold
them: by sensor, then time. CSV writes ``ts`` in the log's own text
(``2026-11-24T14:03:07.512Z``); Parquet keeps the archive's types.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sensortop.archive.rows import read_rows
from sensortop.archive.table import build_table
from sensortop.logs.archive_names import ARCHIVE_SUFFIX, COLUMNS
from sensortop.review.blocks import log_files

FORMATS = ("csv", "parquet")


def export(paths: Iterable[Path | str], output: Path, fmt: str, sensors: list[str] | None = None,
           since: float | None = None, until: float | None = None) -> int:
    """Write the selection to ``output`` (via a temporary name); returns the readings written."""
    tables = [_select(_table(path, sensors, since, until), sensors, since, until)
              for path in log_files(Path(p) for p in paths)]
    tables = [t for t in tables if t.num_rows]
    schema = pa.schema([("ts", pa.timestamp("us", tz="UTC")), ("sensor", pa.string()),
                        ("value", pa.float64()), ("units", pa.string()),
                        ("status", pa.string()), ("error", pa.string()), ("alarm", pa.string())])
    table = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
    if table.num_rows:
        table = table.sort_by([("sensor", "ascending"), ("ts", "ascending")])
    if fmt == "parquet":
        if all(str(t.schema.field("ts").type).startswith("timestamp[ms") for t in tables):
            table = table.set_column(0, "ts", table.column("ts").cast(pa.timestamp("ms", "UTC")))
        _deliver(output, lambda sink: pq.write_table(table, sink, compression="zstd"))
    else:
        ts = table.column("ts")
        micros = ts.cast(pa.int64())
        if not pc.any(pc.not_equal(pc.subtract(micros, pc.multiply(pc.divide(micros, 1000),
                                                                   1000)), 0)).as_py():
            ts = ts.cast(pa.timestamp("ms", "UTC"))  # the log's own milliseconds
        text = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")
        _deliver(output, lambda sink: pcsv.write_csv(table.set_column(0, "ts", text), sink))
    return table.num_rows


def _table(path: Path, sensors: list[str] | None, since: float | None,
           until: float | None) -> pa.Table:
    if not path.name.endswith(ARCHIVE_SUFFIX):
        return build_table(read_rows(path), {})
    filters = []
    if sensors is not None:
        filters.append(("sensor", "in", list(sensors)))
    return pq.read_table(path, columns=list(COLUMNS), filters=filters or None)


def _select(table: pa.Table, sensors: list[str] | None, since: float | None,
            until: float | None) -> pa.Table:
    keep = None
    scale = 1000.0 if table.schema.field("ts").type.unit == "ms" else 1e6
    ts = pc.divide(table.column("ts").cast(pa.int64()).cast(pa.float64()), scale)  # as review
    if since is not None:
        keep = pc.greater_equal(ts, since)
    if until is not None:
        upto = pc.less_equal(ts, until)
        keep = upto if keep is None else pc.and_(keep, upto)
    if sensors is not None:
        mine = pc.is_in(table.column("sensor").cast(pa.string()), pa.array(sensors, pa.string()))
        keep = mine if keep is None else pc.and_(keep, mine)
    return table if keep is None else table.filter(keep)


def _deliver(output: Path, write: Callable[[BinaryIO], None]) -> None:
    """A regular file (or a new one) is written whole or not at all: a temporary name
    beside it, fsynced, renamed over it. Anything else (``/dev/stdout``, a FIFO, a
    symlink) is written through, never replaced; a folder is refused. Write errors (a
    full disk) propagate."""
    if output.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(output))
    if output.is_symlink() or (output.exists() and not output.is_file()):
        with open(output, "wb") as sink:
            write(sink)
            sink.flush()
        return
    temp = output.with_name(output.name + ".partial")
    try:
        with open(temp, "wb") as sink:
            write(sink)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
