"""Compaction (README "Archives and retention"): every reading round-trips through the
archive, the archive gives review the same summary as its log, and only finished logs
are touched."""

from __future__ import annotations

import fcntl
import io
import json
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sensortop.archive.compact import compact
from sensortop.archive.finished import IDLE_SECONDS, finished_logs
from sensortop.archive.retention import Settings
from sensortop.cli.review import run_review
from sensortop.logs.format import format_line
from sensortop.logs.writer import Recorder
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.review.reader import read_logs
from support import wait_until

T0 = 1_795_528_987.512
UNITS = ["°C", "µS/cm", "m³/h", 'in "Hg', "", "bar"]
KEEP = Settings(keep_jsonl_days=None)


def readings(n: int, seed: int = 7, offset: float = 0.0) -> list[Reading]:
    """Every status, alarm state, null values, unicode units, error texts with escapes,
    times out of order within a sensor and several readings at one millisecond."""
    rng = random.Random(seed)
    alarms = list(AlarmState)
    out = []
    for i in range(n):
        status = rng.choice([Status.OK] * 6 + [Status.TIMEOUT, Status.ERROR])
        value = None if status is not Status.OK and rng.random() < 0.7 else \
            rng.choice([rng.uniform(-1e6, 1e6), 0.0, -0.0, 1e-300, 123.456])
        error = None if status is Status.OK else rng.choice(
            ["read timed out", 'bad "reply"\nline 2', "Fehler: Überlauf ✗", "\\ tab\t"])
        ts = T0 + offset + (i // 3) * 0.25 + (0.5 if rng.random() < 0.05 else 0.0)
        out.append(Reading(round(ts, 3), f"s{i % 5}", value, UNITS[i % 5 + (i % 7 == 0)],
                           status, error, alarm=rng.choice(alarms)))
    return out


def old(path: Path, age: float = 2 * IDLE_SECONDS) -> Path:
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def write_log(path: Path, items: list[Reading], extra: bytes = b"") -> Path:
    path.write_bytes(b"".join(format_line(r).encode() for r in items) + extra)
    return old(path)


def expected_rows(items: list[Reading]) -> list[tuple]:
    rows = [(round(r.ts * 1000), r.sensor, r.value, r.units, r.status.value, r.error,
             None if r.alarm is AlarmState.NORMAL else r.alarm.value) for r in items]
    order = sorted(range(len(rows)), key=lambda i: (rows[i][1], rows[i][0]))
    return [rows[i] for i in order]


def archive_rows(path: Path) -> list[tuple]:
    table = pq.read_table(path)
    cols = [table.column(c).to_pylist() for c in
            ("ts", "sensor", "value", "units", "status", "error", "alarm")]
    cols[0] = [round(t.timestamp() * 1000) for t in cols[0]]
    return list(zip(*cols, strict=True))


def test_every_reading_round_trips_with_torn_and_malformed_lines_counted(tmp_path: Path) -> None:
    items = readings(3000)
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", items,
                    b'not json\n{"ts": "2026-11-24T14:03:07.512Z", "sensor": 5}\n{"ts": "2026-1')
    report = compact(tmp_path, KEEP)
    assert not report.problems and len(report.archived) == 1
    archive = report.archived[0][0]
    assert archive == log.with_suffix(".parquet") and log.exists()
    assert archive_rows(archive) == expected_rows(items)
    meta = json.loads(pq.read_schema(archive).metadata[b"sensortop.archive"])
    assert (meta["rows"], meta["torn"], meta["malformed"]) == (3000, 1, 2)
    assert meta["lines"] == 3003 and [s["line"] for s in meta["skipped"]] == [3001, 3002, 3003]
    schema = pq.read_schema(archive)
    assert str(schema.field("ts").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("sensor").type).startswith("dictionary")
    codec = pq.ParquetFile(archive).metadata.row_group(0).column(2).compression
    assert codec == "ZSTD"


def test_lines_in_other_layouts_and_finer_times_round_trip(tmp_path: Path) -> None:
    lines = [
        {"sensor": "a", "ts": "2026-11-24T14:03:07.5+01:00", "value": 1, "status": "ok"},
        {"ts": "2026-11-24T14:03:07.123456Z", "sensor": "a", "value": 2.5, "units": "°C",
         "status": "error", "error": "x"},
        {"ts": "2026-11-24T14:03:08Z", "sensor": "b", "value": None, "status": "timeout",
         "alarm": "lolo"},
    ]
    log = tmp_path / "sensortop-20261124-140307.jsonl"
    log.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    old(log)
    report = compact(tmp_path, KEEP)
    archive = report.archived[0][0]
    table = pq.read_table(archive)
    assert str(table.schema.field("ts").type) == "timestamp[us, tz=UTC]"
    stamps = [t.isoformat() for t in table.column("ts").to_pylist()]
    assert stamps == ["2026-11-24T13:03:07.500000+00:00", "2026-11-24T14:03:07.123456+00:00",
                      "2026-11-24T14:03:08+00:00"]
    assert table.column("units").to_pylist() == [None, "°C", None]
    assert table.column("error").to_pylist() == [None, "x", None]
    assert _review(log) == _review(archive)


