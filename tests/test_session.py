"""Sessions: the engine and recorder wired together, on this loop or on a thread of their own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sensortop.config.loader import load_config, make_sensor
from sensortop.sampling.session import SamplingSession, ThreadedSession
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]


def reactor(tmp_path: Path):
    config = load_config(ROOT / "sample_configs" / "faulty.toml")
    config.monitor.log_dir = tmp_path / "logs"
    return config


async def test_timeout_and_error_statuses_reach_the_log(tmp_path: Path) -> None:
    session = SamplingSession(reactor(tmp_path))
    await session.start()
    engine = session.engine
    await wait_until(lambda: engine.sensors["flaky"].failures >= 2
                     and engine.sensors["hanging"].failures >= 2, timeout=30,
                     message="failures from the faulty sensors")
    await session.stop()
    lines = read_log_lines(session.recorder.paths)
    assert len(lines) == engine.readings_total
    statuses = {(line["sensor"], line["status"]) for line in lines}
    assert ("flaky", "error") in statuses and ("hanging", "timeout") in statuses
    assert ("healthy", "ok") in statuses
    timeout_line = next(line for line in lines if line["status"] == "timeout")
    assert timeout_line["value"] is None and "no answer within 0.5 s" in timeout_line["error"]


async def test_threaded_session_samples_on_its_own_loop(tmp_path: Path) -> None:
    threaded = ThreadedSession(SamplingSession(reactor(tmp_path)))
    threaded.start()
    try:
        await threaded.call_sync(lambda: threaded.engine.add(make_sensor({"id": "late",
                                                                          "interval": 0.05})))
        await wait_until(lambda: threaded.engine.sensors["late"].readings >= 5,
                         message="readings on the engine thread")
        paused = await threaded.call_sync(lambda: threaded.engine.toggle_pause("late"))
        assert paused
    finally:
        threaded.stop()
    lines = read_log_lines(threaded.recorder.paths)
    assert len(lines) == threaded.engine.readings_total
    assert any(line["sensor"] == "late" for line in lines)


def test_record_on_the_default_config_logs_to_cwd_logs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "sensortop", "record", "--duration", "1.5"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "recording 4 sensors" in result.stderr
    assert "reactor_temp" in result.stderr and "sampling lateness" in result.stderr
    lines = read_log_lines(tmp_path / "logs")
    assert {line["sensor"] for line in lines} >= {"reactor_temp", "reactor_press"}


def test_record_shows_a_live_progress_line_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sensortop", "record", "--duration", "2"],
                            stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    text = output.decode(errors="replace")
    progress = [part for part in text.split("\r") if "backlog" in part]
    assert progress, text
    assert "readings" in progress[-1] and "/s" in progress[-1] and "errors" in progress[-1]


def test_record_into_an_unwritable_folder_says_so_keeps_every_reading_and_fails(
        tmp_path: Path) -> None:
    import os

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rescue = tmp_path / "rescue"
    rescue.mkdir()
    env = {**os.environ, "TMPDIR": str(rescue)}
    result = subprocess.run([sys.executable, "-m", "sensortop", "record", "--duration", "1",
                             "--log-dir", str(blocker / "logs")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cannot write the log" in line]
    assert warnings and warnings[0].startswith("sensortop: cannot write the log (Not a directory)")
    assert "saved to" in result.stderr
    rescued = read_log_lines(rescue)
    assert len(rescued) > 0
    assert len(rescued) == int(result.stderr.split(" readings in ")[0].rsplit("\n", 1)[-1]
                               .replace(",", ""))
