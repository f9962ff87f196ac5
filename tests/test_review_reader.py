"""The log reader and summaries, checked against numpy on generated logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson
import pytest

from sensortop.review.blocks import LogPathError
from sensortop.review.logdata import ALARMS, STATUSES
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise, summarise_series
from sensortop.review.timespec import TimeSpecError, parse_time_spec

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z
SENSORS = {"reactor_temp": "°C", "reactor_press": "bar", "feed_flow": "L/min"}


def iso(ts: float) -> str:
    millis = round(ts * 1000)
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


def make_records(n: int, seed: int = 7, start: float = T0) -> list[dict]:
    """Readings in the contract's shape: some timeouts and errors, some alarms."""
    rng = np.random.default_rng(seed)
    names = list(SENSORS)
    records = []
    for i in range(n):
        sensor = names[i % len(names)]
        ts = start + i * 0.25 + (60.0 if i > n // 2 else 0.0)  # one long gap halfway
        roll = rng.random()
        status = "ok" if roll > 0.05 else ("timeout" if roll > 0.02 else "error")
        rec: dict = {"ts": iso(ts), "sensor": sensor,
                     "value": round(float(rng.normal(100, 5)), 3) if status == "ok" else None,
                     "units": SENSORS[sensor], "status": status}
        if status != "ok":
            rec["error"] = f"{status} #{i}"
        if rec["value"] is not None and rec["value"] > 108:
            rec["alarm"] = "hihi" if rec["value"] > 112 else "hi"
        elif rec["value"] is not None and rec["value"] < 92:
            rec["alarm"] = "lo"
        records.append(rec)
    return records


def write_log(path: Path, records: list[dict], compact: bool = False) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for rec in records:
            line = orjson.dumps(rec).decode() if compact else json.dumps(rec, ensure_ascii=False)
            out.write(line + "\n")
    return path


def expected(records: list[dict], sensor: str) -> dict:
    """Statistics computed independently, straight from the records."""
    mine = [r for r in records if r["sensor"] == sensor]
    ts = np.array([datetime.fromisoformat(r["ts"]).timestamp() for r in mine])
    ok = np.array([r["value"] for r in mine if r["status"] == "ok"], dtype=float)
    alarms = [r.get("alarm", "normal") for r in mine]
    dt = np.diff(ts)
    usual = np.median(dt)
    spent = dict.fromkeys(ALARMS, 0.0)
    for state, step in zip(alarms[:-1], dt, strict=True):
        if step <= 3 * usual:
            spent[state] += step
    return {"count": len(mine), "first": ts[0], "last": ts[-1], "min": ok.min(),
            "max": ok.max(), "mean": ok.mean(), "std": ok.std(ddof=1),
            "status": {s: sum(r["status"] == s for r in mine) for s in STATUSES},
            "alarm": spent, "gaps": int((dt > 3 * usual).sum()), "longest": dt.max()}


@pytest.mark.parametrize("compact", [False, True], ids=["json-dumps", "orjson-dumps"])
def test_summary_matches_numpy_statistics(tmp_path: Path, compact: bool) -> None:
    records = make_records(3000)
    data = read_logs([write_log(tmp_path / "sensortop-20261118-110640.jsonl", records, compact)])
    summaries = {s.sensor: s for s in summarise(data)}
    assert set(summaries) == set(SENSORS)
    for sensor in SENSORS:
        want, got = expected(records, sensor), summaries[sensor]
        assert got.count == want["count"]
        assert got.first == pytest.approx(want["first"])
        assert got.last == pytest.approx(want["last"])
        assert got.min == want["min"] and got.max == want["max"]
        assert got.mean == pytest.approx(want["mean"], rel=1e-12)
        assert got.std == pytest.approx(want["std"], rel=1e-12)
        assert got.statuses == want["status"]
        assert got.alarm_seconds == pytest.approx(want["alarm"])
        assert got.gaps.count == want["gaps"] == 1
        assert got.gaps.longest == pytest.approx(want["longest"])
        assert got.units == SENSORS[sensor]


def test_values_timestamps_and_codes_survive_round_trip(tmp_path: Path) -> None:
    records = make_records(600, seed=3)
    data = read_logs([write_log(tmp_path / "a.jsonl", records)])
    series = data.series["feed_flow"]
    mine = [r for r in records if r["sensor"] == "feed_flow"]
    want_ts = [datetime.fromisoformat(r["ts"]).timestamp() for r in mine]
    assert series.ts.tolist() == pytest.approx(want_ts)
    want_values = np.array([np.nan if r["value"] is None else r["value"] for r in mine])
    np.testing.assert_array_equal(series.value, want_values)
    assert [STATUSES[c] for c in series.status] == [r["status"] for r in mine]
    assert [ALARMS[c] for c in series.alarm] == [r.get("alarm", "normal") for r in mine]


def test_torn_last_line_is_skipped_and_counted(tmp_path: Path) -> None:
    path = write_log(tmp_path / "run.jsonl", make_records(30))
    with path.open("a", encoding="utf-8") as out:
        out.write('{"ts": "2026-11-18T11:07:40.000Z", "sensor": "feed_fl')
    data = read_logs([path])
    assert sum(len(s.ts) for s in data.series.values()) == 30
    assert (data.torn, data.malformed) == (1, 0)
    assert data.skipped[0].line == 31 and data.skipped[0].reason == "torn"


def test_garbage_lines_are_skipped_counted_and_located(tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in make_records(40)]
    lines[5] = "not json at all"
    lines[17] = '{"ts": "yesterday", "sensor": "x", "value": 1, "units": "", "status": "ok"}'
    lines[22] = "1, 2"
    lines[30] = '{"ts": "2026-11-18T11:06:40.000Z", "sensor": "x", "value": "hot", "status": "ok"}'
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = read_logs([path])
    assert (data.torn, data.malformed) == (0, 4)
    assert [s.line for s in data.skipped] == [6, 18, 23, 31]
    assert sum(len(s.ts) for s in data.series.values()) == 36


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in make_records(10)]
    path = tmp_path / "run.jsonl"
    path.write_text("\n\n".join(lines) + "\n\n", encoding="utf-8")
    data = read_logs([path])
    assert data.skipped_total == 0
    assert sum(len(s.ts) for s in data.series.values()) == 10


