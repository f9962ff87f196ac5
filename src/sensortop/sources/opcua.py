"""An OPC UA node's value (asyncua): pushed by a subscription, or polled.

The ``mode`` field picks the class when the sensor is made (``OpcUaSource.create``):
``subscribe`` (default) is a ``StreamingSource`` that asks the server for
data-change notifications, so changes arrive as they happen with no polling
traffic; ``poll`` is a ``PolledSource`` read on the engine's schedule. A server
that offers no subscriptions is a connect error that says to use ``poll``: the
engine owns every schedule, so the stream never turns into a poll loop of its
own. asyncua's own reconnect is left off: the engine reconnects with backoff,
and a lost session is reported through the stream as an error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from sensortop.config.fields import Field
from sensortop.model.specs import SensorSpec
from sensortop.sources.base import PolledSource, Source, SourceError, StreamingSource
from sensortop.sources.dotted import to_number

if TYPE_CHECKING:
    from asyncua import Client, Node


class _ChangeHandler:
    """asyncua calls these from its loop; they only enqueue."""

    def __init__(self, queue: asyncio.Queue[float | BaseException]) -> None:
        self.queue = queue

    def datachange_notification(self, node: Any, value: Any, data: Any) -> None:
        try:
            self.queue.put_nowait(to_number(value, f"value of {node}"))
        except SourceError as exc:
            self.queue.put_nowait(exc)

    def status_change_notification(self, status: Any) -> None:
        self.queue.put_nowait(SourceError(f"subscription ended by the server: {status}"))


class OpcUaSource(Source):
    """The ``opcua`` kind: its fields and the session both modes share.

    Never built directly: ``create`` makes an ``OpcUaSubscription`` or an
    ``OpcUaPolled`` from the sensor's ``mode``.
    """

    connection: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("endpoint", str, help="server endpoint, e.g. opc.tcp://127.0.0.1:4840/"),
        Field("node", str, help="node id, e.g. ns=2;i=2 or ns=2;s=Reactor.Temperature"),
        Field("mode", str, "subscribe", "subscribe to changes, or poll on the interval",
              choices=("subscribe", "poll")),
        Field("username", str, None, "user name, where the server asks for one", optional=True),
        Field("password", str, None, "password", optional=True),
    )

    @classmethod
    def create(cls, spec: SensorSpec) -> Source:
        """A subscription for ``mode = "subscribe"``, a polled source for ``"poll"``."""
        if spec.options.get("mode", "subscribe") == "poll":
            return OpcUaPolled(spec)
        return OpcUaSubscription(spec)

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """What every connect would otherwise fail on, found by check-config instead."""
        endpoint = options.get("endpoint") or ""
        if not endpoint.startswith("opc.tcp://") or len(endpoint) <= len("opc.tcp://"):
            return [f"endpoint must be opc.tcp://host:port/...; got {endpoint[:80]!r}"]
        return []

    def __init__(self, spec: SensorSpec) -> None:
        super().__init__(spec)
        self.client: Client | None = None
        self.node: Node | None = None
        self._queue: asyncio.Queue[float | BaseException] = asyncio.Queue()

    @property
    def where(self) -> str:
        return str(self.options["endpoint"])

    async def connect(self) -> None:
        from asyncua import Client, ua

        endpoint = self.options["endpoint"]
        problems = self.check_options(self.options)
        if problems:
            raise SourceError("; ".join(problems))
        client = Client(endpoint, timeout=max(self.spec.timeout, 0.5), watchdog_intervall=1.0)
        if self.options.get("username"):
            client.set_user(self.options["username"])
        if self.options.get("password"):
            client.set_password(self.options["password"])
        self._queue = asyncio.Queue()
        client.connection_lost_callback = self._on_lost
        try:
            await client.connect()
        except (OSError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise SourceError(f"cannot connect to {endpoint}: {reason}") from None
        self.client = client
        try:
            node = client.get_node(self.options["node"])
            await node.read_value()  # fail now, in words, for an unknown node
        except ua.UaStatusCodeError as exc:
            await self.close()
            raise SourceError(f"node {self.options['node']!r}: {exc}") from None
        except ValueError as exc:
            await self.close()
            raise SourceError(f"bad node id {self.options['node']!r}: {exc}") from None
        self.node = node
        await self._connected(client, node)

    async def _connected(self, client: Client, node: Node) -> None:
        """What a mode does once the session is open and the node answers."""

    async def _on_lost(self, exc: Exception) -> None:
        self._queue.put_nowait(SourceError(f"lost the connection to {self.where}: "
                                           f"{exc or type(exc).__name__}"))

    async def close(self) -> None:
        client, self.client, self.node = self.client, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), timeout=2.0)
            with contextlib.suppress(Exception):
                client.disconnect_socket()

    async def _read_node(self) -> float:
        from asyncua import ua

        if self.node is None:
            raise SourceError(f"not connected to {self.where}")
        try:
            value = await self.node.read_value()
        except ua.UaStatusCodeError as exc:
            raise SourceError(f"reading {self.options['node']!r}: {exc}") from None
        except (OSError, ConnectionError) as exc:
            raise SourceError(f"lost the connection to {self.where}: {exc}") from None
        return to_number(value, f"value of {self.options['node']}")


class OpcUaPolled(OpcUaSource, PolledSource):
    """``mode = "poll"``: the node is read on the engine's schedule over one session."""

    async def read(self) -> float:
        return await self._read_node()


class OpcUaSubscription(OpcUaSource, StreamingSource):
    """``mode = "subscribe"``: the server pushes each change of the node."""

    async def _connected(self, client: Client, node: Node) -> None:
        from asyncua import ua

        try:
            period_ms = max(self.spec.interval * 1000.0, 10.0)
            subscription = await client.create_subscription(
                period_ms, _ChangeHandler(self._queue))
            await subscription.subscribe_data_change(node)
        except ua.UaStatusCodeError as exc:
            await self.close()
            raise SourceError(f"{self.where} offers no subscriptions ({exc}); "
                              'set mode = "poll" to read the node every interval') from None

    async def stream(self) -> AsyncIterator[float]:
        while True:
            item = await self._queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item
