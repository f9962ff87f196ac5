"""The contract every sensor source keeps.

A source is an async context manager: ``connect()`` once, then either
``read()`` on the engine's schedule (polled sources) or ``stream()`` values as
the peer pushes them (``streaming = True``), then ``close()``. The engine owns
timeouts, retries, reconnect backoff and turning failures into readings, so a
source only raises: any exception from ``connect``/``read``/``stream`` becomes
an ``error`` reading with the exception's text.

Source modules must stay cheap to import: import heavy client libraries
inside ``connect()``, because the config validator loads every kind's
``FIELDS`` to check a file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from sensortop.fields import Field

if TYPE_CHECKING:
    from sensortop.config import SensorSpec


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
    """Base class: subclasses set ``kind`` and ``FIELDS`` and implement ``read`` or ``stream``."""

    kind: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[Field, ...]] = ()
    connection: ClassVar[bool] = False
    """True when the source holds a connection: after a failure the engine closes
    it and reconnects with exponential backoff."""
    streaming: ClassVar[bool] = False
    """True when values are pushed by the peer through ``stream()``."""

    def __init__(self, spec: SensorSpec) -> None:
        self.spec = spec
        self.options: dict[str, Any] = spec.options

    async def connect(self) -> None:
        """Open whatever the source needs; raise on failure."""

    async def close(self) -> None:
        """Release what ``connect`` opened; must not raise."""

    async def read(self) -> float:
        """Return one value now; raise on failure. The engine applies the timeout."""
        raise NotImplementedError(f"{type(self).__name__} does not poll")

    def stream(self) -> AsyncIterator[float | Sample]:
        """Yield values (or Samples with their own time) as they arrive (streaming only)."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

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
