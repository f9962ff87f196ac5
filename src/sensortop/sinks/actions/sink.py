"""The ``[[actions]]`` of a config as one sink: AlarmEvents in, actions run.

``put`` matches each AlarmEvent against the actions and queues a job per match
on the ``ActionRunner``; Readings are not its
business. It is built by ``sinks.registry.build_sinks`` when a config has
``[[actions]]``, so ``record`` and the dashboard both run them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.model.words import count_of
from sensortop.sinks.actions.runner import ActionRunner, Job
from sensortop.sinks.actions.terminal import TerminalWriter
from sensortop.sinks.base import Sink, SinkContext, SinkItem


class ActionsSink(Sink):
    """Runs the matching actions for every alarm event, off the loop, within time limits."""

    kind: ClassVar[str] = "actions"

    def __init__(self, actions: list[ActionSpec], runner: ActionRunner | None = None) -> None:
        self.actions = list(actions)
        self.runner = runner or ActionRunner()
        self.events = 0

    @classmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> ActionsSink:
        """Not an ``[[outputs]]`` kind: built from ``Config.actions`` (``build_sinks``)."""
        raise TypeError("the actions sink is built from [[actions]], not [[outputs]]")

    @property
    def name(self) -> str:
        return count_of(len(self.actions), "action")

    @property
    def purpose(self) -> str:
        return f"running {self.name} on alarm events"

    def delivered_text(self, delivered: int) -> str:
        return f"{count_of(delivered, 'action')} run, {self.runner.failed:,} failed"

    @property
    def uses_terminal(self) -> bool:
        """Whether any action writes to the terminal (the dashboard then plugs a writer)."""
        return any(a.kind in (ActionKind.BELL, ActionKind.NOTIFY) for a in self.actions)

    def plug_terminal(self, writer: TerminalWriter | None) -> None:
        """Send bell and notify escapes to ``writer`` (the dashboard's driver)."""
        self.runner.terminal.plug(writer)

    async def start(self) -> None:
        return None

    def put(self, item: SinkItem) -> None:
        if not isinstance(item, AlarmEvent):
            return
        self.events += 1
        for action in self.actions:
            if action.matches(item):
                self.runner.submit(Job(action, item))

    async def stop(self, deadline: float) -> list[SinkItem]:
        """Let running and queued actions finish until ``deadline``; hand back the events
        of those that never started (once each)."""
        await asyncio.to_thread(self.runner.wait, deadline - time.monotonic())
        cancelled = self.runner.shut()
        return list(dict.fromkeys(job.event for job in cancelled))

    @property
    def backlog(self) -> int:
        return self.runner.pending

    @property
    def error(self) -> str | None:
        runner = self.runner
        if runner.last_error is None:
            return None
        counts = []
        if runner.failed:
            counts.append(f"{runner.failed:,} failed")
        if runner.dropped:
            counts.append(f"{runner.dropped:,} dropped")
        return f"actions {', '.join(counts)}; last: {runner.last_error}"

    @property
    def dropped(self) -> int:
        return self.runner.dropped

    @property
    def delivered(self) -> int:
        return self.runner.done