def _review(path: Path, *flags: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    sensors = [f for f in flags if not f.startswith("-")] or None
    assert run_review([str(path)], sensors, None, None, False, True, None, stdout=out,
                      stderr=err) == 0, err.getvalue()
    doc = json.loads(out.getvalue())
    del doc["files"], doc["skipped"]["lines"]
    return doc


def test_review_gives_the_same_summary_from_the_log_and_from_its_archive(tmp_path: Path) -> None:
    logs, archives = tmp_path / "logs", tmp_path / "archives"
    logs.mkdir()
    archives.mkdir()
    for k in range(3):  # three parts of a run: the summary spans them all
        part = "" if k == 0 else f".{k}"
        items = readings(2000, seed=k, offset=k * 1000)
        write_log(logs / f"sensortop-20261124-140307{part}.jsonl", items, b'{"ts": 1}\n')
        write_log(archives / f"sensortop-20261124-140307{part}.jsonl", items, b'{"ts": 1}\n')
    report = compact(archives, Settings(keep_jsonl_days=0))
    assert len(report.archived) == 3 and len(report.removed) == 3
    assert sorted(p.suffix for p in archives.iterdir() if not p.name.startswith(".")) == \
        [".parquet"] * 3
    whole = _review(logs)
    assert whole == _review(archives)
    assert whole["sensors"] and whole["skipped"] == {"torn": 0, "malformed": 3}
    assert _review(logs, "s1") == _review(archives, "s1")


def test_a_folder_with_a_log_and_its_archive_reads_each_reading_once(tmp_path: Path) -> None:
    items = readings(500)
    write_log(tmp_path / "sensortop-20261124-140307.jsonl", items)
    compact(tmp_path, KEEP)
    data = read_logs([tmp_path])
    assert [p.suffix for p in data.files] == [".parquet"]
    assert sum(len(s.ts) for s in data.series.values()) == 500


def test_sensor_and_time_filters_skip_row_groups(tmp_path: Path, monkeypatch) -> None:
    from sensortop.archive import writer
    from sensortop.review.archive_read import read_columns

    monkeypatch.setattr(writer, "ROW_GROUP_ROWS", 100)
    items = readings(5000)
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", items)
    archive = compact(tmp_path, KEEP).archived[0][0]
    assert pq.ParquetFile(archive).num_row_groups == 50
    since, until = T0 + 100, T0 + 200
    cols, _ = read_columns(archive, {"s2"}, since, until)
    assert 0 < len(cols.ts) <= 500  # the few groups of 100 that can hold them, not 5000
    for sensors, lo, hi in ((["s2"], since, until), (None, since, None), (["s4"], None, until)):
        a = read_logs([log], sensors, lo, hi)
        b = read_logs([archive], sensors, lo, hi)
        assert a.series.keys() == b.series.keys() and a.lines == b.lines
        for name in a.series:
            sa, sb = a.series[name], b.series[name]
            assert (sa.ts == sb.ts).all() and (sa.status == sb.status).all()
            assert ((sa.value == sb.value) | (sa.value != sa.value)).all()


def test_a_log_being_written_is_never_touched(tmp_path: Path) -> None:
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(50))
    fd = os.open(log, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # what the recorder holds on its open part
    try:
        assert finished_logs(tmp_path, set()) == []
        assert compact(tmp_path, Settings(keep_jsonl_days=0, retain_days=1e-9)).archived == []
        assert log.exists()
    finally:
        os.close(fd)
    fresh = write_log(tmp_path / "sensortop-20261125-000000.jsonl", readings(5))
    os.utime(fresh)  # changed just now: its run may go on
    assert finished_logs(tmp_path, set()) == [log]
    assert finished_logs(tmp_path, {"sensortop-20261124-140307"}) == []


async def test_the_recorder_holds_its_open_part_and_rotated_parts_are_finished(
        tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, rotate_bytes=4096, batch_lines=50)
    await recorder.start()
    try:
        for i in range(200):
            recorder.put(Reading(T0 + i, "s", float(i), "°C", Status.OK))
        await wait_until(lambda: len(recorder.paths) >= 3 and recorder.backlog == 0)
        open_part = recorder.path
        done = finished_logs(tmp_path, set())
        assert open_part not in done and set(done) == set(recorder.paths) - {open_part}
        report = compact(tmp_path, Settings(keep_jsonl_days=0))
        assert len(report.archived) == len(done)
        assert open_part is not None and open_part.exists()
        assert report.removed == [] and all(p.exists() for p in done)  # the run goes on
    finally:
        await recorder.stop()
    assert recorder.lost == 0 and recorder.error is None
    data = read_logs([tmp_path])
    assert len(data.series["s"].ts) == 200
    for part in recorder.paths:  # the run has ended, a while ago
        old(part)
    report = compact(tmp_path, Settings(keep_jsonl_days=0))
    assert not report.problems and len(report.removed) == len(recorder.paths)
    assert all(p.with_suffix(".parquet").exists() and not p.exists() for p in recorder.paths)
    assert len(read_logs([tmp_path]).series["s"].ts) == 200


def test_a_stale_half_archive_is_removed_and_the_pass_redone(tmp_path: Path) -> None:
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(100))
    stale = tmp_path / "sensortop-20261124-140307.parquet.compacting-99999"
    stale.write_bytes(b"PAR1 half")
    report = compact(tmp_path, KEEP)
    assert not stale.exists() and len(report.archived) == 1 and log.exists()
    assert compact(tmp_path, KEEP).archived == []  # done once is done


