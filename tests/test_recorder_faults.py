"""The recorder under faults nobody planned for: odd paths, vanished folders,
replaced files, hung disks, long outages. Nothing accepted is ever lost unsaid."""

from __future__ import annotations

import asyncio
import errno
import io
import itertools
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from sensortop.config.loader import make_sensor
from sensortop.logs import parts as parts_module
from sensortop.logs import writer as recorder_module
from sensortop.logs.safe_open import open_part
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status
from sensortop.model.specs import Config, MonitorSpec
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]


def reading(i: int, sensor: str = "s1") -> Reading:
    return Reading(1_764_000_000.0 + i / 1000, sensor, float(i), "bar", Status.OK)


@pytest.fixture
def rescue_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder, where rescue files go, redirected into the test's folder."""
    folder = tmp_path / "rescue"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(folder))
    return folder


# -- 9.2: an exception nobody foresaw ----------------------------------------------------

async def test_a_nul_byte_in_log_dir_is_reported_retried_and_rescued(
        tmp_path: Path, rescue_dir: Path) -> None:
    recorder = Recorder(tmp_path / "a\x00b", batch_seconds=0.02, stop_attempts=2)
    await recorder.start()
    for i in range(30):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.error is not None, message="error reported")
    assert "embedded null byte" in recorder.error
    assert "\x00" not in recorder.error  # printable: the NUL is shown escaped
    assert recorder.backlog == 30
    await recorder.stop()
    assert recorder.rescue_path is not None and recorder.rescue_path.parent == rescue_dir
    assert [line["value"] for line in read_log_lines([recorder.rescue_path])] == \
        [float(i) for i in range(30)]
    assert f"saved to {recorder.rescue_path}" in (recorder.error or "")
    assert recorder.written == 30 and recorder.backlog == 0


async def test_record_with_a_nul_in_log_dir_exits_1_with_every_reading_rescued(
        tmp_path: Path, rescue_dir: Path) -> None:
    from sensortop.cli.record import record

    config = Config(None, MonitorSpec(), [make_sensor({"id": "a", "interval": 0.01})])
    out = io.StringIO()
    code = await record(config, tmp_path / "x\x00y", duration=0.5, out=out)
    text = out.getvalue()
    assert code == 1, text
    assert "embedded null byte" in text and "Traceback" not in text
    rescued = list(rescue_dir.glob("*-rescued-*.jsonl"))
    assert len(rescued) == 1 and f"saved to {rescued[0]}" in text
    total = int(next(ln for ln in text.splitlines() if "readings in" in ln).split()[0]
                .replace(",", ""))
    assert total > 0 and len(read_log_lines(rescued)) == total


async def test_an_unforeseen_exception_in_the_writer_is_retried_not_fatal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_START", 0.01)
    calls = []

    def flaky(path: Path, new: bool) -> int:
        calls.append(path)
        if len(calls) <= 2:
            raise RuntimeError("a driver bug")
        return open_part(path, new)

    recorder = Recorder(tmp_path, batch_seconds=0.02, opener=flaky)
    await recorder.start()
    for i in range(50):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.error is not None, message="error reported")
    assert "RuntimeError: a driver bug" in recorder.error
    await wait_until(lambda: recorder.backlog == 0, message="written after the fault")
    assert recorder.error is None
    await recorder.stop()
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(50)]


async def test_rescue_falls_back_to_the_current_folder_when_temp_and_home_fail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "no" / "such"))

    def no_home() -> Path:
        raise RuntimeError("no home directory")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    recorder = Recorder(tmp_path / "a\x00b", batch_seconds=0.02, stop_attempts=1)
    await recorder.start()
    for i in range(5):
        recorder.put(reading(i))
    await recorder.stop()
    assert recorder.rescue_path is not None and recorder.rescue_path.parent == here
    assert len(read_log_lines([recorder.rescue_path])) == 5
    assert str(recorder.rescue_path) in (recorder.error or "")


