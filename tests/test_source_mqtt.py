"""The mqtt source and MqttPublisher against a real broker on 127.0.0.1 (mosquitto, else amqtt)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from peers import HOST, EngineRun, MqttBroker, neighbour, peer_loss_scenario, spec, wait_until
from sensortop.logs.format import format_ts
from sensortop.model.readings import Reading, Status
from sensortop.sinks.mqtt_client import BrokerAddress, MqttPublisher
from sensortop.sources import Sample
from sensortop.sources.mqtt import MqttSource, parse_payload


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MqttBroker]:
    peer = MqttBroker(tmp_path)
    peer.start()
    yield peer
    peer.stop()


async def publish(broker: MqttBroker, topic: str, *payloads: str | bytes) -> None:
    async with aiomqtt.Client(HOST, port=broker.port) as client:
        for payload in payloads:
            await client.publish(topic, payload, qos=1)


async def collect(source: MqttSource, count: int) -> list[float]:
    values: list[float] = []
    async for value in source.stream():
        values.append(value)  # bad payloads come as values whose float() raises
        if len(values) == count:
            return values
    return values


async def test_bare_number_and_json_payloads_arrive(broker: MqttBroker) -> None:
    bare = MqttSource(spec("a", "mqtt", port=broker.port, topic="plant/a"))
    nested = MqttSource(spec("b", "mqtt", port=broker.port, topic="plant/b", path="data.temp"))
    async with bare, nested:
        got_a = asyncio.create_task(collect(bare, 2))
        got_b = asyncio.create_task(collect(nested, 1))
        await publish(broker, "plant/a", "21.5", b"22")
        await publish(broker, "plant/b", json.dumps({"data": {"temp": 80.25}}))
        assert await asyncio.wait_for(got_a, 10) == [21.5, 22.0]
        assert await asyncio.wait_for(got_b, 10) == [80.25]


def test_a_published_readings_own_time_is_kept_unless_arrival_is_asked_for() -> None:
    payload = json.dumps({"ts": "2026-11-24T14:03:07.512Z", "sensor": "t", "value": 5.5,
                          "units": "°C", "status": "ok"})
    sample = parse_payload(payload.encode(), "value", "t", payload_time=True)
    assert isinstance(sample, Sample) and sample.value == 5.5
    assert format_ts(sample.ts) == "2026-11-24T14:03:07.512Z"
    assert parse_payload(payload.encode(), "value", "t", payload_time=False) == 5.5
    no_time = json.dumps({"value": 1.0, "ts": "yesterday"}).encode()
    assert parse_payload(no_time, "value", "t", payload_time=True) == 1.0


def test_bad_payloads_become_readable_errors() -> None:
    from sensortop.sources import SourceError

    with pytest.raises(SourceError, match="not JSON"):
        parse_payload(b"{oops", "value", "t")
    with pytest.raises(SourceError, match="not a number"):
        parse_payload(b"hot", "", "t")
    with pytest.raises(SourceError, match="no key 'temp'"):
        parse_payload(b'{"value": 1}', "temp", "t")
    with pytest.raises(SourceError, match="error at source: sensor unplugged"):
        parse_payload(b'{"value": null, "status": "error", "error": "sensor unplugged"}',
                      "value", "t")


async def test_a_bad_payload_is_one_error_reading_and_the_subscription_stays(
        broker: MqttBroker, tmp_path: Path) -> None:
    sensor = spec("feed", "mqtt", port=broker.port, topic="plant/feed", interval=0.1)
    async with EngineRun([sensor], tmp_path) as run:
        await wait_until(lambda: run.engine.sensors["feed"].connected, 10, "subscription")
        await publish(broker, "plant/feed", "1", "garbage", "3")
        await run.wait_for("feed", Status.OK, 2)
    feed = run.of("feed")
    assert [r.value for r in feed] == [1.0, None, 3.0]
    assert "not a number" in (feed[1].error or "")


async def test_broker_lost_and_back_in_the_engine(broker: MqttBroker, tmp_path: Path) -> None:
    sensor = spec("remote", "mqtt", port=broker.port, topic="plant/remote", interval=0.1,
                  timeout=2.0)
    stop_feeding = asyncio.Event()

    async def feed() -> None:  # a device that keeps publishing, and rides out the outage
        n = 0
        while not stop_feeding.is_set():
            try:
                async with aiomqtt.Client(HOST, port=broker.port, timeout=1) as client:
                    while not stop_feeding.is_set():
                        n += 1
                        await client.publish("plant/remote", str(n), qos=0)
                        await asyncio.sleep(0.05)
            except aiomqtt.MqttError:
                await asyncio.sleep(0.1)

    feeder = asyncio.create_task(feed())
    try:
        async with EngineRun([sensor, neighbour()], tmp_path) as run:
            await peer_loss_scenario(run, "remote", broker.stop, broker.start, timeout=30)
    finally:
        stop_feeding.set()
        await feeder
    statuses = {line["status"] for line in run.log_lines() if line["sensor"] == "remote"}
    assert "ok" in statuses and statuses & {"error", "timeout"}


def test_publish_urls_are_parsed_and_bad_ones_refused() -> None:
    assert BrokerAddress.parse("mqtt://broker.local:1884/plant/line1") == \
        BrokerAddress("broker.local", 1884, "plant/line1")
    assert BrokerAddress.parse("mqtt://u:p%40ss@h/").password == "p@ss"
    assert BrokerAddress.parse("mqtt://h").prefix == "sensortop"
    for bad in ("http://h/x", "mqtt:///x", "mqtt://h:99999/x", "mqtt://h/a/#"):
        with pytest.raises(ValueError):
            BrokerAddress.parse(bad)


async def subscribe_all(broker: MqttBroker, topic: str, into: list[tuple[str, dict]],
                        ready: asyncio.Event) -> None:
    async with aiomqtt.Client(HOST, port=broker.port) as client:
        await client.subscribe(topic, qos=1)
        ready.set()
        async for message in client.messages:
            into.append((str(message.topic), json.loads(message.payload)))


async def listen(broker: MqttBroker, topic: str) -> tuple[list[tuple[str, dict]], asyncio.Task]:
    """Subscribe to ``topic`` in the background; return once subscribed: (messages, task)."""
    got: list[tuple[str, dict]] = []
    ready = asyncio.Event()
    listener = asyncio.create_task(subscribe_all(broker, topic, got, ready))
    await asyncio.wait_for(ready.wait(), 10)
    return got, listener


def reading(n: int, sensor: str = "temp") -> Reading:
    return Reading(1_790_000_000.0 + n, sensor, float(n), "°C", Status.OK)


async def test_publisher_sends_log_lines_to_prefix_and_sensor_id(broker: MqttBroker) -> None:
    got, listener = await listen(broker, "lab/#")
    publisher = MqttPublisher.from_url(f"{broker.url}/lab")
    await publisher.start()
    publisher.put(reading(1))
    publisher.put(Reading(1_790_000_001.5, "press", None, "bar", Status.ERROR, "no answer"))
    assert await publisher.stop() == 0
    await wait_until(lambda: len(got) == 2, 10, "two messages")
    listener.cancel()
    assert got[0] == ("lab/temp", {"ts": "2026-09-21T14:13:21.000Z", "sensor": "temp",
                                   "value": 1.0, "units": "°C", "status": "ok"})
    assert got[1][0] == "lab/press" and got[1][1]["error"] == "no answer"


async def test_publisher_buffers_while_the_broker_is_away_and_drains_when_it_returns(
        broker: MqttBroker) -> None:
    publisher = MqttPublisher.from_url(f"{broker.url}/buf")
    await publisher.start()
    await asyncio.wait_for(publisher.connected.wait(), 10)
    publisher.put(reading(-1))
    await wait_until(lambda: publisher.published == 1, 10, "the first reading acknowledged")
    broker.stop()
    for n in range(200):  # readings keep coming while the broker is gone: put never blocks
        publisher.put(reading(n))
    await wait_until(lambda: not publisher.connected.is_set(), 10, "the publisher to see the loss")
    # Nothing acknowledged, nothing dropped: all 200 wait for the broker.
    assert (publisher.backlog, publisher.published, publisher.dropped) == (200, 1, 0)
    broker.start()
    got, listener = await listen(broker, "buf/#")
    # Still running: the buffer drains on reconnecting, not only when stopped.
    await wait_until(lambda: publisher.backlog == 0, 20, "the backlog to drain")
    for n in range(200, 300):
        publisher.put(reading(n))
    assert await publisher.stop(timeout=20) == 0
    assert (publisher.published, publisher.dropped) == (301, 0)  # each acknowledged once
    await wait_until(lambda: {int(p["value"]) for _, p in got} >= set(range(200, 300)), 10,
                     "readings put after the broker came back")
    listener.cancel()


class Relay:
    """A TCP relay to the broker that can cut its links and refuse new ones: a network outage
    between publisher and broker while a subscriber, connected directly, sees everything."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._pipe, HOST, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()
        await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(HOST, self.target_port)
        self._writers += [writer, up_writer]

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


