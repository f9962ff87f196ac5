"""`sensortop record` at its edges: signals during a slow start, words in the summary,
and specs built in code that the engine refuses."""

from __future__ import annotations

import asyncio
import io
import math
import os
import subprocess
import sys
from pathlib import Path

from sensortop.cli.record import record, summary
from sensortop.config.loader import load_config
from sensortop.model.specs import Config, MonitorSpec, SensorSpec
from sensortop.sampling.session import SamplingSession

ROOT = Path(__file__).resolve().parents[1]

SLOW_START = """
import asyncio, os, signal, sys
from pathlib import Path
from sensortop.cli import record as rec
from sensortop.config.loader import load_config

class SlowToBuild(rec.SamplingSession):
    def __init__(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # the service manager gives up waiting
        super().__init__(*args, **kwargs)

rec.SamplingSession = SlowToBuild
sys.exit(asyncio.run(rec.record(load_config(sys.argv[1]), Path(sys.argv[2]), None)))
"""


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text('[[sensors]]\nid = "a"\ninterval = 0.05\n', encoding="utf-8")
    return path


def test_sigterm_while_the_engine_is_being_built_stops_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SLOW_START, str(write_config(tmp_path)), str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "recording 1 sensor to" in result.stderr  # the summary follows a clean stop
    assert "sampling lateness" in result.stderr


def test_record_says_1_sensor_and_gives_a_summary(tmp_path: Path) -> None:
    out = io.StringIO()
    code = asyncio.run(record(load_config(write_config(tmp_path)), tmp_path / "logs", 0.3,
                              out=out))
    text = out.getvalue()
    assert code == 0
    assert "recording 1 sensor to" in text and "1 sensors" not in text
    assert "nan" not in text


def test_a_summary_before_any_polled_reading_has_no_nan(tmp_path: Path) -> None:
    session = SamplingSession(load_config(write_config(tmp_path)), tmp_path / "logs")
    text = summary(session, 0.0)
    assert "nan" not in text
    assert "sampling lateness: no polled readings yet" in text
    assert "0 readings in 0.0 s" in text


def test_a_spec_with_a_nan_interval_built_in_code_is_refused_without_a_traceback(
        tmp_path: Path) -> None:
    config = Config(None, MonitorSpec(log_dir=tmp_path / "logs"),
                    [SensorSpec(id="a", interval=math.nan)])
    out = io.StringIO()
    code = asyncio.run(asyncio.wait_for(record(config, None, 5.0, out=out), 60))
    assert code == 1
    assert "cannot start sampling: sensor 'a': interval must be a positive, finite" \
        in out.getvalue()
