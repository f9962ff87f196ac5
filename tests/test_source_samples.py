"""Every sample config passes ``check-config`` and records under ``sensortop record``.

Each sample runs as a real ``record`` process (all at once, from a scratch
working directory, so relative paths must resolve against the config file as
the README's "Configuration" says) until every one of its sensors has a line
in the log, then gets SIGTERM. Samples whose peer is a server (http, mqtt,
modbus, opcua) find nothing listening here: their sensors must log clear
error readings, never crash the recorder. The rest must read real values.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sensortop.cli.main import main
from sensortop.config.loader import load_config
from sensortop.review.blocks import LogPathError
from sensortop.review.reader import read_logs
from support import read_log_lines

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample_configs").glob("*.toml"))
KIND_SAMPLES = ["system", "http", "command", "mqtt", "modbus", "opcua", "visa"]
# Samples that need no peer: every sensor reads a value (cpu_temp may be absent on this machine).
SELF_CONTAINED = {"reactor", "visa", "command", "system", "faulty", "alarms", "plant"}
MAY_FAIL = {("system", "cpu_temp"), ("faulty", "flaky"), ("faulty", "hanging"),
            ("alarms", "feed_flow"), ("plant", "feed_pump_2"), ("plant", "tank_vent_voc")}
# The longest first read: command.toml's tmp_files, phase ~8.2 s of its 10 s interval.
DEADLINE = 60.0


@dataclass
class Run:
    returncode: int
    stderr: str
    lines: list[dict]


def _logged_sensors(log_dir: Path) -> set[str]:
    """Sensors with a line so far; the project's reader counts a half-written last line."""
    try:
        return set(read_logs([log_dir]).series)
    except LogPathError:  # the log file is not created yet
        return set()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Record every sample at once until each sensor has logged, then stop it with SIGTERM."""
    work = tmp_path_factory.mktemp("samples")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SENSORTOP_SEED": "7"}
    procs: dict[str, tuple[subprocess.Popen[bytes], Path, set[str]]] = {}
    for path in SAMPLES:
        log_dir = work / path.stem
        ids = {s.id for s in load_config(path).sensors}
        with (work / f"{path.stem}.err").open("wb") as err:
            procs[path.stem] = (subprocess.Popen(
                [sys.executable, "-m", "sensortop", "record", "--config", str(path),
                 "--log-dir", str(log_dir)],
                cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=err,
            ), log_dir, ids)
    try:
        waiting = set(procs)
        deadline = time.monotonic() + DEADLINE
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                proc, log_dir, ids = procs[name]
                if proc.poll() is not None or ids <= _logged_sensors(log_dir):
                    waiting.discard(name)
                    proc.send_signal(signal.SIGTERM)
            time.sleep(0.1)
        for name in waiting:  # out of time: stop them too; the test then names what is missing
            procs[name][0].send_signal(signal.SIGTERM)
        return {name: Run(proc.wait(timeout=30),
                          (work / f"{name}.err").read_text(errors="replace"),
                          read_log_lines(log_dir))
                for name, (proc, log_dir, _) in procs.items()}
    finally:
        for proc, _, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_there_is_a_sample_for_every_kind() -> None:
    names = {p.stem for p in SAMPLES}
    assert set(KIND_SAMPLES) <= names
    for kind in KIND_SAMPLES:
        assert {s.kind for s in load_config(ROOT / "sample_configs" / f"{kind}.toml").sensors} \
            == {kind}


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_passes_check_config(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_records_a_reading_or_a_clear_error_for_every_sensor(
        path: Path, runs: dict[str, Run]) -> None:
    run = runs[path.stem]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    units = {s.id: s.units for s in load_config(path).sensors}
    logged = {line["sensor"] for line in run.lines}
    assert logged == set(units), f"sensors without a reading: {set(units) - logged}"
    for line in run.lines:
        assert line["units"] == units[line["sensor"]]
        if line["status"] == "ok":
            assert isinstance(line["value"], int | float) and math.isfinite(line["value"]), line
        else:
            assert line["status"] in ("error", "timeout") and line["value"] is None, line
            assert line["error"].strip() and "\n" not in line["error"], line


@pytest.mark.parametrize("name", sorted(SELF_CONTAINED))
def test_sample_without_a_peer_reads_values(name: str, runs: dict[str, Run]) -> None:
    ok = {line["sensor"] for line in runs[name].lines if line["status"] == "ok"}
    every = {line["sensor"] for line in runs[name].lines}
    assert every - ok <= {sensor for sample, sensor in MAY_FAIL if sample == name}


def test_sample_with_an_absent_peer_names_it_in_the_error(runs: dict[str, Run]) -> None:
    for name, address in [("http", "127.0.0.1:8080"), ("mqtt", "127.0.0.1:1883"),
                          ("modbus", "127.0.0.1:5020"), ("opcua", "127.0.0.1:4840")]:
        errors = [line["error"] for line in runs[name].lines if line["status"] == "error"]
        if errors:  # nothing listens there here; if something does, its answers are checked above
            assert any(address in e for e in errors), (name, errors[:3])


def test_visa_sample_reads_its_simulated_instrument(runs: dict[str, Run]) -> None:
    """The instrument file is found beside the config although record ran elsewhere."""
    values = {(line["sensor"], line["value"]) for line in runs["visa"].lines}
    assert values == {("bath_temp", 23.45), ("supply_volts", 1.2)}
