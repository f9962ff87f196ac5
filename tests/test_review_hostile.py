"""``sensortop review`` against odd lines, odd paths and odd options: each is a counted,
located skip or a clear message with the README's exit code, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sensortop.logs.format import encode_lines
from sensortop.model.readings import Reading, Status
from sensortop.review import blocks, lineparse, reader
from sensortop.review.fastparse import line_bounds, parse_plain
from sensortop.review.reader import read_logs
from support import review_captured

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z
GOOD = b'{"ts": "2026-11-18T11:06:40.000Z", "sensor": "s", "value": 1.5, "units": "C", ' \
       b'"status": "ok"}'


def recorder_lines(n: int, sensor: str = "s", units: str = "C") -> list[bytes]:
    readings = [Reading(T0 + i, sensor, float(i), units, Status.OK) for i in range(n)]
    return encode_lines(readings).rstrip(b"\n").split(b"\n")


def review(*paths: str, **options: object) -> tuple[int, str, str]:
    return review_captured(list(paths), T0 + 60, **options)


ODD_LINES = {
    "invalid escape": GOOD.replace(b'"units": "C"', b'"units": "\\q"'),
    "lone surrogate": GOOD.replace(b'"sensor": "s"', b'"sensor": "a\\ud800"'),
    "unescaped quote": GOOD.replace(b'"sensor": "s"', b'"sensor": "a"b"'),
    "year 0000": GOOD.replace(b"2026-11-18", b"0000-11-18"),
    "year 10000": GOOD.replace(b"2026-11-18", b"10000-11-18"),
    "invalid utf-8": GOOD.replace(b'"units": "C"', b'"units": "\xff"'),
    "encoded surrogate": GOOD.replace(b'"units": "C"', b'"units": "\xed\xa0\x80"'),
    "control character": GOOD.replace(b'"units": "C"', b'"units": "\x01"'),
    "infinite value": GOOD.replace(b"1.5", b"1e400"),
    "two values": GOOD.replace(b"1.5", b"1, 2"),
    "quote in value": GOOD.replace(b"1.5", b'1"5"'),
    "array after value": GOOD.replace(b"1.5", b"1, [2]"),
    "backslash in value": GOOD.replace(b"1.5", b"1\\5"),
}


@pytest.mark.parametrize("odd", list(ODD_LINES.values()), ids=list(ODD_LINES))
@pytest.mark.parametrize("among", [0, 100], ids=["alone", "among-100-good-lines"])
def test_odd_line_in_recorder_layout_is_malformed_on_either_path(
        tmp_path: Path, odd: bytes, among: int) -> None:
    """Alone it takes the general path, among many the fast one: counted the same."""
    good = recorder_lines(among)
    lines = [*good[:among // 2], odd, *good[among // 2:]]
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    data = read_logs([path])
    assert (data.malformed, data.torn) == (1, 0)
    assert data.skipped[0].line == among // 2 + 1
    assert sum(len(s.ts) for s in data.series.values()) == among


@pytest.mark.parametrize("odd", list(ODD_LINES.values()), ids=list(ODD_LINES))
def test_fast_path_refuses_what_the_general_path_refuses(odd: bytes) -> None:
    starts, ends = line_bounds(odd)
    assert parse_plain(odd, starts, ends).rest.all()


def test_review_command_survives_an_invalid_escape(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join([*recorder_lines(50), ODD_LINES["invalid escape"]]) + b"\n")
    code, out, err = review(str(path))
    assert code == 0 and "Traceback" not in err
    assert f"{path}:51: malformed: not JSON (invalid escaped sequence" in err
    assert out.splitlines()[1].split()[:3] == ["s", "C", "50"]


def test_torn_line_nul_run_and_long_lines_are_counted_and_located(tmp_path: Path) -> None:
    good = recorder_lines(90)
    big = b'{"ts": "' + b"x" * 1_500_000 + b'"}'  # 1.5 MB: read, and refused by its ts
    huge = b"y" * (lineparse.MAX_LINE_BYTES + 1_000_000)  # over the limit: skipped unread
    nul = b"\x00" * 65536  # what a crashed filesystem leaves where a block was not written
    parts = [*good[:30], big, *good[30:60], nul, *good[60:80], huge, *good[80:]]
    path = tmp_path / "sensortop-20261118-110640.jsonl"
    path.write_bytes(b"\n".join(parts) + b"\n" + good[0][:40])
    data = read_logs([path])
    assert sum(len(s.ts) for s in data.series.values()) == 90
    assert (data.malformed, data.torn, data.lines) == (3, 1, 94)
    where = [(s.line, s.reason) for s in data.skipped]
    assert where == [(31, "malformed"), (62, "malformed"), (83, "malformed"), (94, "torn")]
    assert "line longer than" in data.skipped[2].detail


def test_over_long_line_is_never_held_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 4096)
    monkeypatch.setattr(lineparse, "MAX_LINE_BYTES", 10_000)
    seen: list[int] = []
    parse = reader._parse
    monkeypatch.setattr(reader, "_parse", lambda block: (seen.append(len(block)),
                                                         parse(block))[1])
    path = tmp_path / "run.jsonl"
    good = recorder_lines(3)
    path.write_bytes(good[0] + b"\n" + b"z" * 2_000_000 + b"\n" + good[1] + b"\n" + b"w" * 50_000)
    data = read_logs([path])
    assert max(seen) <= 2 * 4096 + 10_000
    assert [(s.line, s.reason) for s in data.skipped] == [(2, "malformed"), (4, "torn")]
    assert sum(len(s.ts) for s in data.series.values()) == 2


def test_units_are_those_of_the_last_line_whichever_path_reads_it(tmp_path: Path) -> None:
    fast = recorder_lines(60, units="C")
    slow = encode_lines([Reading(T0 + 100, "s", None, "K", Status.ERROR, error="x")])
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(fast[:40]) + b"\n" + slow + b"\n".join(fast[40:]) + b"\n")
    assert read_logs([path]).series["s"].units == "C"  # a fast line is last
    path.write_bytes(b"\n".join(fast) + b"\n" + slow)
    assert read_logs([path]).series["s"].units == "K"  # the slow line is last


def test_whitespace_only_lines_are_blank(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join([GOOD, b"   ", b"\t", GOOD, b""]) + b"\n")
    data = read_logs([path])
    assert (data.lines, data.skipped_total) == (2, 0)


# --- paths ------------------------------------------------------------------------------


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    run = subprocess.run([sys.executable, "-m", "sensortop", "review", str(fifo)],
                         capture_output=True, text=True, timeout=60, check=False,
                         env=os.environ | {"PYTHONPATH": str(Path(reader.__file__).parents[2])})
    assert run.returncode == 2 and "not a regular file or folder" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_is_refused_not_read_forever() -> None:
    code, _, err = review("/dev/zero")
    assert code == 2 and "not a regular file or folder: /dev/zero" in err


def test_empty_file_has_no_readings_and_no_warnings(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"")
    assert review(str(path)) == (0, "no readings\n", "")


def test_file_that_cannot_be_opened_is_a_runtime_failure(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(GOOD + b"\n")

    def refuse(name, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(name))

    monkeypatch.setattr(blocks.os, "open", refuse)  # root ignores chmod, so refuse directly
    code, _, err = review(str(path))
    assert code == 1 and f"cannot read {path}: Permission denied" in err
    assert "Traceback" not in err


def test_thousands_of_rotated_parts_are_read_in_run_order(tmp_path: Path) -> None:
    stem = "sensortop-20261118-110640"
    for part in range(3000):
        name = f"{stem}.jsonl" if part == 0 else f"{stem}.{part}.jsonl"
        reading = Reading(T0 + part, "s", float(part), "C", Status.OK)
        (tmp_path / name).write_bytes(encode_lines([reading]))
    data = read_logs([tmp_path])
    assert len(data.files) == 3000 and data.files[2].name == f"{stem}.2.jsonl"
    assert data.series["s"].value.tolist() == [float(p) for p in range(3000)]


def test_broken_pipe_on_stdout_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(recorder_lines(5000, sensor=f"{'x' * 40}")) + b"\n")
    env = os.environ | {"PYTHONPATH": str(Path(reader.__file__).parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "sensortop", "review", str(path), "--json",
                             "--plot"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # like `| head -c 10`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 1) and "Traceback" not in err


# --- options ----------------------------------------------------------------------------


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "sensortop-20261118-110640.jsonl"
    path.write_bytes(b"\n".join(recorder_lines(40, "reactor_temp")
                                + recorder_lines(40, "coolant_temp")) + b"\n")
    return path


@pytest.mark.parametrize(("since", "message"), [
    ("800000d", "reaches back before the year 1"),
    ("9" * 400 + "s", "reaches back before the year 1"),
    ("1e400s", "not a time"),
    ("nan", "not a time: 'nan'"),
    ("NaN", "not a time"),
    ("inf", "not a time"),
    ("-5m", "has no sign"),
    ("+5m", "has no sign"),
    ("", "not a time: ''"),
    ("garbage", "not a time: 'garbage'"),
    ("10000-01-01", "not a time"),
    ("0000-01-01", "not a time"),
    ("0001-01-01T00:00:00+01:00", "outside the years 1-9999"),
    ("9999-12-31T23:59:59-01:00", "outside the years 1-9999"),
    ("2026-11-24T06:00:00+25:00", "not a time"),
    ("x" * 10_000, "not a time: 'xxxxxxxx"),
], ids=lambda value: repr(value)[:18])
@pytest.mark.parametrize("option", ["since", "until"])
def test_bad_time_is_bad_usage_with_the_reason(log_path: Path, option: str, since: str,
                                               message: str) -> None:
    code, out, err = review(str(log_path), **{option: since})
    assert (code, out) == (2, "") and message in err and "Traceback" not in err
    assert len(err) < 300  # a huge value is quoted cut short


@pytest.mark.parametrize(("since", "count"), [
    ("0001-01-01", 40), ("0001-01-01T00:00:00Z", 40), ("2026-11-18T11:06:40", 40),
    ("2026-11-18T11:07:10", 10), ("9999-12-31", 0), ("700000d", 40), ("30.5s", 10),
])
def test_far_and_zoneless_times_are_accepted(log_path: Path, since: str, count: int) -> None:
    code, out, err = review(str(log_path), since=since, as_json=True,
                            sensors=["reactor_temp"])
    assert code == 0 and "Traceback" not in err
    sensors = json.loads(out)["sensors"]
    assert (sensors[0]["count"] if sensors else 0) == count


def test_unknown_sensor_names_the_known_ids_and_is_bad_usage(log_path: Path) -> None:
    code, out, err = review(str(log_path), sensors=["nosuch"])
    assert (code, out) == (2, "")
    assert "no sensor 'nosuch' in the logs" in err
    assert "2 sensors: coolant_temp, reactor_temp" in err


def test_unknown_sensor_suggests_a_close_id(log_path: Path) -> None:
    code, _, err = review(str(log_path), sensors=["reactor_tmp", "coolant_temp"])
    assert code == 2 and "no sensor 'reactor_tmp' in the logs (did you mean 'reactor_temp'?)" \
        in err


def test_known_sensor_outside_the_window_is_not_an_error(log_path: Path) -> None:
    code, out, err = review(str(log_path), sensors=["reactor_temp"], since="2030-01-01")
    assert code == 0 and out == "no readings\n" and "none of the" in err


def test_sensor_filter_on_logs_without_readings_is_no_readings(tmp_path: Path) -> None:
    code, out, _ = review(str(tmp_path), sensors=["nosuch"])
    assert code == 0 and out == "no readings\n"


def test_many_known_ids_are_listed_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(encode_lines([Reading(T0, f"s{i:03d}", 1.0, "", Status.OK)])
                              for i in range(100)))
    code, _, err = review(str(path), sensors=["nosuch"])
    assert code == 2 and "100 sensors: s000, s001" in err and "and 80 more" in err


def _strict(text: str) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_with_null_values_is_strict_json(tmp_path: Path) -> None:
    lines = [Reading(T0 + i, "dead", None, "V", Status.TIMEOUT, error="no answer")
             for i in range(3)]
    lines += [Reading(T0, "nan", float("nan"), "V", Status.OK),
              Reading(T0, "one", 2.5, "V", Status.OK)]
    path = tmp_path / "run.jsonl"
    path.write_bytes(encode_lines(lines))
    code, out, _ = review(str(path), as_json=True)
    sensors = {s["sensor"]: s for s in _strict(out)["sensors"]}
    assert code == 0
    assert (sensors["dead"]["mean"], sensors["nan"]["min"], sensors["one"]["std"]) == \
        (None, None, None)
    assert sensors["one"]["gaps"]["median_interval_s"] is None


@pytest.mark.parametrize("values", [[2.5], [None, None], [1e308, -1e308, 1.5e308],
                                    [5e-324, 1e-323, 0.0]],
                         ids=["one-reading", "all-null", "near-float-limit", "subnormal"])
def test_plot_draws_odd_series(tmp_path: Path, values: list) -> None:
    readings = [Reading(T0 + i, "s", v, "C", Status.OK) for i, v in enumerate(values)]
    readings += [Reading(T0 + i, "e", None, "C", Status.ERROR, error="x") for i in range(2)]
    path = tmp_path / "run.jsonl"
    path.write_bytes(encode_lines(readings))
    code, out, err = review(str(path), plot=True)
    assert code == 0 and "Traceback" not in err
    assert "s (C)" in out and "e (C): no ok readings" in out
    assert ("s (C) ×1e308" in out) == (values[0] == 1e308)  # scaled, as plotext overflows


def test_escape_sequences_in_a_log_never_reach_the_terminal(tmp_path: Path) -> None:
    readings = [Reading(T0 + i, "\x1b[2Jevil\u202e", 1.0, "\x1b]0;title\x07", Status.OK)
                for i in range(3)]
    path = tmp_path / "run\x1b[31m.jsonl"
    path.write_bytes(encode_lines(readings) + b"garbage\n")
    code, out, err = review(str(path), plot=True)
    assert code == 0
    assert "\x1b" not in out + err and "\u202e" not in out + err and "\x07" not in out
    assert "\\x1b[2Jevil\\u202e" in out and "run\\x1b[31m.jsonl:4: malformed" in err
    code, _, err = review(str(path), sensors=["nosuch"])
    assert code == 2 and "\x1b" not in err and "\\x1b[2Jevil" in err


def test_unreadable_folder_is_a_runtime_failure_not_no_logs(tmp_path: Path, monkeypatch) -> None:
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(blocks.os, "listdir", refuse)  # root ignores chmod, so refuse directly
    code, _, err = review(str(tmp_path))
    assert code == 1 and f"cannot read {tmp_path}: Permission denied" in err


def test_path_errors_carry_filename_and_reason_like_any_oserror(tmp_path: Path) -> None:
    """The review screen shows ``cannot read {filename}: {strerror}`` for any OSError."""
    with pytest.raises(OSError) as caught:
        read_logs(["/dev/zero"])
    assert (caught.value.filename, caught.value.strerror) == \
        ("/dev/zero", "not a regular file or folder")
    with pytest.raises(OSError) as caught:
        read_logs([tmp_path / "nope.jsonl"])
    assert caught.value.filename == str(tmp_path / "nope.jsonl")


def test_chart_over_years_labels_dates_with_the_year() -> None:
    from sensortop.review.plots import time_labels

    _, labels = time_labels(np.array([T0, T0 + 3 * 365 * 86400.0]))
    assert labels[0] == "2026-11-18" and labels[-1] == "2029-11-17"
    _, labels = time_labels(np.array([T0, T0 + 60.0]))
    assert labels[0] == "11:06:40"
