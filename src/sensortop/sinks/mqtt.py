"""Readings to an MQTT broker as a sink: the ``MqttPublisher`` behind the ``Sink`` contract.

Each reading goes, as its log line, to ``<prefix>/<sensor_id>`` (README "Outputs").
Alarm events are not published (the state travels in each reading's
``alarm`` field); they are ignored here on purpose.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.model.readings import Reading
from sensortop.sinks.base import Sink, SinkContext, SinkItem
from sensortop.sinks.mqtt_client import BUFFER_LIMIT, BrokerAddress, MqttPublisher


class MqttSink(Sink):
    """Every reading, acknowledged, to a broker; buffered while the broker is away."""

    kind: ClassVar[str] = "mqtt"
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("url", str, help="the broker and topic prefix: mqtt://[user:password@]host"
              "[:port]/prefix"),
        Field("qos", int, 1, "MQTT quality of service: 0 at most once, 1 at least once, "
              "2 exactly once", minimum=0, maximum=2),
        Field("client_id", str, None, "the client id at the broker (default: a random one)",
              optional=True, one_line=True),
        Field("buffer_limit", int, BUFFER_LIMIT, "readings held while the broker is away; "
              "past this the oldest are dropped, and counted", minimum=1,
              maximum=100_000_000),
    )

    def __init__(self, publisher: MqttPublisher) -> None:
        self.publisher = publisher

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        if "url" not in options:  # missing or invalid: reported already
            return []
        try:
            BrokerAddress.parse(options["url"])
        except ValueError as exc:
            return [f"field 'url': {exc}"]
        return []

    @classmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> MqttSink:
        return cls(MqttPublisher(BrokerAddress.parse(options["url"]),
                                 qos=options.get("qos", 1),
                                 client_id=options.get("client_id"),
                                 buffer_limit=options.get("buffer_limit", BUFFER_LIMIT)))

    @property
    def name(self) -> str:
        return str(self.publisher.address)

    async def start(self) -> None:
        await self.publisher.start()

    def put(self, item: SinkItem) -> None:
        if not isinstance(item, Reading):
            return  # alarm transitions and events are not published; see the module docstring
        self.publisher.put(item)

    async def stop(self, deadline: float) -> list[SinkItem]:
        await self.publisher.stop(timeout=max(deadline - time.monotonic(), 0.0))
        return list(self.publisher.pending)

    @property
    def backlog(self) -> int:
        return self.publisher.backlog

    @property
    def error(self) -> str | None:
        if self.publisher.dropped:
            return (f"the {self.publisher.dropped:,} oldest dropped past buffer_limit; "
                    f"{self.publisher.last_error or 'broker unreachable'}")
        return self.publisher.last_error

    @property
    def dropped(self) -> int:
        return self.publisher.dropped

    @property
    def delivered(self) -> int:
        return self.publisher.published
