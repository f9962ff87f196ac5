"""History from the logs: the newest-first reader, History.prepend, the follower
(README "History from the logs" and "sensortop view")."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from sensortop.logs.writer import Recorder
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.review.reader import read_logs
from sensortop.review.recent import Position, read_recent, run_files
from sensortop.review.tail import LogTail
from sensortop.sampling.history import History, values_stats
from sensortop.sampling.logfeed import LogFeed

T0 = 1_790_000_000.0


def reading(i: int, sensor: str = "s1", t0: float = T0) -> Reading:
    """Every 7th read fails, every 11th is in alarm: both paths of the parser get work."""
    if i % 7 == 3:
        return Reading(t0 + i * 0.5, sensor, None, "°C", Status.TIMEOUT, "no answer within 1 s")
    value = 20.0 + math.sin(i / 9.0) * 5 + (i % 5) * 0.01
    alarm = AlarmState.HI if i % 11 == 0 else AlarmState.NORMAL
    return Reading(t0 + i * 0.5, sensor, value, "°C", Status.OK, None, alarm)


async def record(log_dir: Path, readings: list[Reading], rotate_bytes: int = 1 << 30) -> None:
    recorder = Recorder(log_dir, rotate_bytes=rotate_bytes, batch_lines=300)
    await recorder.start()
    for r in readings:
        recorder.put(r)
    await recorder.stop()


async def test_read_recent_gives_the_newest_points_of_the_wanted_sensors(tmp_path: Path) -> None:
    readings = [reading(i, f"s{i % 3}") for i in range(30_000)]
    await record(tmp_path, readings, rotate_bytes=300_000)
    assert len(run_files(tmp_path)) > 3  # across rotated parts
    found = read_recent(tmp_path, {"s1", "s2"}, 500)
    every = read_logs([tmp_path]).series
    assert set(found) == {"s1", "s2"}
    for name in found:
        np.testing.assert_array_equal(found[name].ts, every[name].ts[-500:])
        np.testing.assert_array_equal(found[name].value, every[name].value[-500:])
        np.testing.assert_array_equal(found[name].status, every[name].status[-500:])
        assert found[name].units == "°C"


async def test_read_recent_stops_at_the_horizon_and_before_end(tmp_path: Path) -> None:
    await record(tmp_path, [reading(i) for i in range(2_000)])
    since = T0 + 900 * 0.5
    found = read_recent(tmp_path, None, None, since=since)
    assert found["s1"].ts[0] >= since and found["s1"].ts.size == 1_100
    path = run_files(tmp_path)[-1]
    lines = path.read_bytes().split(b"\n")
    end = sum(len(line) + 1 for line in lines[:1_000])
    before = read_recent(tmp_path, ["s1"], 10_000, end=Position(path, end))
    assert before["s1"].ts[-1] == pytest.approx(T0 + 999 * 0.5)
    assert before["s1"].ts.size == 1_000


async def test_a_torn_last_line_is_left_alone(tmp_path: Path) -> None:
    await record(tmp_path, [reading(i) for i in range(100)])
    path = run_files(tmp_path)[-1]
    with path.open("ab") as f:
        f.write(b'{"ts": "2026-09-21T12:00:00.000Z", "sensor": "s1", "va')
    assert read_recent(tmp_path, ["s1"], 1000)["s1"].ts.size == 100


def test_prepend_keeps_order_and_statistics_equal_to_appending_in_order() -> None:
    rng = np.random.default_rng(7)
    ts = T0 + np.arange(1_000, dtype=float)
    values = rng.normal(50, 3, 1_000)
    values[::13] = np.nan
    whole = History(300)
    for t, v in zip(ts, values, strict=True):
        whole.append(float(t), float(v))
    split = History(300)
    for t, v in zip(ts[900:], values[900:], strict=True):
        split.append(float(t), float(v))
    seen = split.version
    assert split.prepend(ts[:950], values[:950]) == 900  # the 50 held live are not doubled
    np.testing.assert_array_equal(split.snapshot()[0], whole.snapshot()[0])
    np.testing.assert_array_equal(split.snapshot()[1], whole.snapshot()[1])
    a, b = split.running_stats(), whole.running_stats()
    assert (a.count, a.minimum, a.maximum) == (b.count, b.minimum, b.maximum)
    assert a.mean == pytest.approx(b.mean, rel=1e-12) and a.std == pytest.approx(b.std, rel=1e-9)
    assert len(split.window(seen, 300)[0]) == 0  # a view from before reads nothing mixed
    split.append(float(ts[-1] + 1), 1.0)
    assert split.tail(2).tolist() == [whole.tail(1)[0], 1.0]


def test_prepend_into_a_short_ring_keeps_only_real_points() -> None:
    history = History(600)
    history.append(T0 + 100, 5.0)
    history.prepend(T0 + np.arange(3.0), np.array([1.0, np.nan, 3.0]))
    times, values = history.snapshot()
    assert times.tolist() == [T0, T0 + 1, T0 + 2, T0 + 100]
    assert np.isnan(values[1]) and len(history) == 4 and history.kept_at(history.version) == 4
    assert history.running_stats().count == 3


async def test_backfill_fills_the_ring_with_the_recorders_log(tmp_path: Path) -> None:
    await record(tmp_path, [reading(i, f"s{i % 2}") for i in range(5_000)])
    feed = LogFeed(history=600)
    feed.backfill(read_recent(tmp_path, None, 600))
    every = read_logs([tmp_path]).series
    for name in ("s0", "s1"):
        view = feed.sensors[name].view
        times, values = view.snapshot()
        np.testing.assert_array_equal(times, every[name].ts[-600:])
        np.testing.assert_array_equal(values, every[name].value[-600:])
        want = values_stats(every[name].value[-600:])
        got = view.running_stats
        assert (got.count, got.minimum, got.maximum) == (want.count, want.minimum, want.maximum)
        assert got.mean == pytest.approx(want.mean, rel=1e-12)
        assert got.std == pytest.approx(want.std, rel=1e-9)
        assert view.last_reading is not None and view.last_reading.ts == every[name].ts[-1]
        assert view.spec.units == "°C" and view.spec.interval == pytest.approx(1.0)


def test_the_follower_keeps_a_partial_line_until_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "sensortop-20260921-120000.jsonl"
    line = b'{"ts": "2026-09-21T12:00:00.000Z", "sensor": "s1", "value": 1.5, ' \
           b'"units": "V", "status": "ok"}\n'
    path.write_bytes(line)
    tail = LogTail(tmp_path)
    assert tail.start_at_end() == Position(path, len(line))
    with path.open("ab") as f:
        f.write(line[:40])
        f.flush()
        assert tail.poll() == {}
        f.write(line[40:].replace(b"12:00:00", b"12:00:01"))
    assert tail.poll()["s1"].value.tolist() == [1.5]
    assert tail.poll() == {}


def test_the_follower_moves_to_a_new_part_and_skips_a_finished_files_torn_tail(
        tmp_path: Path) -> None:
    first = tmp_path / "sensortop-20260921-120000.jsonl"
    first.write_bytes(b"")
    tail = LogTail(tmp_path)
    tail.start_at_end()
    def line(second: int) -> bytes:
        return (f'{{"ts": "2026-09-21T12:00:{second:02d}.000Z", "sensor": "s1", '
                f'"value": {second}, "units": "V", "status": "ok"}}\n').encode()
    first.write_bytes(line(0) + line(1) + line(2)[:30])  # the recorder died mid-line
    (tmp_path / "sensortop-20260921-120005.jsonl").write_bytes(line(5))  # a new run
    (tmp_path / "sensortop-20260921-120005.1.jsonl").write_bytes(line(6) + line(7)[:9])
    assert tail.poll()["s1"].value.tolist() == [0.0, 1.0, 5.0, 6.0]
    with (tmp_path / "sensortop-20260921-120005.1.jsonl").open("ab") as f:
        f.write(line(7)[9:])
    assert tail.poll()["s1"].value.tolist() == [7.0]


def test_the_follower_survives_deletion_and_a_cut(tmp_path: Path) -> None:
    path = tmp_path / "sensortop-20260921-120000.jsonl"
    def line(second: int) -> bytes:
        return (f'{{"ts": "2026-09-21T12:00:{second:02d}.000Z", "sensor": "s1", '
                f'"value": {second}, "units": "V", "status": "ok"}}\n').encode()
    path.write_bytes(line(0))
    tail = LogTail(tmp_path)
    tail.start_at_end()
    with path.open("ab") as f:
        f.write(line(1) + line(2))
    assert tail.poll()["s1"].value.tolist() == [1.0, 2.0]
    os.truncate(path, len(line(0)) + len(line(1)))  # a half-written chunk cut off...
    assert tail.poll() == {} and tail.note is not None and "cut short" in tail.note
    with path.open("ab") as f:
        f.write(line(2) + line(3))  # ...and written again whole
    assert tail.poll()["s1"].value.tolist() == [3.0]
    path.unlink()
    assert tail.poll() == {}
    (tmp_path / "sensortop-20260921-120000.1.jsonl").write_bytes(line(4))
    assert tail.poll()["s1"].value.tolist() == [4.0]


async def test_a_parquet_archive_is_read_where_its_json_lines_are_gone(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    await record(tmp_path, [reading(i) for i in range(400)])
    jsonl = run_files(tmp_path)[-1]
    logged = read_logs([jsonl]).series["s1"]
    rows = [reading(i) for i in range(400)]
    table = pa.table({
        "ts": pa.array([round(r.ts * 1000) for r in rows], pa.timestamp("ms", tz="UTC")),
        "sensor": [r.sensor for r in rows], "value": [r.value for r in rows],
        "units": [r.units for r in rows], "status": [r.status.value for r in rows],
        "error": [r.error for r in rows],
        "alarm": [None if r.alarm is AlarmState.NORMAL else r.alarm.value for r in rows]})
    archive = jsonl.with_suffix(".parquet")
    pq.write_table(table, archive)
    assert run_files(tmp_path) == [jsonl]  # both there: the JSON Lines are read
    jsonl.unlink()
    assert run_files(tmp_path) == [archive]
    found = read_recent(tmp_path, ["s1"], 300)["s1"]
    np.testing.assert_array_equal(found.ts, logged.ts[-300:])
    np.testing.assert_array_equal(found.value, logged.value[-300:])
    np.testing.assert_array_equal(found.status, logged.status[-300:])
    np.testing.assert_array_equal(found.alarm, logged.alarm[-300:])
