"""Every protocol's sample config is valid, and the simulated VISA one really reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from peers import EngineRun
from sensortop.config import load_config
from sensortop.readings import Status

SAMPLES = Path(__file__).resolve().parents[1] / "sample_configs"
KINDS = ["system", "http", "command", "mqtt", "modbus", "opcua", "visa"]


@pytest.mark.parametrize("kind", KINDS)
def test_sample_config_is_valid_and_uses_its_kind(kind: str) -> None:
    config = load_config(SAMPLES / f"{kind}.toml")
    assert config.sensors and all(s.kind == kind for s in config.sensors)


async def test_visa_sample_reads_its_simulated_instrument(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES.parent)  # the sample's yaml path is relative to the repo root
    config = load_config(SAMPLES / "visa.toml")
    async with EngineRun(config.sensors, tmp_path) as run:
        await run.wait_for("bath_temp", Status.OK, 1)
        await run.wait_for("supply_volts", Status.OK, 1)
    assert os.getcwd() == str(SAMPLES.parent)
