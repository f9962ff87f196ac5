"""The alarm journal: every ``AlarmEvent`` as one JSON line (README "The alarm journal").

``<log_dir>/events-YYYYmmdd-HHMMSS.jsonl``, the stamp of the run's readings log,
and rotated with it: each line goes to the part numbered like the readings part
being written at that moment (``events-...1.jsonl`` beside ``sensortop-...1.jsonl``).
It is the readings' own writer underneath (``logs.writer.Recorder``), so it has the
same guarantees: appended never rewritten, flushed within ``batch_seconds``, kept
through a failing disk (retries, then a rescue file), written out at stop.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sensortop.config.fields import Field
from sensortop.logs.files import journal_stem, part_path
from sensortop.logs.format import format_ts
from sensortop.logs.writer import Recorder
from sensortop.model.alarms import AlarmEvent
from sensortop.model.readings import Reading
from sensortop.model.words import count_of
from sensortop.sinks.base import SinkContext, SinkItem
from sensortop.sinks.jsonl import JsonlSink

NEVER = 2**62
"""The journal's own size limit: none; it rotates when the readings log does."""


def journal_line(event: AlarmEvent) -> bytes:
    """One event as its journal line, newline included, in the README's field order."""
    return (json.dumps(event.journal_fields(format_ts), ensure_ascii=False) + "\n").encode()


class JournalRecorder(Recorder):
    """A ``Recorder`` of alarm events whose files follow a readings ``Recorder``'s."""

    def __init__(self, readings: Recorder | None, context_dir: Any,
                 batch_seconds: float = 0.25) -> None:
        super().__init__(context_dir, rotate_bytes=NEVER, batch_lines=1000,
                         batch_seconds=batch_seconds)
        self.readings = readings

    def add(self, event: AlarmEvent) -> None:
        """Take one event (the queue is typed for readings; only ``_encode`` reads it)."""
        self.put(cast(Reading, event))

    async def _choose_stem(self) -> None:
        if self.readings is not None and self.readings.stem is not None:
            self.stem = journal_stem(self.readings.stem)
        else:  # on its own: a stamp of its own
            self.stem = journal_stem("sensortop-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
        self.path = part_path(self.log_dir, self.stem, self.part)

    async def _ensure_file(self, incoming: int) -> None:
        readings = self.readings
        if readings is not None and readings.part > self.part:  # the log rotated: follow it
            await self._close_file()
            self.part = readings.part
        await super()._ensure_file(incoming)

    def _encode(self, piece: Sequence[Reading]) -> bytes:
        return b"".join(journal_line(e) for e in cast(Sequence[AlarmEvent], piece))


class JournalSink(JsonlSink):
    """Always on, beside the run's JSON Lines log; takes alarm events, ignores readings.

    The log's sink with another recorder: starting, stopping (everything written,
    the deadline not applied), backlog, error and the count are the same."""

    kind: ClassVar[str] = "journal"
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("batch_seconds", float, 0.25, "the longest an event waits before it is "
              "written and flushed", minimum=0.001, maximum=60),
    )
    recorder: JournalRecorder

    @classmethod
    def beside(cls, readings: Recorder) -> JournalSink:
        """The journal of the run whose readings ``readings`` writes."""
        return cls(JournalRecorder(readings, readings.log_dir, readings.batch_seconds))

    @classmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> JournalSink:
        """A journal on its own (no readings log to follow): its own stamp, no rotation."""
        return cls(JournalRecorder(None, context.log_dir, options.get("batch_seconds", 0.25)))

    def put(self, item: SinkItem) -> None:
        if isinstance(item, AlarmEvent):
            self.recorder.add(item)

    @property
    def purpose(self) -> str:
        return f"also sending alarm events to the journal {self.name}"

    def delivered_text(self, delivered: int) -> str:
        return f"{count_of(delivered, 'alarm event')} written"