async def test_publisher_delivers_every_reading_put_while_its_link_was_down(
        broker: MqttBroker) -> None:
    got, listener = await listen(broker, "cut/#")
    relay = Relay(broker.port)
    await relay.up()
    publisher = MqttPublisher.from_url(f"mqtt://{HOST}:{relay.port}/cut")
    await publisher.start()
    await asyncio.wait_for(publisher.connected.wait(), 10)
    for n in range(100):
        publisher.put(reading(n))
    await relay.down()
    await wait_until(lambda: not publisher.connected.is_set(), 10, "the publisher to see the loss")
    for n in range(100, 300):
        publisher.put(reading(n))
    assert publisher.backlog >= 200 and publisher.dropped == 0
    await relay.up()
    await wait_until(lambda: publisher.backlog == 0, 20, "the backlog to drain")
    assert await publisher.stop(timeout=20) == 0
    await wait_until(lambda: {int(p["value"]) for _, p in got} >= set(range(300)), 10,
                     "every reading at the subscriber")
    listener.cancel()


async def test_publisher_over_its_buffer_limit_drops_only_the_oldest(
        broker: MqttBroker) -> None:
    got, listener = await listen(broker, "full/#")
    publisher = MqttPublisher.from_url(f"{broker.url}/full", buffer_limit=4)
    await publisher.start()
    await asyncio.wait_for(publisher.connected.wait(), 10)
    for n in range(300):  # faster than acknowledgements come back: the buffer overflows
        publisher.put(reading(n))
        await asyncio.sleep(0)
    assert await publisher.stop(timeout=20) == 0
    assert publisher.dropped > 0
    # Drops take the oldest, so the newest four are never dropped: they must arrive, even when
    # they were put while an older batch was still waiting for its acknowledgements.
    await wait_until(lambda: {int(p["value"]) for _, p in got} >= {296, 297, 298, 299},
                     10, "the newest readings")
    listener.cancel()