def test_a_log_changed_after_archiving_is_archived_again_not_removed(tmp_path: Path) -> None:
    log = write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(100))
    compact(tmp_path, KEEP)
    with log.open("ab") as f:
        f.write(format_line(Reading(T0 + 999, "s9", 1.0, "", Status.OK)).encode())
    old(log, 30 * 86_400)
    report = compact(tmp_path, Settings(keep_jsonl_days=0))
    assert len(report.archived) == 1 and not log.exists()
    assert "s9" in read_logs([tmp_path]).series


def test_timestamps_keep_milliseconds_exactly() -> None:
    moment = datetime(2026, 11, 24, 14, 3, 7, 999000, tzinfo=UTC)
    assert round(moment.timestamp() * 1000) % 1000 == 999


@pytest.mark.parametrize("keep", [None, 0.0])
def test_compact_cli_prints_plain_lines_off_a_terminal(tmp_path: Path, keep) -> None:
    from sensortop.cli.compact import run_compact

    write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(100))
    out, err = io.StringIO(), io.StringIO()
    assert run_compact(tmp_path, Settings(keep_jsonl_days=keep), [], False, False, out,
                       err) == 0
    text = err.getvalue()
    assert "compacting sensortop-20261124-140307.jsonl ..." in text
    assert "archived sensortop-20261124-140307.parquet" in text
    assert ("removed sensortop-20261124-140307.jsonl" in text) == (keep == 0.0)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_the_same_selection_from_a_log_and_from_its_archive(
        tmp_path: Path, fmt: str) -> None:
    import pyarrow.csv as pcsv

    items = readings(600)
    logs = tmp_path / "logs"
    logs.mkdir()
    log = write_log(logs / "sensortop-20261124-140307.jsonl", items)
    archive = compact(logs, KEEP).archived[0][0]
    since = datetime.fromtimestamp(T0 + 10, UTC).isoformat()
    got = []
    for source in (log, archive):
        out = tmp_path / f"{source.suffix[1:]}.{fmt}"
        err = io.StringIO()
        assert run_review([str(source)], ["s1", "s3"], since, None, False, False, None,
                          stdout=io.StringIO(), stderr=err, export=(fmt, str(out))) == 0
        table = pq.read_table(out) if fmt == "parquet" else pcsv.read_csv(out)
        got.append(table.to_pylist())
        assert f"exported {len(got[-1]):,} readings" in err.getvalue()
    wanted = [r for r in items if r.sensor in ("s1", "s3") and r.ts >= T0 + 10]
    assert got[0] == got[1] and len(got[0]) == len(wanted)
    if fmt == "csv":
        first = sorted(wanted, key=lambda r: (r.sensor, r.ts))[0]
        text = (tmp_path / "jsonl.csv").read_text(encoding="utf-8").splitlines()
        assert text[0] == '"ts","sensor","value","units","status","error","alarm"'
        assert text[1].startswith(f'"{format_line(first).split(chr(34))[3]}","{first.sensor}",')


def test_a_damaged_or_foreign_parquet_file_is_a_clear_error_not_a_traceback(
        tmp_path: Path) -> None:
    write_log(tmp_path / "sensortop-20261124-140307.jsonl", readings(100))
    archive = compact(tmp_path, Settings(keep_jsonl_days=0)).archived[0][0]
    (tmp_path / "export.parquet").write_bytes(b"not parquet")  # not a run's name: not read
    (tmp_path / "events-20261124-140307.jsonl").write_text('{"alarm": "hi"}\n')  # a journal
    assert _review(tmp_path)["lines"] == 100
    blob = archive.read_bytes()
    for damaged in (blob[: len(blob) // 2], b"PAR1" + bytes(100) + b"PAR1"):
        archive.write_bytes(damaged)
        out, err = io.StringIO(), io.StringIO()
        code = run_review([str(tmp_path)], None, None, None, False, True, None, stdout=out,
                          stderr=err)
        assert code == 1 and "not a readable sensortop archive" in err.getvalue()
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"x": [1]}), plain)
    err = io.StringIO()
    assert run_review([str(plain)], None, None, None, False, True, None,
                      stdout=io.StringIO(), stderr=err) == 1
    assert "not a sensortop archive" in err.getvalue()
