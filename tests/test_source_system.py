"""The system source: this machine's own sensors through psutil."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import psutil
import pytest

from peers import EngineRun, neighbour, spec
from sensortop.model.readings import Status
from sensortop.sources import SourceError
from sensortop.sources.system import SystemSource


async def read_once(metric: str, **options: object) -> float:
    source = SystemSource(spec("s", "system", metric=metric, **options))
    async with source:
        return await source.read()


@pytest.mark.parametrize("metric", ["cpu_percent", "memory_percent", "disk_percent"])
async def test_percentages_are_between_0_and_100(metric: str) -> None:
    assert 0.0 <= await read_once(metric) <= 100.0


async def test_load1_matches_the_os_load_average() -> None:
    before = os.getloadavg()[0]
    value = await read_once("load1")
    assert value in (before, os.getloadavg()[0])  # the OS updates it every 5 s


@pytest.mark.parametrize("metric", ["net_rx_rate", "net_tx_rate"])
async def test_network_rates_count_the_bytes_sent_per_second(metric: str) -> None:
    """1 MB over loopback between two reads: the rate is at least 1 MB over the time taken
    (other traffic on lo only adds to it)."""
    sent = 1_000_000
    source = SystemSource(spec("s", "system", metric=metric, interface="lo"))
    started = time.monotonic()
    async with source:
        await asyncio.to_thread(_send_over_loopback, sent)
        value = await source.read()
    assert value >= sent / (time.monotonic() - started)


def _send_over_loopback(size: int) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(server.getsockname()) as client:
        peer, _ = server.accept()
        with peer:
            client.sendall(b"x" * size)
            client.shutdown(socket.SHUT_WR)
            while peer.recv(65536):
                pass


async def test_unknown_interface_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="no network interface 'nope0'"):
        await read_once("net_rx_rate", interface="nope0")


async def test_missing_disk_path_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(SourceError, match="no such path"):
        await read_once("disk_percent", path=str(tmp_path / "gone"))


async def test_cpu_temperature_or_a_clear_status_where_there_is_none() -> None:
    reader = getattr(psutil, "sensors_temperatures", None)
    if reader and any(reader().values()):
        assert -50.0 < await read_once("cpu_temp") < 150.0
    else:
        with pytest.raises(SourceError, match="no CPU temperature sensor on this machine"):
            await read_once("cpu_temp")


async def test_system_sensors_log_values_in_the_engine(tmp_path) -> None:
    specs = [spec("cpu", "system", metric="cpu_percent", interval=0.1),
             spec("mem", "system", metric="memory_percent", interval=0.1), neighbour()]
    async with EngineRun(specs, tmp_path) as run:
        await run.wait_for("cpu", Status.OK, 3)
        await run.wait_for("mem", Status.OK, 3)
    logged = {line["sensor"] for line in run.log_lines() if line["status"] == "ok"}
    assert {"cpu", "mem", "neighbour"} <= logged
