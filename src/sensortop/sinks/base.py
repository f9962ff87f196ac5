"""The contract every output keeps, so the session can start, feed and stop any of them.

``put`` runs on the engine's loop for every reading and alarm event and must
return at once (buffer, never wait). ``stop(deadline)`` delivers what it can until
``deadline`` (a ``time.monotonic()`` instant) and returns what it could not, so the
session can report it; a sink never drops items silently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.model.alarms import AlarmEvent
from sensortop.model.readings import Reading
from sensortop.model.specs import MonitorSpec
from sensortop.model.words import count_of

SinkItem = Reading | AlarmEvent
"""What the engine hands a sink; a sink ignores the kinds it has no use for."""


@dataclass(frozen=True, slots=True)
class SinkContext:
    """What a sink may need from the run beyond its own fields."""

    monitor: MonitorSpec
    log_dir: Path
    """The log folder in effect: [monitor] log_dir, or --log-dir."""
    base_dir: Path | None = None
    """The config file's folder: relative paths in a sink's fields are relative to it."""


class Sink(ABC):
    """One output. Subclasses set ``kind`` and ``FIELDS`` and implement the five members."""

    kind: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[Field, ...]] = ()
    """The ``[[outputs]]`` keys this kind takes (besides ``kind``), checked like a source's."""

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """Problems beyond single fields' types and ranges. ``options`` holds only the
        valid fields (with defaults), so a required field that was bad may be absent."""
        return []

    @classmethod
    @abstractmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> Sink:
        """Build the sink from validated ``options`` (every field present, defaults filled)."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Where it writes, for people: a file, a URL."""

    @abstractmethod
    async def start(self) -> None:
        """Get ready to take items; a target that is not there yet is an ``error``, not a raise."""

    @abstractmethod
    def put(self, item: SinkItem) -> None:
        """Take one item without waiting (called on the engine's loop)."""

    @abstractmethod
    async def stop(self, deadline: float) -> list[SinkItem]:
        """Deliver what is buffered until ``deadline`` (monotonic), then return what was not."""

    @property
    @abstractmethod
    def backlog(self) -> int:
        """Items taken but not yet delivered."""

    @property
    @abstractmethod
    def error(self) -> str | None:
        """The latest failure in words, or None while all is well."""

    @property
    def dropped(self) -> int:
        """Items given up before stop (e.g. past a buffer limit): gone, but counted."""
        return 0

    @property
    def purpose(self) -> str:
        """What it does, in one line (``record`` says it at the start)."""
        return f"also sending every reading to {self.kind} output {self.name}"

    def delivered_text(self, delivered: int) -> str:
        """``delivered`` in words, for ``record``'s summary."""
        return f"{count_of(delivered, 'reading')} sent"

    @property
    def delivered(self) -> int | None:
        """Items delivered so far, if the sink counts them (``record`` shows it)."""
        return None
