"""`sensortop record` reloads its config on SIGHUP (README "Running as a service"): a real
recorder process, signalled like systemd's ExecReload, its log read back."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from support import read_log_lines

ROOT = Path(__file__).resolve().parents[1]


def sensors(*ids: str) -> str:
    return "".join(f'[[sensors]]\nid = "{sid}"\ninterval = 0.05\n' for sid in ids)


class Recorder:
    """A `sensortop record` subprocess, its stderr in a file the test polls."""

    def __init__(self, tmp_path: Path, config: str) -> None:
        self.config = tmp_path / "plant.toml"
        self.config.write_text(config, encoding="utf-8")
        self.logs = tmp_path / "logs"
        self.err = tmp_path / "stderr.txt"
        with self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sensortop", "record", "--config", str(self.config),
                 "--log-dir", str(self.logs)],
                stdout=subprocess.DEVNULL, stderr=err, cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")})

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8")

    def wait_for(self, text: str, count: int = 1, timeout: float = 30.0) -> float:
        """Wait until ``text`` is in stderr ``count`` times; the wall time it was seen."""
        deadline = time.monotonic() + timeout
        while self.stderr().count(text) < count:
            assert self.process.poll() is None, f"record ended early:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.stderr()}"
            time.sleep(0.02)
        return time.time()

    def logged(self, sensor: str) -> list[float]:
        from datetime import datetime

        return [datetime.fromisoformat(line["ts"]).timestamp()
                for line in read_log_lines(self.logs) if line["sensor"] == sensor]

    def wait_logged(self, sensor: str, after: float, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(ts > after for ts in self.logged(sensor)):
            assert time.monotonic() < deadline, f"no reading of {sensor} after the reload"
            time.sleep(0.05)

    def reload(self, config: str) -> None:
        self.config.write_text(config, encoding="utf-8")
        self.process.send_signal(signal.SIGHUP)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    rec = Recorder(tmp_path, sensors("a", "b"))
    rec.wait_for("recording 2 sensors")
    yield rec
    if rec.process.poll() is None:
        rec.process.kill()
        rec.process.wait(10)


def test_sighup_starts_an_added_sensor_and_keeps_the_others_running(
        recorder: Recorder) -> None:
    recorder.reload(sensors("a", "b", "c"))
    seen = recorder.wait_for("reloaded")
    recorder.wait_logged("c", after=seen)
    recorder.wait_logged("a", after=seen)
    assert recorder.stop() == 0
    text = recorder.stderr()
    assert "sensors 1 added (c), 0 removed, 0 restarted, 2 unchanged" in text
    assert "config 1 reload" in text and "Traceback" not in text
    a = recorder.logged("a")
    # The unchanged sensor kept its schedule: no gap around the reload, nothing doubled.
    assert len(set(a)) == len(a)
    assert max(later - earlier for earlier, later in pairwise(a)) < 1.0


def test_sighup_stops_a_removed_sensor(recorder: Recorder) -> None:
    recorder.wait_logged("b", after=0)
    recorder.reload(sensors("a"))
    seen = recorder.wait_for("reloaded")
    recorder.wait_logged("a", after=seen + 0.3)
    assert recorder.stop() == 0
    text = recorder.stderr()
    assert "sensors 0 added, 1 removed (b), 0 restarted, 1 unchanged" in text
    assert "config 1 reload; removed while recording: b" in text
    b = recorder.logged("b")
    assert b and max(b) <= seen  # not one reading of b once the reload was reported


def test_sighup_with_a_broken_config_reports_it_and_keeps_recording(
        recorder: Recorder) -> None:
    recorder.reload('[[sensors]]\nid = "a"\ninterval = "soon"\n[[sensors]]\nid = "Bad id"\n')
    seen = recorder.wait_for("reload refused")
    recorder.wait_logged("a", after=seen + 0.3)
    recorder.wait_logged("b", after=seen + 0.3)
    # The same again while fixing nothing: reported again, still running.
    recorder.process.send_signal(signal.SIGHUP)
    recorder.wait_for("reload refused", count=2)
    assert recorder.stop() == 0
    text = recorder.stderr()
    assert "reload refused: " in text and "has 2 problems; still running the 2 sensors it had" \
        in text
    assert "sensors[0] 'a': field 'interval': must be a number; got 'soon'" in text
    assert "sensors[1]" in text and "field 'id'" in text
    assert "config 2 reloads (2 refused: the config had problems)" in text
    assert {"a", "b"} <= {line["sensor"] for line in read_log_lines(recorder.logs)}


def test_sighups_while_stopping_neither_kill_it_nor_lose_a_reading(recorder: Recorder) -> None:
    # A service manager may reload while it stops: every reading is still flushed.
    recorder.process.send_signal(signal.SIGTERM)
    for _ in range(20):
        if recorder.process.poll() is not None:
            break
        recorder.process.send_signal(signal.SIGHUP)
        time.sleep(0.01)
    assert recorder.process.wait(30) == 0, recorder.stderr()
    text = recorder.stderr()
    assert "sampling lateness" in text and "Traceback" not in text
    written = int(text.split(" written to ")[0].rsplit("; ", 1)[1].replace(",", ""))
    assert written == len(read_log_lines(recorder.logs))


async def test_record_puts_the_previous_sighup_handler_back(tmp_path: Path) -> None:
    from sensortop.cli.record import record
    from sensortop.config.loader import load_config

    path = tmp_path / "plant.toml"
    path.write_text(sensors("a"), encoding="utf-8")
    config = load_config(path)

    def mine(signum: int, frame: object) -> None:
        """A handler of the embedding program's."""

    previous = signal.signal(signal.SIGHUP, mine)
    try:
        code = await record(config, tmp_path / "logs", 0.2, out=io.StringIO(),
                            reload=lambda: load_config(path))
        assert code == 0 and signal.getsignal(signal.SIGHUP) is mine
    finally:
        signal.signal(signal.SIGHUP, previous)
