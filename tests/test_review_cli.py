"""``sensortop review`` through ``run_review``: table, JSON, warnings, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from support import review_captured

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z


def line(ts: float, sensor: str, value: float | None, status: str = "ok", **extra: str) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    rec = {"ts": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
           "sensor": sensor, "value": value, "units": "°C", "status": status, **extra}
    return json.dumps(rec, ensure_ascii=False) + "\n"


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    lines = [line(T0 + i, "reactor_temp", 150.0 + i % 5) for i in range(20)]
    lines += [line(T0 + i, "coolant_temp", 25.0, alarm="hi") for i in range(10)]
    lines.append(line(T0 + 30, "coolant_temp", None, "timeout", error="no answer"))
    (tmp_path / "sensortop-20261118-110640.jsonl").write_text("".join(lines), encoding="utf-8")
    return tmp_path


def review(*paths: str, **options: object) -> tuple[int, str, str]:
    return review_captured(list(paths), T0 + 60, **options)


def test_table_has_a_row_per_sensor(log_dir: Path) -> None:
    code, out, err = review(str(log_dir))
    assert code == 0 and err == ""
    rows = out.splitlines()
    assert rows[0].split()[:3] == ["sensor", "units", "count"]
    assert rows[1].split()[:3] == ["coolant_temp", "°C", "11"]
    assert rows[2].split()[:3] == ["reactor_temp", "°C", "20"]
    assert "hi 9.0s" in rows[1]  # 10 readings 1 s apart; the 21 s gap after counts in no state


def test_no_path_reads_the_log_dir(log_dir: Path) -> None:
    code, out, _ = review(log_dir=str(log_dir))
    assert code == 0 and "reactor_temp" in out


def test_json_output_has_the_documented_keys(log_dir: Path) -> None:
    code, out, _ = review(str(log_dir), as_json=True, sensors=["reactor_temp"])
    doc = json.loads(out)
    assert code == 0
    assert set(doc) == {"version", "files", "since", "until", "lines", "skipped", "sensors"}
    (s,) = doc["sensors"]
    assert set(s) == {"sensor", "units", "count", "first", "last", "valid", "min", "max", "mean",
                      "std", "status", "alarm_seconds", "last_error", "gaps"}
    assert s["first"] == "2026-11-18T11:06:40.000Z"
    assert (s["count"], s["min"], s["max"], s["mean"]) == (20, 150.0, 154.0, 152.0)
    assert set(s["gaps"]) == {"median_interval_s", "count", "longest_s", "longest_start",
                              "longest_end"}


def test_relative_since_uses_now(log_dir: Path) -> None:
    code, out, _ = review(str(log_dir), as_json=True, since="45s")  # now is T0 + 60
    counts = {s["sensor"]: s["count"] for s in json.loads(out)["sensors"]}
    assert code == 0 and counts == {"reactor_temp": 5, "coolant_temp": 1}


def test_skipped_lines_are_warned_about_on_stderr(log_dir: Path) -> None:
    path = next(log_dir.glob("*.jsonl"))
    with path.open("a", encoding="utf-8") as out:
        out.write("garbage\n{\"ts\": \"2026-11-1")
    code, out, err = review(str(path))
    assert code == 0 and "reactor_temp" in out
    assert "skipped 2 line(s)" in err and "(1 torn, 1 malformed)" in err
    assert f"{path}:32: malformed" in err and f"{path}:33: torn" in err


def test_plot_draws_a_chart_per_sensor(log_dir: Path) -> None:
    code, out, _ = review(str(log_dir), plot=True)
    assert code == 0
    assert "reactor_temp (°C)" in out and "coolant_temp (°C)" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_bad_since_is_bad_usage(log_dir: Path) -> None:
    code, out, err = review(str(log_dir), since="yesterday")
    assert code == 2 and out == "" and "not a time: 'yesterday'" in err
    assert "Traceback" not in err


def test_since_after_until_is_bad_usage(log_dir: Path) -> None:
    code, _, err = review(str(log_dir), since="1m", until="2m")
    assert code == 2 and "--since is later than --until" in err


def test_missing_path_is_bad_usage(tmp_path: Path) -> None:
    code, _, err = review(str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no such file or folder" in err


def test_no_path_and_no_log_dir_is_bad_usage() -> None:
    code, _, err = review()
    assert code == 2 and "no PATH given" in err


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_file_that_fails_to_read_is_a_runtime_failure() -> None:
    code, _, err = review("/proc/self/mem")  # opens, but reading offset 0 fails with EIO
    assert code == 1 and "cannot read" in err and "Traceback" not in err


def test_empty_folder_prints_no_readings(tmp_path: Path) -> None:
    code, out, err = review(str(tmp_path))
    assert code == 0 and out == "no readings\n" and "no log files found" in err


def test_values_near_the_float_limit_give_finite_statistics_and_strict_json(
        tmp_path: Path) -> None:
    values = [1e308, 1e308, -1e308, 1.5e308]
    (tmp_path / "sensortop-20261118-110640.jsonl").write_text(
        "".join(line(T0 + i, "big", v) for i, v in enumerate(values)), encoding="utf-8")
    code, out, err = review(str(tmp_path), as_json=True)

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    (s,) = json.loads(out, parse_constant=refuse)["sensors"]
    assert code == 0 and err == ""  # no numpy overflow warnings either
    scaled = [v / 1e308 for v in values]
    mean = sum(scaled) / 4
    std = (sum((v - mean) ** 2 for v in scaled) / 3) ** 0.5
    assert s["mean"] == pytest.approx(mean * 1e308) and s["std"] == pytest.approx(std * 1e308)


def test_a_time_window_with_no_readings_says_why(log_dir: Path) -> None:
    code, out, err = review(str(log_dir), since="2030-01-01")
    assert code == 0 and out == "no readings\n"
    assert "none of the 31 line(s) read falls between 2030-01-01T00:00:00.000Z and the end" in err
    assert "(--since is in the future)" in err
