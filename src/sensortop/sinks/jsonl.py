"""The run's JSON Lines log as a sink: the ``Recorder`` behind the ``Sink`` contract.

The log holds readings only (README "The log files"): alarm events go to the
alarm journal (``sinks.journal``), which follows this log's name and rotation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading
from sensortop.sinks.base import Sink, SinkContext, SinkItem


class JsonlSink(Sink):
    """Every reading, batched and flushed, to the run's numbered .jsonl files."""

    kind: ClassVar[str] = "jsonl"
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("rotate_mb", float, None, "start a new numbered log file past this size "
              "(default: [monitor] rotate_mb)", minimum=0.001, maximum=1_000_000,
              optional=True),
        Field("batch_lines", int, 1000, "readings written in one go at most",
              minimum=1, maximum=1_000_000),
        Field("batch_seconds", float, 0.25, "the longest a reading waits before it is "
              "written and flushed", minimum=0.001, maximum=60),
    )

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> JsonlSink:
        rotate_mb = options.get("rotate_mb") or context.monitor.rotate_mb
        return cls(Recorder(context.log_dir, rotate_bytes=int(rotate_mb * 1024 * 1024),
                            batch_lines=options.get("batch_lines", 1000),
                            batch_seconds=options.get("batch_seconds", 0.25)))

    @property
    def name(self) -> str:
        return str(self.recorder.path or self.recorder.log_dir)

    async def start(self) -> None:
        await self.recorder.start()

    def put(self, item: SinkItem) -> None:
        if not isinstance(item, Reading):
            return  # transitions are not part of the log format; see the module docstring
        self.recorder.put(item)

    async def stop(self, deadline: float) -> list[SinkItem]:
        """Write everything; the deadline is not applied.

        The recorder's own stop is bounded (a few retries, then a rescue file), and
        cutting it short could lose readings it still holds. What it could save
        nowhere stays in ``backlog``, which the session reports.
        """
        await self.recorder.stop()
        return []

    @property
    def backlog(self) -> int:
        return self.recorder.backlog

    @property
    def error(self) -> str | None:
        return self.recorder.error

    @property
    def delivered(self) -> int:
        return self.recorder.written