async def test_an_unencodable_reading_becomes_an_error_line_and_costs_no_other(
        tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    await recorder.start()
    recorder.put(reading(0))
    recorder.put(Reading(float("nan"), "s1", 5.0, "bar", Status.OK))  # a time out of range
    recorder.put(reading(2))
    await recorder.stop()
    lines = read_log_lines(recorder.paths)
    assert [line["value"] for line in lines] == [0.0, None, 2.0]
    assert lines[1]["status"] == "error" and "value=5.0" in lines[1]["error"]
    assert recorder.error is None


# -- 9.3: the folder or the file vanishes under the recorder ------------------------------

async def test_a_deleted_log_folder_is_noticed_recreated_and_written_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sensortop.logs.writer")
    log_dir = tmp_path / "logs"
    recorder = Recorder(log_dir, batch_seconds=0.02)
    await recorder.start()
    for i in range(100):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.written == 100, message="first chunk written")
    first = recorder.path
    shutil.rmtree(log_dir)
    for i in range(100, 250):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.backlog == 0 and recorder.lost == 100,
                     message="written on after the deletion")
    assert recorder.error is not None and "deleted" in recorder.error
    assert "100 readings written to it are gone" in recorder.error
    assert any("deleted" in r.getMessage() for r in caplog.records)
    for i in range(250, 300):
        recorder.put(reading(i))
    await recorder.stop()
    assert recorder.path != first and recorder.paths == [recorder.path]
    assert recorder.path.parent == log_dir and log_dir.is_dir()
    # every reading after the deletion, once, in order; the summary's count matches
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(100, 300)]
    assert recorder.written == 200
    assert "deleted" in (recorder.error or "")  # stays: `record` must not report success


def _fail_next_write(recorder: Recorder) -> None:
    """The open part's next write fails as a full disk would."""
    file = recorder._file

    async def full(data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    file.write = full


@pytest.mark.parametrize("replacement", ["deleted", "symlink", "fifo"])
async def test_a_part_replaced_while_closed_is_never_written_through(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacement: str) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_START", 3600.0)  # retried only at stop
    log_dir = tmp_path / "logs"
    recorder = Recorder(log_dir, batch_seconds=0.02)
    await recorder.start()
    for i in range(10):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.written == 10, message="first chunk written")
    first = recorder.path
    assert first is not None
    _fail_next_write(recorder)
    for i in range(10, 20):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.error is not None, message="write failure reported")
    first.unlink()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    if replacement == "symlink":
        first.symlink_to(victim)
    elif replacement == "fifo":
        os.mkfifo(first)
    await asyncio.wait_for(recorder.stop(), 60)  # a FIFO must not block the open
    assert victim.read_text() == "precious\n"
    assert recorder.lost == 10 and recorder.path != first
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(10, 20)]
    assert ("deleted" if replacement == "deleted" else "replaced") in (recorder.error or "")
    assert recorder.rescue_path is None


# -- 9.11: a long outage costs no sampling time ---------------------------------------------

async def test_a_failing_disk_never_encodes_a_reading_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_START", 0.01)
    monkeypatch.setattr(recorder_module, "RETRY_MAX", 0.02)
    encoded: list[int] = []
    real_encode = recorder_module.encode_lines

    def counting(readings):  # type: ignore[no-untyped-def]
        encoded.append(len(readings))
        return real_encode(readings)

    monkeypatch.setattr(recorder_module, "encode_lines", counting)
    failing = True
    attempts = []

    def opener(path: Path, new: bool) -> int:
        attempts.append(path)
        if failing:
            raise OSError(errno.ENOSPC, "No space left on device")
        return open_part(path, new)

    recorder = Recorder(tmp_path, batch_lines=100, batch_seconds=0.01, opener=opener)
    await recorder.start()
    for i in range(5000):
        recorder.put(reading(i))
        if i % 250 == 0:
            await asyncio.sleep(0.005)
    await wait_until(lambda: len(attempts) >= 10, message="many failed attempts")
    failing = False
    await wait_until(lambda: recorder.backlog == 0, message="written after the outage")
    await recorder.stop()
    assert sum(encoded) == 5000  # each reading encoded exactly once, across every retry
    assert max(encoded) <= 100  # in slices of at most batch_lines
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(5000)]


