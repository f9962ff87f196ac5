"""`record --workers N`: real worker processes, one log; a killed worker is restarted
without losing or doubling any other worker's readings, and the gap is in the log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sensortop.logs.writer import Recorder
from sensortop.model.specs import SensorSpec
from sensortop.sampling.workers import WorkerPool
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = {"noise": 0.1, "read_time": 0.0, "fail_rate": 0.0, "hang_rate": 0.0}


def specs(n: int) -> list[SensorSpec]:
    return [SensorSpec(id=f"s{i:02d}", interval=0.05, timeout=0.05, setpoint=1.0,
                       options={**OPTIONS, "seed": i}) for i in range(n)]


def test_a_killed_worker_is_restarted_and_no_other_reading_is_lost_or_doubled(
        tmp_path: Path) -> None:
    async def main() -> WorkerPool:
        recorder = Recorder(tmp_path)
        await recorder.start()
        pool = WorkerPool(specs(6), 2, recorder, history=10)
        await pool.start()
        first, second = pool.workers
        try:
            await wait_until(lambda: first.pid is not None and first.received >= 30
                             and second.received >= 30, message="both workers sending")
            os.kill(first.pid, signal.SIGKILL)  # type: ignore[arg-type]
            await wait_until(lambda: pool.deaths and first.generation == 2
                             and first.received >= 30, message="worker 1 restarted, sending")
        finally:
            await pool.stop()
            await recorder.stop()
        return pool

    pool = asyncio.run(main())
    second = pool.workers[1]
    [death] = pool.deaths
    assert (death.worker, death.how, death.sensors) == (1, "killed by SIGKILL", 3)
    lines = read_log_lines(tmp_path)
    readings = [line for line in lines if "worker 1 died" not in (line.get("error") or "")]
    keys = Counter((line["sensor"], line["ts"]) for line in readings)
    assert max(keys.values()) == 1  # nothing written twice
    # every reading worker 2 took (by its own count) is in the log, and only those
    assert second.clean and pool.taken_by_ended == pool.received_from_ended
    per_sensor = Counter(line["sensor"] for line in readings)
    for i, sensor in enumerate(pool.ids):
        assert per_sensor[sensor] == pool.readings[i] > 0
    assert sum(per_sensor.values()) == pool.readings_total == len(lines) - pool.markers
    # the gap is in the log: one error line per sensor of the dead worker, then readings again
    markers = [line for line in lines if "worker 1 died (killed by SIGKILL)" in
               (line.get("error") or "")]
    assert sorted(line["sensor"] for line in markers) == ["s00", "s01", "s02"]
    assert all(line["status"] == "error" and line["value"] is None for line in markers)
    after = {line["sensor"] for line in lines[lines.index(markers[-1]):]}
    assert {"s00", "s01", "s02"} <= after
    assert pool.missed > 0  # the slots the dead worker's sensors missed are counted


@pytest.mark.parametrize("how", ["SIGTERM to record", "Ctrl-C to every process"])
def test_record_workers_2_logs_every_reading_of_every_sensor_once(tmp_path: Path,
                                                                   how: str) -> None:
    config = tmp_path / "plant.toml"
    config.write_text("".join(f'[[sensors]]\nid = "s{i:02d}"\ninterval = 0.05\n'
                              f'timeout = 0.05\nnoise = 0.1\nseed = {i}\n' for i in range(8)),
                      encoding="utf-8")
    logs = tmp_path / "logs"
    process = subprocess.Popen(
        [sys.executable, "-m", "sensortop", "record", "--config", str(config), "--log-dir",
         str(logs), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        start_new_session=True)  # its own process group, as a terminal gives it
    try:
        deadline = time.monotonic() + 60
        while sum(len(p.read_bytes().splitlines()) for p in logs.glob("*.jsonl")) < 200:
            assert time.monotonic() < deadline and process.poll() is None, "no readings logged"
            time.sleep(0.05)
        if how == "SIGTERM to record":  # a service manager stopping the run
            process.send_signal(signal.SIGTERM)
        else:  # a terminal's Ctrl-C reaches record, its workers and the fork server alike
            os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "recording 8 sensors on 2 workers to" in err and "Traceback" not in err
    lines = read_log_lines(logs)
    keys = Counter((line["sensor"], line["ts"]) for line in lines)
    assert max(keys.values()) == 1
    per_sensor = Counter(line["sensor"] for line in lines)
    assert set(per_sensor) == {f"s{i:02d}" for i in range(8)}
    table = {row.split()[0]: int(row.split()[1].replace(",", ""))
             for row in err.splitlines() if row.startswith("s0")}
    assert table == dict(per_sensor)  # what the summary counted is what the log holds
    assert f"{len(lines):,} readings in" in err and f"{len(lines):,} lines written" in err
    assert "never reached the log" not in err