def test_empty_file_reads_as_no_readings(tmp_path: Path) -> None:
    path = tmp_path / "sensortop-20261118-110640.jsonl"
    path.write_bytes(b"")
    data = read_logs([path])
    assert data.series == {} and data.skipped_total == 0 and data.files == [path]


def test_rotated_parts_are_read_in_run_order(tmp_path: Path) -> None:
    records = make_records(90)
    stem = "sensortop-20261118-110640"
    write_log(tmp_path / f"{stem}.2.jsonl", records[60:])
    write_log(tmp_path / f"{stem}.jsonl", records[:30])
    write_log(tmp_path / f"{stem}.1.jsonl", records[30:60])
    data = read_logs([tmp_path])
    assert [p.name for p in data.files] == [f"{stem}.jsonl", f"{stem}.1.jsonl", f"{stem}.2.jsonl"]
    ts = data.series["reactor_temp"].ts
    assert len(ts) == 30 and (np.diff(ts) > 0).all()


def test_lines_crossing_block_boundaries_are_whole(tmp_path: Path, monkeypatch) -> None:
    import sensortop.review.blocks as blocks

    monkeypatch.setattr(blocks, "BLOCK_SIZE", 1000)
    records = make_records(500)
    data = read_logs([write_log(tmp_path / "a.jsonl", records)])
    assert data.skipped_total == 0
    assert sum(len(s.ts) for s in data.series.values()) == 500


