"""The recorder: N readings in, exactly N well-formed lines out, whatever happens."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson

from sensortop.logs.files import expand_log_paths
from sensortop.logs.format import format_line, format_ts
from sensortop.logs.writer import Recorder
from sensortop.model.readings import AlarmState, Reading, Status
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]


def reading(i: int, sensor: str = "s1") -> Reading:
    return Reading(1_764_000_000.0 + i / 1000, sensor, float(i), "°C", Status.OK)


def test_line_matches_the_documented_format_exactly() -> None:
    line = format_line(Reading(1_795_528_987.512, "reactor_temp", 151.2, "°C", Status.OK))
    assert line == ('{"ts": "2026-11-24T14:03:07.512Z", "sensor": "reactor_temp", '
                    '"value": 151.2, "units": "°C", "status": "ok"}\n')


def test_a_time_read_back_from_a_log_line_formats_to_the_same_text() -> None:
    from datetime import datetime

    for ms in range(1000):
        text = f"2026-11-24T14:03:07.{ms:03d}Z"
        assert format_ts(datetime.fromisoformat(text).timestamp()) == text


def test_error_and_alarm_fields_only_where_set() -> None:
    failed = orjson.loads(format_line(
        Reading(0.0, "s", None, "bar", Status.TIMEOUT, "no answer within 1 s")))
    assert failed["value"] is None and failed["status"] == "timeout"
    assert failed["error"] == "no answer within 1 s" and "alarm" not in failed
    alarmed = orjson.loads(format_line(Reading(0.0, "s", 9.0, "", Status.OK,
                                               alarm=AlarmState.HIHI)))
    assert alarmed["alarm"] == "hihi" and "error" not in alarmed


def test_unicode_and_quotes_in_text_stay_valid_json() -> None:
    text = format_line(Reading(0.0, "s", float("nan"), 'µS/cm "raw"', Status.ERROR, "bad\nline"))
    parsed = orjson.loads(text)
    assert parsed["units"] == 'µS/cm "raw"' and parsed["error"] == "bad\nline"
    assert parsed["value"] is None and text.count("\n") == 1


async def test_n_readings_give_n_lines_across_rotation_and_stop(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, rotate_bytes=64 * 1024, batch_lines=500)
    await recorder.start()
    n = 20_000
    for i in range(n):
        recorder.put(reading(i, f"s{i % 7}"))
        if i % 3000 == 0:
            await asyncio.sleep(0)  # let the writer interleave with the producer
    await recorder.stop()
    parts = expand_log_paths([tmp_path])
    assert len(parts) > 3 and parts == recorder.paths
    lines = read_log_lines(parts)
    assert len(lines) == n == recorder.written
    assert [line["value"] for line in lines] == [float(i) for i in range(n)]
    assert all(p.stat().st_size <= 64 * 1024 + 500 * 120 for p in parts)
    assert recorder.backlog == 0


async def test_flushes_within_a_second_without_stop(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    await recorder.start()
    recorder.put(reading(1))
    await wait_until(lambda: recorder.path is not None and recorder.path.exists()
                     and recorder.path.stat().st_size > 0, timeout=5, message="flush")
    assert len(read_log_lines(recorder.paths)) == 1
    await recorder.stop()


async def test_new_run_never_overwrites_an_earlier_file(tmp_path: Path) -> None:
    first = Recorder(tmp_path)
    await first.start()
    first.put(reading(1))
    await first.stop()
    second = Recorder(tmp_path)
    await second.start()
    second.put(reading(2))
    await second.stop()
    assert first.paths[0] != second.paths[0]
    assert [line["value"] for line in read_log_lines(first.paths)] == [1.0]
    assert [line["value"] for line in read_log_lines(second.paths)] == [2.0]


async def test_disk_failure_is_reported_and_nothing_is_lost(tmp_path: Path) -> None:
    blocker = tmp_path / "mnt"
    blocker.write_text("not a folder")  # the log folder cannot be created under a file
    log_dir = blocker / "logs"
    recorder = Recorder(log_dir, batch_seconds=0.05)
    await recorder.start()
    for i in range(100):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.error is not None, message="error reported")
    assert "Not a directory" in recorder.error
    assert recorder.backlog == 100
    for i in range(100, 150):  # sampling goes on meanwhile
        recorder.put(reading(i))
    blocker.unlink()  # the operator fixes the disk
    await wait_until(lambda: recorder.backlog == 0, message="backlog written after recovery")
    assert recorder.error is None
    await recorder.stop()
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(150)]


async def test_unwritable_at_stop_goes_to_a_rescue_file(tmp_path: Path,
                                                        monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "rescue"))
    (tmp_path / "rescue").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    blocker = tmp_path / "mnt"
    blocker.write_text("not a folder")
    recorder = Recorder(blocker / "logs", batch_seconds=0.05, stop_attempts=2)
    await recorder.start()
    for i in range(10):
        recorder.put(reading(i))
    await recorder.stop()
    assert recorder.rescue_path is not None and recorder.rescue_path.parent == tmp_path / "rescue"
    assert len(read_log_lines([recorder.rescue_path])) == 10
    assert "saved to" in (recorder.error or "")


async def test_stop_cuts_a_long_disk_backoff_short(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    from sensortop.logs import writer as recorder_module

    monkeypatch.setattr(recorder_module, "RETRY_START", 3600.0)  # a backoff nobody waits out
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    blocker = tmp_path / "mnt"
    blocker.write_text("not a folder")
    recorder = Recorder(blocker / "logs", batch_seconds=0.05, stop_attempts=2)
    await recorder.start()
    recorder.put(reading(0))
    await wait_until(lambda: recorder.error is not None, message="error reported")
    await asyncio.wait_for(recorder.stop(), 60)  # not the hour of backoff
    assert recorder.rescue_path is not None
    assert len(read_log_lines([recorder.rescue_path])) == 1


async def test_a_lasting_disk_error_is_logged_once_not_per_retry(tmp_path: Path, monkeypatch,
                                                                  caplog) -> None:
    import logging

    from sensortop.logs import writer as recorder_module

    monkeypatch.setattr(recorder_module, "RETRY_START", 0.01)
    monkeypatch.setattr(recorder_module, "RETRY_MAX", 0.01)
    caplog.set_level(logging.DEBUG, logger="sensortop.logs.writer")
    blocker = tmp_path / "mnt"
    blocker.write_text("not a folder")
    recorder = Recorder(blocker / "logs", batch_seconds=0.05)
    await recorder.start()
    recorder.put(reading(0))

    def attempts() -> int:
        return sum("keeping" in r.getMessage() for r in caplog.records)

    await wait_until(lambda: attempts() >= 4, message="several retries")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "Not a directory" in warnings[0].getMessage()
    blocker.unlink()
    await recorder.stop()
    assert len(read_log_lines(recorder.paths)) == 1


def test_sigterm_leaves_a_complete_log(tmp_path: Path) -> None:
    config = tmp_path / "fast.toml"
    config.write_text('[monitor]\nlog_dir = "logs"\n'
                      + "".join(f'[[sensors]]\nid = "s{i}"\ninterval = 0.01\n' for i in range(20)))
    proc = subprocess.Popen([sys.executable, "-m", "sensortop", "record", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert "recording 20 sensors" in first, first
    log_dir = tmp_path / "logs"
    deadline_lines = 0
    while deadline_lines < 2000:  # wait until it has written a good amount, not for a time
        parts = list(log_dir.glob("*.jsonl"))
        deadline_lines = sum(p.read_bytes().count(b"\n") for p in parts)
        if proc.poll() is not None:
            break
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    lines = read_log_lines(log_dir)
    summary = next(line for line in out.splitlines() if "readings in" in line)
    total = int(summary.split()[0].replace(",", ""))
    written = int(summary.split(";")[1].split()[0].replace(",", ""))
    assert total == written == len(lines) >= 2000
    assert {line["sensor"] for line in lines} == {f"s{i}" for i in range(20)}
    assert os.path.getsize(sorted(log_dir.glob("*.jsonl"))[0]) > 0


FULL_DISK_SCRIPT = r"""
import asyncio, resource, signal, sys
from sensortop.model.readings import Reading, Status
from sensortop.logs.writer import Recorder

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a too-large write fails with EFBIG instead
LIMIT = 150_000

async def main():
    recorder = Recorder(sys.argv[1], batch_seconds=0.02, batch_lines=1000)
    await recorder.start()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))   # the disk is nearly full
    for i in range(5000):
        recorder.put(Reading(1_764_000_000.0 + i, "s", float(i), "bar", Status.OK))
        if i % 500 == 0:
            await asyncio.sleep(0.01)
    while recorder.error is None:
        await asyncio.sleep(0.01)
    print("ERROR", recorder.error, "BACKLOG", recorder.backlog, flush=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))    # space is freed
    await recorder.stop()
    print("WRITTEN", recorder.written, "ERROR", recorder.error, flush=True)

asyncio.run(main())
"""


def test_full_disk_mid_chunk_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, str(tmp_path)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr
    assert "File too large" in result.stdout
    backlog = int(result.stdout.split("BACKLOG")[1].split()[0])
    assert backlog > 0
    assert "WRITTEN 5000 ERROR None" in result.stdout
    lines = read_log_lines(tmp_path)  # fails on any torn line
    assert [line["value"] for line in lines] == [float(i) for i in range(5000)]
