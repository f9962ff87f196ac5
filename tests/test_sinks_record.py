"""Outputs end to end through `sensortop record`: an [[outputs]] mqtt output into a real
broker on 127.0.0.1 and the log, a third-party sink installed as a distribution with a
``sensortop.sinks`` entry point, and a broker that is not there reported, not hidden."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from peers import HOST, MqttBroker, free_port
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]
SENSORS = """
[monitor]
log_dir = "logs"

[[sensors]]
id = "temp"
interval = 0.05
setpoint = 50.0

[[sensors]]
id = "press"
interval = 0.07
setpoint = 2.0
"""


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MqttBroker]:
    peer = MqttBroker(tmp_path)
    peer.start()
    yield peer
    peer.stop()


def env(*extra: Path) -> dict[str, str]:
    paths = [str(ROOT / "src"), *(str(p) for p in extra)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def log_of(folder: Path) -> list[str]:
    return [line for path in sorted((folder / "logs").glob("sensortop-*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


async def test_an_mqtt_output_in_the_config_gets_every_logged_reading_through_record(
        broker: MqttBroker, tmp_path: Path) -> None:
    config = tmp_path / "plant.toml"
    config.write_text(SENSORS + f'\n[[outputs]]\nkind = "mqtt"\nurl = "{broker.url}/site"\n',
                      encoding="utf-8")
    received: list[tuple[str, str]] = []
    async with aiomqtt.Client(HOST, port=broker.port) as client:
        await client.subscribe("site/#", qos=1)

        async def listen() -> None:
            async for message in client.messages:
                received.append((str(message.topic), bytes(message.payload).decode()))

        listener = asyncio.create_task(listen())
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sensortop", "record", "--config", str(config),
            "--duration", "1.5", stderr=asyncio.subprocess.PIPE, env=env())
        _, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        logged = log_of(tmp_path)
        assert len(logged) > 10
        await wait_until(lambda: len(received) >= len(logged), 20, "every reading at the broker")
        listener.cancel()
    text = err.decode()
    assert f"also sending every reading to mqtt output {broker.url}/site" in text
    assert f"mqtt output {broker.url}/site: {len(logged):,} readings sent" in text
    assert sorted(payload for _, payload in received) == sorted(logged)
    assert {topic for topic, _ in received} == {"site/temp", "site/press"}


PLUGIN = '''
"""A third-party output: every reading's sensor and value, one JSON line each."""

import asyncio
import json
from pathlib import Path

from sensortop.config.fields import Field
from sensortop.model.alarms import AlarmEvent
from sensortop.sinks.base import Sink


class TallySink(Sink):
    kind = "tally"
    FIELDS = (Field("path", str, help="where the tally goes"),)

    def __init__(self, path):
        self.path = Path(path)
        self.held = []
        self.written = 0

    @classmethod
    def from_options(cls, options, context):
        return cls(options["path"])

    @property
    def name(self):
        return str(self.path)

    async def start(self):
        pass

    def put(self, item):
        if not isinstance(item, AlarmEvent):
            self.held.append({"sensor": item.sensor, "value": item.value})

    async def stop(self, deadline):
        lines = "".join(json.dumps(row) + "\\n" for row in self.held)
        await asyncio.to_thread(self.path.write_text, lines)
        self.written, self.held = len(self.held), []
        return []

    @property
    def backlog(self):
        return len(self.held)

    @property
    def error(self):
        return None

    @property
    def delivered(self):
        return self.written
'''


def install_plugin(site: Path) -> None:
    """A distribution as pip would leave it: the module and its dist-info with entry points."""
    (site / "sensortop_tally_sink.py").parent.mkdir(parents=True, exist_ok=True)
    (site / "sensortop_tally_sink.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "sensortop_tally_sink-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sensortop-tally-sink\n"
                                   "Version: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[sensortop.sinks]\ntally = sensortop_tally_sink:TallySink\n", encoding="utf-8")


def test_a_sink_from_an_installed_distribution_receives_every_reading_through_record(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site)
    tally = tmp_path / "tally.jsonl"
    config = tmp_path / "plant.toml"
    config.write_text(SENSORS + f'\n[[outputs]]\nkind = "tally"\npath = "{tally}"\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sensortop", "record", "--config",
                             str(config), "--duration", "1"],
                            capture_output=True, text=True, timeout=60, env=env(site))
    assert result.returncode == 0, result.stderr
    logged = [json.loads(line) for line in log_of(tmp_path)]
    tallied = [json.loads(line) for line in tally.read_text(encoding="utf-8").splitlines()]
    assert len(logged) > 10
    assert tallied == [{"sensor": r["sensor"], "value": r["value"]} for r in logged]
    assert f"tally output {tally}: {len(logged):,} readings sent" in result.stderr


def test_a_plugin_outputs_fields_are_checked_like_the_built_ins(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site)
    config = tmp_path / "plant.toml"
    config.write_text(SENSORS + '\n[[outputs]]\nkind = "tally"\npaht = "x"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sensortop", "check-config", str(config)],
                            capture_output=True, text=True, timeout=60, env=env(site))
    assert result.returncode == 2
    assert "outputs[0] (tally): field 'paht': unknown key (hint: did you mean 'path'?)" \
        in result.stderr
    assert "outputs[0] (tally): field 'path': is required" in result.stderr
    # Without the distribution the kind is unknown, and said so.
    result = subprocess.run([sys.executable, "-m", "sensortop", "check-config", str(config)],
                            capture_output=True, text=True, timeout=60, env=env())
    assert result.returncode == 2
    assert "outputs[0]: field 'kind': unknown output kind 'tally'" in result.stderr


def test_record_reports_readings_an_absent_broker_never_got_and_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "plant.toml"
    config.write_text(SENSORS, encoding="utf-8")
    url = f"mqtt://{HOST}:{free_port()}/nobody"
    result = subprocess.run([sys.executable, "-m", "sensortop", "record", "--config",
                             str(config), "--duration", "0.5", "--publish", url],
                            capture_output=True, text=True, timeout=60, env=env())
    assert result.returncode == 1, result.stderr
    logged = read_log_lines(sorted((tmp_path / "logs").glob("sensortop-*.jsonl")))
    assert len(logged) > 0  # the log is complete whatever happened to the broker
    assert (f"mqtt output {url}: 0 readings sent; {len(logged):,} could not be delivered"
            in result.stderr)
    assert "Traceback" not in result.stderr
