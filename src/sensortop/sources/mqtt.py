"""Subscribe to an MQTT topic; each message is one reading.

The payload is a bare number (``21.5``) or JSON with the number at a dotted
path (``value`` for readings that another sensortop publishes). A lost broker
ends the stream with an error; the engine reconnects with backoff, and the
subscription is made afresh on every connect.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import Sample, SourceError, StreamingSource
from sensortop.sources.dotted import number_at, to_number

if TYPE_CHECKING:
    import aiomqtt


class MqttSource(StreamingSource):
    """Values pushed by an MQTT broker on one topic."""

    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("host", str, "127.0.0.1", "broker host name or address"),
        Field("port", int, 1883, "broker TCP port", minimum=1, maximum=65535),
        Field("topic", str, help="topic to subscribe to, e.g. plant/reactor/temp"),
        Field("path", str, "", "dotted path into a JSON payload, e.g. value or data.temp "
              "(empty: the payload is a bare number)"),
        Field("qos", int, 1, "MQTT quality of service", minimum=0, maximum=2),
        Field("timestamps", str, "payload", "a reading's time: the payload's ts field where "
              "there is one (readings another sensortop published), or its arrival",
              choices=("payload", "arrival")),
        Field("username", str, None, "broker user name", optional=True),
        Field("password", str, None, "broker password", optional=True),
        Field("client_id", str, None, "MQTT client id (random when empty)", optional=True),
    )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """A topic the broker would refuse at every connect, found by check-config instead."""
        topic = options.get("topic") or ""
        if not topic:
            return ["topic must not be empty"]
        levels = topic.split("/")
        if any(("+" in level and level != "+") or ("#" in level and level != "#")
               for level in levels) or "#" in levels[:-1]:
            return [f"topic {topic[:80]!r} is not a valid MQTT filter: + and # stand "
                    "for whole levels, and # only last"]
        return []

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.client: aiomqtt.Client | None = None

    async def connect(self) -> None:
        import aiomqtt

        options = self.options
        client = aiomqtt.Client(
            options.get("host") or "127.0.0.1", port=options.get("port", 1883),
            username=options.get("username"), password=options.get("password"),
            identifier=options.get("client_id"), timeout=max(self.spec.timeout, 2.0),
            keepalive=30)
        where = f"mqtt://{options.get('host')}:{options.get('port')}"
        try:
            await client.__aenter__()
        except aiomqtt.MqttError as exc:
            raise SourceError(f"cannot connect to broker {where}: {exc}") from None
        self.client = client
        try:
            await client.subscribe(options["topic"], qos=options.get("qos", 1))
        except aiomqtt.MqttError as exc:
            await self.close()
            raise SourceError(f"cannot subscribe to {options['topic']!r}: {exc}") from None

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)

    async def stream(self) -> AsyncIterator[float | Sample]:
        import aiomqtt

        if self.client is None:
            raise SourceError("not connected to the broker")
        try:
            async for message in self.client.messages:
                try:
                    yield parse_payload(message.payload, self.options.get("path", ""),
                                        str(message.topic),
                                        self.options.get("timestamps") != "arrival")
                except SourceError as exc:
                    yield Unreadable(str(exc))  # type: ignore[misc]
        except aiomqtt.MqttError as exc:
            raise SourceError(f"lost the broker: {exc}") from None
        raise SourceError("the broker closed the connection")


class PayloadError(SourceError, ValueError):
    """A message that carried no usable number."""


class Unreadable:
    """Stands in for a bad message in the stream: ``float()`` of it raises PayloadError.

    The engine turns a streamed value that will not convert into one error
    reading and keeps the subscription, so one bad payload costs one reading,
    not a reconnect (which would drop the messages sent meanwhile).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __float__(self) -> float:
        raise PayloadError(self.reason)

    def __repr__(self) -> str:
        return f"Unreadable({self.reason!r})"


def parse_payload(payload: Any, path: str, topic: str = "",
                  payload_time: bool = False) -> float | Sample:
    """The number in one MQTT payload: a bare number, or JSON with the number at ``path``.

    With ``payload_time``, a JSON object's ISO ``ts`` (as sensortop publishes
    it) becomes the reading's time; without one, or unparsable, it is the arrival.
    """
    if isinstance(payload, bytes | bytearray):
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"payload on {topic!r} is not UTF-8 text") from None
    else:
        text = str(payload) if payload is not None else ""
    if not path:
        return to_number(text, f"payload on {topic!r}")
    try:
        document = json.loads(text)
    except ValueError:
        raise SourceError(f"payload on {topic!r} is not JSON: {text[:60]!r}") from None
    if isinstance(document, dict) and document.get("value") is None and document.get("error"):
        # A reading another sensortop published: carry its error across.
        raise SourceError(f"{document.get('status', 'error')} at source: {document['error']}")
    value = number_at(document, path)
    if payload_time and isinstance(document, dict) and isinstance(document.get("ts"), str):
        ts = _parse_iso(document["ts"])
        if ts is not None:
            return Sample(value, ts)
    return value


def _parse_iso(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
