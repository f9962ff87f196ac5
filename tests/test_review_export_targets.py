"""``review --export`` to what is not a plain file (README "sensortop review"): a FIFO
or a device is written through and never replaced by a file of ours; a folder is
refused; a reader that goes away is a clear error, exit 1, not "exported"."""

from __future__ import annotations

import csv
import io
import os
import stat
import threading
from pathlib import Path

from sensortop.cli.review import run_review
from test_archive_compact import readings, write_log


def export_to(folder: Path, output: Path) -> tuple[int, str]:
    err = io.StringIO()
    code = run_review([str(folder)], None, None, None, False, False, None,
                      export=("csv", str(output)), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def read_fifo(path: Path, limit: int | None, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(path, "rb") as fifo:
            into.append(fifo.read() if limit is None else fifo.read(limit))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(200))
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, None, got)
    code, err = export_to(tmp_path, fifo)
    thread.join(30)
    assert code == 0 and "exported 200 readings" in err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # not replaced by a regular file
    rows = list(csv.reader(io.StringIO(got[0].decode())))  # error texts hold newlines
    assert rows[0][:3] == ["ts", "sensor", "value"] and len(rows) == 201
    assert not list(tmp_path.glob("*.partial"))


def test_a_reader_that_goes_away_is_an_error_not_exported(tmp_path: Path) -> None:
    write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(20_000))
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, 10, got)  # reads ten bytes, then closes its end
    code, err = export_to(tmp_path, fifo)
    thread.join(30)
    assert code == 1 and "cannot export to" in err and "exported" not in err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(20))
    code, err = export_to(tmp_path, tmp_path)
    assert code == 1 and "is a folder" in err
