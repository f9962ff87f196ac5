"""The contract every sensor source keeps: two small abstract classes.

A ``PolledSource`` is read on the engine's schedule: ``connect()`` once,
``read()`` every interval, ``close()`` at the end; ``connection = True`` when it
holds a link (the engine then closes and reconnects it with backoff after a
failure). A ``StreamingSource`` pushes values as the peer sends them:
``connect()``, then ``stream()``, then ``close()``; a lost stream is
reconnected with backoff. A kind picks one class, or, when its options decide
(``opcua``'s ``mode``), one per sensor in its ``create`` factory.

The engine owns every schedule, timeout, retry and reconnect, and turns
failures into readings: a source only raises (a ``SourceError`` in words fit
for the panel and the log), never sleeps to pace itself or times itself out.

Source modules must stay cheap to import: import heavy client libraries
inside ``connect()``, because the config validator loads every kind's
``FIELDS`` to check a file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

from sensortop.config.fields import Field
from sensortop.model.specs import SensorSpec


class SourceError(Exception):
    """A failure the source explains in words fit for the panel and the log."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A streamed value that carries the time it was measured (epoch seconds).

    Streams yield plain floats when the arrival time is the measurement time;
    a Sample when the peer says when (another sensortop's published reading),
    so a backlog replayed after an outage keeps its real times.
    """

    value: float
    ts: float


class Source:
    """What both kinds of source share: ``FIELDS``, the spec, connect and close.

    Derive a kind from ``PolledSource`` or ``StreamingSource``, not from this.
    """

    FIELDS: ClassVar[tuple[Field, ...]] = ()
    """The kind-specific config fields, checked by ``check-config``."""
    connection: ClassVar[bool] = False
    """True when the source holds a connection: after a failure the engine closes
    it and reconnects with exponential backoff."""
    streaming: ClassVar[bool] = False
    """True for every ``StreamingSource``; a class fact, never set per instance."""

    def __init__(self, spec: SensorSpec) -> None:
        self.spec = spec
        self.options: dict[str, Any] = spec.options

    @classmethod
    def create(cls, spec: SensorSpec) -> Source:
        """The factory the kind registry calls: a new source for ``spec``.

        A kind whose options choose between a polled and a streaming class
        overrides this; the rest are built as ``cls(spec)``.
        """
        return cls(spec)

    async def connect(self) -> None:
        """Open whatever the source needs; raise on failure."""

    async def close(self) -> None:
        """Release what ``connect`` opened; must not raise."""

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class PolledSource(Source, ABC):
    """Read on the engine's schedule: one value per ``read()``."""

    connection: ClassVar[bool] = False
    answers_at_once: ClassVar[bool] = False
    """True when ``read()`` usually returns without awaiting anything and uses nothing
    bound to a task (``asyncio.timeout``, ``current_task``) before its first await.
    The engine then runs its first step straight from the schedule, with no task of
    its own, and gives it a task (and the timeout) only if it does await."""

    @abstractmethod
    async def read(self) -> float:
        """Return one value now; raise on failure. The engine applies the timeout."""


class StreamingSource(Source, ABC):
    """Values pushed by the peer through ``stream()``; always connection-style."""

    connection: ClassVar[bool] = True
    streaming: ClassVar[bool] = True

    @abstractmethod
    def stream(self) -> AsyncIterator[float | Sample]:
        """Yield values (or Samples with their own time) as they arrive; raise when the
        link is lost (the engine reconnects)."""
