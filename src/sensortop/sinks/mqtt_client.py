"""Publish every reading to an MQTT broker: how sensortop grows past one machine.

The ``mqtt`` output (``[[outputs]] kind = "mqtt"``, or ``sensortop record --publish
mqtt://host:port/prefix``; see ``sensortop.sinks.mqtt``) sends each reading, as
its log line, to ``<prefix>/<sensor_id>`` with QoS 1. ``put`` only appends to a
buffer; one task drains it, so a slow or absent broker never blocks sampling.
A reading leaves the buffer only once the broker has acknowledged it, so a
broker that goes away briefly loses nothing: the client reconnects with backoff
and carries on from the first unacknowledged reading (QoS 1 is at-least-once,
so a reading in flight at the drop may arrive twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from sensortop.logs.format import format_line
from sensortop.model.readings import Reading

if TYPE_CHECKING:
    import aiomqtt

log = logging.getLogger(__name__)

DEFAULT_PORT = 1883
BACKOFF_START = 0.2
BACKOFF_MAX = 10.0
IN_FLIGHT = 64
"""Readings published before awaiting their acknowledgements (one round trip per batch)."""
BUFFER_LIMIT = 1_000_000
"""Readings held while the broker is away; past this the oldest are dropped, and counted."""


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where to publish: parsed from ``mqtt://[user:password@]host[:port]/prefix``."""

    host: str
    port: int = DEFAULT_PORT
    prefix: str = "sensortop"
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """ValueError with words for anything that is not a usable mqtt:// URL."""
        parts = urlsplit(url)
        if parts.scheme != "mqtt":
            raise ValueError(f"publish URL must start with mqtt://; got {url!r}")
        if not parts.hostname:
            raise ValueError(f"publish URL has no host: {url!r}")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise ValueError(f"publish URL has a bad port: {url!r}") from None
        prefix = unquote(parts.path).strip("/") or "sensortop"
        if "#" in url or "+" in prefix or parts.query:
            raise ValueError(f"topic prefix must not contain # or +: {prefix!r}")
        return cls(parts.hostname, port, prefix,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def __str__(self) -> str:
        return f"mqtt://{self.host}:{self.port}/{self.prefix}"


class MqttPublisher:
    """Buffers the engine's readings and publishes them, acknowledged, to a broker."""

    def __init__(self, address: BrokerAddress, *, qos: int = 1,
                 client_id: str | None = None, buffer_limit: int = BUFFER_LIMIT) -> None:
        self.address = address
        self.qos = qos
        self.client_id = client_id
        self.published = 0
        self.dropped = 0
        self.last_error: str | None = None
        self.connected = asyncio.Event()
        self._pending: deque[Reading] = deque()
        self._buffer_limit = buffer_limit
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def from_url(cls, url: str, **kwargs: object) -> MqttPublisher:
        """A publisher for ``mqtt://host:port/prefix``; ValueError for a bad URL."""
        return cls(BrokerAddress.parse(url), **kwargs)  # type: ignore[arg-type]

    @property
    def backlog(self) -> int:
        """Readings not yet acknowledged by the broker."""
        return len(self._pending)

    @property
    def pending(self) -> list[Reading]:
        """The readings not yet acknowledged, oldest first (what ``stop`` could not deliver)."""
        return list(self._pending)

    def topic_for(self, sensor_id: str) -> str:
        return f"{self.address.prefix}/{sensor_id}"

    def put(self, reading: Reading) -> None:
        """Buffer and return at once (called on the engine's loop)."""
        if len(self._pending) >= self._buffer_limit:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append(reading)
        self._wakeup.set()

    async def start(self) -> None:
        """Start publishing in the background; ``put`` feeds it."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"publish:{self.address}")

    async def stop(self, timeout: float = 5.0) -> int:
        """Stop taking readings, publish what is buffered (for up to ``timeout`` s), disconnect.

        Returns how many readings could not be delivered (0 when all went out);
        ``pending`` holds them.
        """
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        return len(self._pending)

    async def _run(self) -> None:
        import aiomqtt

        backoff = BACKOFF_START
        while not (self._stopping and not self._pending):
            try:
                async with self._client(aiomqtt) as client:
                    self.connected.set()
                    backoff = BACKOFF_START
                    await self._drain(client)
                    return  # stopping with an empty buffer
            except Exception as exc:  # any failure: reconnect, keep the buffer
                self.last_error = str(exc) or type(exc).__name__
                log.info("publishing to %s: %s; retrying in %.1f s", self.address, exc, backoff)
            finally:
                self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def _client(self, aiomqtt: object) -> aiomqtt.Client:
        a = self.address
        return aiomqtt.Client(  # type: ignore[attr-defined]
            a.host, port=a.port, username=a.username, password=a.password,
            identifier=self.client_id, timeout=5.0, keepalive=30,
            max_inflight_messages=IN_FLIGHT)

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Publish batches until stopping with nothing left; a reading leaves only when acked."""
        while True:
            if not self._pending:
                if self._stopping:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = [self._pending[i] for i in range(min(IN_FLIGHT, len(self._pending)))]
            results = await asyncio.gather(
                *(client.publish(self.topic_for(r.sensor), encode(r), qos=self.qos)
                  for r in batch), return_exceptions=True)
            done = 0
            for result in results:  # keep order: stop at the first unacknowledged one
                if isinstance(result, BaseException):
                    break
                done += 1
            # put() may have dropped the oldest (in-flight) readings meanwhile: remove what was
            # acknowledged by identity, never by count, or unsent readings would go uncounted.
            for acked in batch[:done]:
                if self._pending and self._pending[0] is acked:
                    self._pending.popleft()
            self.published += done
            failure = next((r for r in results if isinstance(r, BaseException)), None)
            if failure is not None:
                raise failure


def encode(reading: Reading) -> bytes:
    """A reading as its log line (without the newline)."""
    return format_line(reading).rstrip("\n").encode()