def test_progress_reports_bytes_up_to_total(tmp_path: Path, monkeypatch) -> None:
    import sensortop.review.blocks as blocks

    monkeypatch.setattr(blocks, "BLOCK_SIZE", 4096)
    path = write_log(tmp_path / "a.jsonl", make_records(400))
    calls: list[tuple[int, int]] = []
    read_logs([path], progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert len(calls) > 3
    assert calls[-1] == (size, size)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_sensor_filter_keeps_only_those_sensors(tmp_path: Path) -> None:
    data = read_logs([write_log(tmp_path / "a.jsonl", make_records(60))], sensors=["feed_flow"])
    assert list(data.series) == ["feed_flow"]


def test_absolute_time_filter_keeps_readings_between(tmp_path: Path) -> None:
    records = make_records(400)
    since, until = T0 + 10, T0 + 20
    data = read_logs([write_log(tmp_path / "a.jsonl", records)], since=since, until=until)
    got = np.concatenate([s.ts for s in data.series.values()])
    assert got.min() >= since and got.max() <= until
    assert len(got) == 41  # every 0.25 s, both ends included


def test_relative_time_filter_counts_back_from_now(tmp_path: Path) -> None:
    now = datetime.fromtimestamp(T0 + 100, UTC)
    since = parse_time_spec("30s", now=now)
    assert since == T0 + 70
    data = read_logs([write_log(tmp_path / "a.jsonl", make_records(400))], since=since)
    assert np.concatenate([s.ts for s in data.series.values()]).min() >= T0 + 70


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400),
                                               ("1.5h", 5400), ("45s", 45), ("1w", 604800)])
def test_relative_spans(text: str, seconds: float) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_time_spec(text, now=now) == now.timestamp() - seconds


def test_iso_time_without_zone_is_utc() -> None:
    assert parse_time_spec("2026-11-24T06:00") == datetime(2026, 11, 24, 6, tzinfo=UTC).timestamp()


def test_bad_time_spec_is_a_clear_error() -> None:
    with pytest.raises(TimeSpecError, match="not a time: 'yesterday'"):
        parse_time_spec("yesterday")


def test_missing_path_is_a_path_error(tmp_path: Path) -> None:
    with pytest.raises(LogPathError, match="no such file"):
        read_logs([tmp_path / "nope.jsonl"])


def test_gap_is_found_with_its_time(tmp_path: Path) -> None:
    records = make_records(300)
    data = read_logs([write_log(tmp_path / "a.jsonl", records)])
    gaps = summarise_series(data.series["reactor_temp"]).gaps
    assert gaps.count == 1 and gaps.median_interval == pytest.approx(0.75)
    assert gaps.longest_end - gaps.longest_start == pytest.approx(gaps.longest)
    assert gaps.longest > 60


def test_sensor_with_only_failed_reads_has_no_statistics(tmp_path: Path) -> None:
    records = [{"ts": iso(T0 + i), "sensor": "dead", "value": None, "units": "V",
                "status": "timeout", "error": "no answer"} for i in range(5)]
    s = summarise(read_logs([write_log(tmp_path / "a.jsonl", records)]))[0]
    assert (s.count, s.valid, s.min, s.mean, s.std) == (5, 0, None, None, None)
    assert s.last_error == "no answer" and s.statuses["timeout"] == 5


def test_reader_imports_no_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, sensortop.review.reader, sensortop.review.summary, "
            "sensortop.review.plots, sensortop.cli.review; "
            "sys.exit(1 if 'textual' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_recorder_lines_take_the_fast_path_and_round_trip(tmp_path: Path) -> None:
    from sensortop.logs.format import encode_lines
    from sensortop.model.readings import AlarmState, Reading, Status
    from sensortop.review.fastparse import line_bounds, parse_plain

    rng = np.random.default_rng(11)
    readings = [Reading(T0 + i * 0.1, f"s{i % 3}", float(rng.normal(5, 1)), "°C", Status.OK,
                        alarm=AlarmState.HI if i % 10 == 0 else AlarmState.NORMAL)
                for i in range(300)]
    readings.append(Reading(T0 + 31, "s0", None, "°C", Status.ERROR, error='bad "reply"'))
    block = encode_lines(readings)
    starts, ends = line_bounds(block.rstrip(b"\n"))
    plain = parse_plain(block.rstrip(b"\n"), starts, ends)
    assert plain.rest.sum() == 1  # only the line with an error text leaves the fast path
    path = tmp_path / "sensortop-20261118-110640.jsonl"
    path.write_bytes(block)
    data = read_logs([path])
    s0 = data.series["s0"]
    mine = [r for r in readings if r.sensor == "s0"]
    assert s0.ts.tolist() == pytest.approx([r.ts for r in mine], abs=1e-3)
    np.testing.assert_array_equal(s0.value[:-1], [r.value for r in mine[:-1]])
    assert [ALARMS[c] for c in s0.alarm] == [r.alarm.value for r in mine]
    assert s0.last_error == 'bad "reply"' and STATUSES[s0.status[-1]] == "error"