async def test_publisher_stop_reports_what_it_could_not_deliver(tmp_path: Path) -> None:
    dead = MqttBroker(tmp_path)  # never started: nothing listens on its port
    publisher = MqttPublisher.from_url(f"{dead.url}/x")
    await publisher.start()
    publisher.put(reading(1))
    assert await publisher.stop(timeout=0.5) == 1


def write_config(path: Path, sensors: list[dict]) -> Path:
    lines = ["[monitor]", 'log_dir = "logs"', ""]
    for sensor in sensors:
        lines.append("[[sensors]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in sensor.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


async def test_two_recorders_feed_a_third_instance_through_one_broker_without_loss(
        broker: MqttBroker, tmp_path: Path) -> None:
    """Recorders A and B run `sensortop record --publish`; C subscribes to all four sensors."""
    remote = {"a": ["a_temp", "a_press"], "b": ["b_temp", "b_flow"]}
    watched = [spec(sid, "mqtt", port=broker.port, topic=f"plant/{site}/{sid}", path="value",
                    qos=1, interval=0.1) for site, ids in remote.items() for sid in ids]
    async with EngineRun(watched, tmp_path / "c") as dashboard:
        await wait_until(lambda: all(s.connected for s in dashboard.engine.sensors.values()),
                         15, "C subscribed")
        recorders = []
        for site, ids in remote.items():
            config = write_config(tmp_path / site / "plant.toml", [
                {"id": sid, "kind": "simulated", "interval": 0.05, "setpoint": 10.0 * (i + 1),
                 "seed": i + (7 if site == "b" else 0)} for i, sid in enumerate(ids)])
            recorders.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sensortop", "record", "--config", str(config),
                "--duration", "2", "--publish", f"{broker.url}/plant/{site}",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
        outputs = [await asyncio.wait_for(p.communicate(), 60) for p in recorders]
        for process, (_, err) in zip(recorders, outputs, strict=True):
            assert process.returncode == 0, err.decode()
        sent: dict[str, list[float | None]] = {}
        sent_times: dict[str, list[str]] = {}
        for site in remote:
            for log in sorted((tmp_path / site / "logs").glob("sensortop-*.jsonl")):
                for line in log.read_text().splitlines():
                    record = json.loads(line)
                    sent.setdefault(record["sensor"], []).append(record["value"])
                    sent_times.setdefault(record["sensor"], []).append(record["ts"])
        assert set(sent) == {sid for ids in remote.values() for sid in ids}
        await wait_until(lambda: all(len(dashboard.of(sid)) >= len(values)
                                     for sid, values in sent.items()), 20,
                         "every published reading at C")
    for sid, values in sent.items():
        assert [r.value for r in dashboard.of(sid)] == values, sid
        # ...measured when the recorders measured them, not when they arrived at C.
        assert [format_ts(r.ts) for r in dashboard.of(sid)] == sent_times[sid], sid