async def test_a_large_backlog_is_encoded_with_the_loop_free_between_slices(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_encode = recorder_module.encode_lines

    def noting(readings):  # type: ignore[no-untyped-def]
        events.append("encode")
        return real_encode(readings)

    monkeypatch.setattr(recorder_module, "encode_lines", noting)
    recorder = Recorder(tmp_path, batch_lines=100, batch_seconds=3600)
    for i in range(2000):  # queued before the writer starts: one backlog of 20 slices
        recorder.put(reading(i))
    done = False

    async def ticker() -> None:
        while not done:
            events.append("tick")
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    await recorder.start()
    await wait_until(lambda: events.count("encode") >= 20, message="every slice encoded")
    done = True
    await ticking
    await recorder.stop()
    first, last = events.index("encode"), len(events) - events[::-1].index("encode")
    between = events[first:last]
    # no two slices back to back: the engine gets the loop after every slice
    assert all(not (a == b == "encode") for a, b in itertools.pairwise(between))
    assert len(read_log_lines(recorder.paths)) == 2000


# -- a disk that hangs -----------------------------------------------------------------------

async def test_stop_gives_up_on_a_hung_disk_and_rescues_everything(
        tmp_path: Path, rescue_dir: Path) -> None:
    read_end, write_end = os.pipe()  # nobody reads: writes block once the pipe is full

    def hung(path: Path, new: bool) -> int:
        return os.dup(write_end)

    recorder = Recorder(tmp_path, batch_seconds=0.02, stop_seconds=0.5, opener=hung)
    try:
        await recorder.start()
        for i in range(3000):  # ~250 KB: far more than a pipe holds
            recorder.put(reading(i))
        await asyncio.wait_for(recorder.stop(), 30)
        assert recorder.rescue_path is not None and recorder.rescue_path.parent == rescue_dir
        assert "did not answer within 0.5 s" in (recorder.error or "")
        values = [line["value"] for line in read_log_lines([recorder.rescue_path])]
        # from the chunk the disk hung on to the last reading, nothing left out
        assert values and values == [float(i) for i in range(int(values[0]), 3000)]
        assert recorder.written == 3000 and recorder.backlog == 0
    finally:
        os.close(read_end)  # the stuck write now fails and its thread ends
        os.close(write_end)


async def test_stop_waits_out_a_slow_disk_that_still_makes_progress(
        tmp_path: Path, rescue_dir: Path) -> None:
    recorder = Recorder(tmp_path, batch_lines=100, batch_seconds=0.02, stop_seconds=1.5)
    await recorder.start()
    recorder.put(reading(0))
    await wait_until(lambda: recorder.written == 1, message="file open")
    file = recorder._file
    real_write = file.write

    async def slow(data: memoryview) -> int:
        await asyncio.sleep(0.2)  # each chunk takes a while, none hangs
        return await real_write(data)

    file.write = slow
    for i in range(1, 2001):  # twenty chunks: 4 s of writing, well past stop_seconds
        recorder.put(reading(i))
    await recorder.stop()
    assert recorder.rescue_path is None and recorder.error is None
    assert len(read_log_lines(recorder.paths)) == 2001


async def test_a_log_dir_that_is_a_file_is_reported_as_such_and_rescued(
        tmp_path: Path, rescue_dir: Path) -> None:
    log_dir = tmp_path / "logs"
    log_dir.write_text("someone's notes\n")
    recorder = Recorder(log_dir, batch_seconds=0.02, stop_attempts=2)
    await recorder.start()
    recorder.put(reading(0))
    await wait_until(lambda: recorder.error is not None, message="error reported")
    assert "not a folder" in recorder.error
    await recorder.stop()
    assert log_dir.read_text() == "someone's notes\n"
    assert recorder.rescue_path is not None and len(read_log_lines([recorder.rescue_path])) == 1


async def test_a_part_made_unwritable_while_closed_goes_on_in_a_new_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_START", 3600.0)  # retried only at stop

    def no_reopen(path: Path, new: bool) -> int:
        if not new:
            raise PermissionError(errno.EACCES, "Permission denied")
        return open_part(path, new)

    recorder = Recorder(tmp_path, batch_seconds=0.02, opener=no_reopen)
    await recorder.start()
    for i in range(10):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.written == 10, message="first chunk written")
    _fail_next_write(recorder)
    for i in range(10, 20):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.error is not None, message="write failure reported")
    await recorder.stop()
    assert len(recorder.paths) == 2 and recorder.lost == 0 and recorder.rescue_path is None
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(20)]


DELETE_CONFIG = '[monitor]\nlog_dir = "logs"\n' + "".join(
    f'[[sensors]]\nid = "s{i}"\ninterval = 0.01\n' for i in range(10))


