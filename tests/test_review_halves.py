"""``review`` reads a big log on two cores (a forked child parses the second half) and
gets exactly what one process gets: readings, units, errors, skipped lines and their
line numbers."""

from __future__ import annotations

from pathlib import Path

from sensortop.review import halves
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise
from test_archive_compact import readings, write_log


def test_two_halves_read_like_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(halves, "MIN_BYTES", 0)
    monkeypatch.setattr(halves, "MIN_CPUS", 1)
    forks = []
    real_fork = halves.os.fork
    monkeypatch.setattr(halves.os, "fork", lambda: forks.append(1) or real_fork())
    items = readings(4000)
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", items[:2000],
                    b"garbage one\n\n")
    with log.open("ab") as f:
        f.write(write_log(tmp_path / "x.jsonl", items[2000:]).read_bytes()
                + b'not json two\n{"ts": "torn')
    (tmp_path / "x.jsonl").unlink()
    one = read_logs([log])
    two = read_logs([log], processes=2)
    assert summarise(one) == summarise(two)
    assert (one.lines, one.torn, one.malformed) == (two.lines, two.torn, two.malformed) \
        == (4003, 1, 2)
    assert [(s.line, s.reason) for s in one.skipped] == \
        [(s.line, s.reason) for s in two.skipped] == \
        [(2001, "malformed"), (4003, "malformed"), (4004, "torn")]
    assert one.sensor_ids == two.sensor_ids and forks == [1]
