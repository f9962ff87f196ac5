"""The opcua source against a real asyncua server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from peers import EngineRun, OpcUaPeer, neighbour, peer_loss_scenario, spec
from sensortop.sources import SourceError
from sensortop.sources.opcua import OpcUaSource


@pytest.fixture
async def peer() -> AsyncIterator[OpcUaPeer]:
    server = OpcUaPeer()
    await server.start()
    yield server
    await server.stop()


def ua_spec(peer: OpcUaPeer, sensor_id: str = "o", **options: object):
    return spec(sensor_id, "opcua", endpoint=peer.endpoint, node=peer.node_id, **options)


async def test_subscription_pushes_the_value_and_its_changes(peer: OpcUaPeer) -> None:
    source = OpcUaSource(ua_spec(peer, interval=0.05))
    assert source.streaming
    async with source:
        assert source.subscribed
        values = source.stream()
        assert await asyncio.wait_for(anext(values), 10) == 21.5
        await peer.set(22.75)
        assert await asyncio.wait_for(anext(values), 10) == 22.75
        await values.aclose()


async def test_poll_mode_reads_on_the_engines_schedule(peer: OpcUaPeer) -> None:
    source = OpcUaSource(ua_spec(peer, mode="poll"))
    assert not source.streaming
    async with source:
        assert await source.read() == 21.5


async def test_unknown_node_is_a_clear_error(peer: OpcUaPeer) -> None:
    source = OpcUaSource(spec("o", "opcua", endpoint=peer.endpoint, node="ns=2;s=No.Such"))
    with pytest.raises(SourceError, match=re.escape("node 'ns=2;s=No.Such'")):
        await source.connect()
    await source.close()


async def test_bad_endpoint_scheme_is_refused() -> None:
    source = OpcUaSource(spec("o", "opcua", endpoint="opc.tcp://127.0.0.1:4840", node="i=2258"))
    source.options["endpoint"] = "http://127.0.0.1:4840"  # check-config refuses it first
    with pytest.raises(SourceError, match=re.escape("opc.tcp://")):
        await source.connect()


async def test_server_lost_and_back_with_a_subscription(peer: OpcUaPeer, tmp_path: Path) -> None:
    async def process() -> None:  # the plant keeps changing the value while the server is up
        value = 21.5
        while True:
            await asyncio.sleep(0.05)
            if peer.server is not None:
                value += 0.25
                with contextlib.suppress(Exception):
                    await peer.set(value)

    sensor = ua_spec(peer, "reactor", interval=0.05, timeout=2.0)
    changing = asyncio.create_task(process())
    try:
        async with EngineRun([sensor, neighbour()], tmp_path) as run:
            await peer_loss_scenario(run, "reactor", peer.stop, peer.start, timeout=30)
    finally:
        changing.cancel()
    statuses = {line["status"] for line in run.log_lines() if line["sensor"] == "reactor"}
    assert "ok" in statuses and statuses & {"error", "timeout"}


async def test_server_lost_and_back_when_polled(peer: OpcUaPeer, tmp_path: Path) -> None:
    sensor = ua_spec(peer, "press", mode="poll", interval=0.05, timeout=1.0)
    async with EngineRun([sensor, neighbour()], tmp_path) as run:
        await peer_loss_scenario(run, "press", peer.stop, peer.start, lambda v: v == 21.5,
                                 timeout=30)
