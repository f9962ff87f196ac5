"""The opcua source against a real asyncua server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from peers import EngineRun, OpcUaPeer, neighbour, peer_loss_scenario, spec
from sensortop.config.kinds import make_source
from sensortop.sources import PolledSource, SourceError, StreamingSource
from sensortop.sources.opcua import OpcUaPolled, OpcUaSource, OpcUaSubscription


@pytest.fixture
async def peer() -> AsyncIterator[OpcUaPeer]:
    server = OpcUaPeer()
    await server.start()
    yield server
    await server.stop()


def ua_spec(peer: OpcUaPeer, sensor_id: str = "o", **options: object):
    return spec(sensor_id, "opcua", endpoint=peer.endpoint, node=peer.node_id, **options)


async def test_subscription_pushes_the_value_and_its_changes(peer: OpcUaPeer) -> None:
    source = make_source(ua_spec(peer, interval=0.05))
    assert isinstance(source, OpcUaSubscription)
    async with source:
        values = source.stream()
        assert await asyncio.wait_for(anext(values), 10) == 21.5
        await peer.set(22.75)
        assert await asyncio.wait_for(anext(values), 10) == 22.75
        await values.aclose()


async def test_poll_mode_reads_on_the_engines_schedule(peer: OpcUaPeer) -> None:
    source = make_source(ua_spec(peer, mode="poll"))
    assert isinstance(source, OpcUaPolled)
    async with source:
        assert await source.read() == 21.5


def test_mode_chooses_the_class_at_construction_never_a_flag_per_instance() -> None:
    streamed = OpcUaSource.create(spec("o", "opcua", endpoint="opc.tcp://h:1/", node="i=1"))
    polled = OpcUaSource.create(spec("o", "opcua", endpoint="opc.tcp://h:1/", node="i=1",
                                     mode="poll"))
    assert isinstance(streamed, StreamingSource) and not isinstance(streamed, PolledSource)
    assert isinstance(polled, PolledSource) and not isinstance(polled, StreamingSource)
    assert polled.connection and type(polled).connection
    for source in (streamed, polled):  # class facts, never overridden per instance
        assert "streaming" not in vars(source) and "connection" not in vars(source)
    assert not hasattr(streamed, "read") and not hasattr(polled, "stream")


async def test_server_without_subscriptions_is_a_connect_error_naming_poll_mode(
        peer: OpcUaPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    from asyncua import Client, ua

    async def unsupported(self: Client, *args: object, **kwargs: object) -> None:
        raise ua.UaStatusCodeError(ua.StatusCodes.BadServiceUnsupported)

    monkeypatch.setattr(Client, "create_subscription", unsupported)
    source = make_source(ua_spec(peer))
    with pytest.raises(SourceError, match=re.escape('offers no subscriptions')) as caught:
        await source.connect()
    assert 'mode = "poll"' in str(caught.value)
    assert source.client is None  # the session was closed, for the engine to retry later
    polled = make_source(ua_spec(peer, mode="poll"))
    async with polled:  # the same server, read on the engine's schedule instead
        assert await polled.read() == 21.5


async def test_unknown_node_is_a_clear_error(peer: OpcUaPeer) -> None:
    source = make_source(spec("o", "opcua", endpoint=peer.endpoint, node="ns=2;s=No.Such"))
    with pytest.raises(SourceError, match=re.escape("node 'ns=2;s=No.Such'")):
        await source.connect()
    await source.close()


async def test_bad_endpoint_scheme_is_refused() -> None:
    source = make_source(spec("o", "opcua", endpoint="opc.tcp://127.0.0.1:4840", node="i=2258"))
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