def test_record_says_the_log_folder_was_deleted_and_exits_1(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "c.toml").write_text(DELETE_CONFIG)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}  # this tree's code, from any cwd
    proc = subprocess.Popen([sys.executable, "-m", "sensortop", "record", "--config", "c.toml"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path, env=env)
    log_dir = tmp_path / "logs"

    def lines_in_logs() -> int:
        return sum(p.read_bytes().count(b"\n") for p in log_dir.glob("*.jsonl"))

    def wait_for(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 60
        while not predicate():
            assert proc.poll() is None and time.monotonic() < deadline, what
            time.sleep(0.02)

    try:
        wait_for(lambda: log_dir.is_dir() and lines_in_logs() >= 500, "first lines")
        shutil.rmtree(log_dir)
        wait_for(lambda: log_dir.is_dir() and lines_in_logs() >= 500, "lines after deletion")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    assert "sensortop: the log file" in out and "was deleted while recording" in out
    summary = next(line for line in out.splitlines() if " readings in " in line)
    written = int(summary.split(";")[1].split()[0].replace(",", ""))
    files = summary.split(" written to ")[1].split(";")[0].split(", ")
    assert all(Path(f).exists() for f in files)
    assert written == lines_in_logs() >= 500
    assert " lost with deleted files" in summary
    assert "recorder error: the log file" in out


async def test_a_long_outage_moves_the_backlog_to_the_rescue_file_not_into_memory(
        tmp_path: Path, rescue_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_START", 0.01)
    monkeypatch.setattr(recorder_module, "RETRY_MAX", 0.02)
    monkeypatch.setattr(recorder_module, "SPILL_BYTES", 20_000)  # ~200 readings
    failing = True

    def opener(path: Path, new: bool) -> int:
        if failing:
            raise OSError(errno.ENOSPC, "No space left on device")
        return open_part(path, new)

    recorder = Recorder(tmp_path / "logs", batch_lines=50, batch_seconds=0.01, opener=opener)
    await recorder.start()
    for i in range(3000):
        recorder.put(reading(i))
        if i % 50 == 0:
            await asyncio.sleep(0.002)
    await wait_until(lambda: recorder.rescued >= 2500, message="backlog spilled")
    assert recorder.backlog < 500  # memory stays bounded by the spill size
    assert recorder.rescue_path is not None and recorder.rescue_path.parent == rescue_dir
    spills = len(list(rescue_dir.iterdir()))
    failing = False
    for i in range(3000, 3100):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.backlog == 0, message="log written on after the outage")
    await recorder.stop()
    assert spills == 1  # one rescue file, appended to
    assert "saved to" in (recorder.error or "")  # stays: not all of it is where asked
    rescued = [line["value"] for line in read_log_lines([recorder.rescue_path])]
    logged = [line["value"] for line in read_log_lines(recorder.paths)]
    assert rescued + logged == [float(i) for i in range(3100)]  # once each, in order
    assert recorder.written == 3100 and recorder.rescued == len(rescued)


async def test_a_symlink_or_fifo_planted_at_the_next_part_is_skipped(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, rotate_bytes=1, batch_lines=10, batch_seconds=0.01)
    await recorder.start()
    for i in range(10):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.written == 10, message="part 0 written")
    assert recorder.path is not None and recorder.stem is not None
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    from sensortop.logs.files import part_path

    part_path(tmp_path, recorder.stem, 1).symlink_to(victim)
    os.mkfifo(part_path(tmp_path, recorder.stem, 2))
    for i in range(10, 30):
        recorder.put(reading(i))
    await asyncio.wait_for(recorder.stop(), 60)
    assert victim.read_text() == "precious\n" and recorder.error is None
    assert [p.name.split(".")[-2] for p in recorder.paths[1:]] == ["3", "4"]
    assert [line["value"] for line in read_log_lines(recorder.paths)] == \
        [float(i) for i in range(30)]  # rotate_bytes=1: one chunk per part, none lost


async def test_a_log_file_deleted_after_the_last_flush_is_counted_at_stop(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "logs", batch_seconds=0.02)
    await recorder.start()
    for i in range(7):
        recorder.put(reading(i))
    await wait_until(lambda: recorder.written == 7, message="written")
    shutil.rmtree(tmp_path / "logs")
    await recorder.stop()
    assert recorder.lost == 7 and recorder.written == 0 and recorder.paths == []
    assert "deleted" in (recorder.error or "") and "writing on" not in (recorder.error or "")


async def test_a_disk_that_stops_answering_is_reported_while_waited_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts_module, "SLOW_DISK_SECONDS", 0.2)
    read_end, write_end = os.pipe()  # nobody reads yet: the write blocks, raising nothing

    def hung(path: Path, new: bool) -> int:
        return os.dup(write_end)

    recorder = Recorder(tmp_path, batch_seconds=0.02, opener=hung)
    drained = bytearray()

    def drain() -> None:  # the disk comes back
        while chunk := os.read(read_end, 1 << 16):
            drained.extend(chunk)

    try:
        await recorder.start()
        for i in range(3000):  # ~250 KB: far more than a pipe holds
            recorder.put(reading(i))
        await wait_until(lambda: recorder.error is not None, message="hang reported")
        assert "has not answered for 0.2 s" in recorder.error
        assert recorder.backlog > 0
        reader = asyncio.get_running_loop().run_in_executor(None, drain)
        await wait_until(lambda: recorder.backlog == 0, message="written after the hang")
        assert recorder.error is None
        await recorder.stop()
    finally:
        os.close(write_end)  # the drain sees the end once the recorder's copy is closed too
    await asyncio.wait_for(reader, 30)
    os.close(read_end)
    assert drained.count(b"\n") == 3000
