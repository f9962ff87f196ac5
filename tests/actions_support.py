"""Helpers the action tests share: events, specs, and a runner that reports each finish."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent, AlarmKind, EventKind, Lifecycle, Priority
from sensortop.sinks.actions.runner import ActionRunner, Job
from sensortop.sinks.actions.sink import ActionsSink

PROGRAMS = Path(__file__).resolve().parent / "programs"
RECORD_EVENT = PROGRAMS / "record_event.py"
TS = 1_795_000_000.25  # 2026-11-18T11:06:40.250Z


def event(sensor: str = "reactor_temp", kind: EventKind = EventKind.RAISE,
          priority: Priority = Priority.HIGH, value: float | None = 161.2,
          **extra: object) -> AlarmEvent:
    to_state = Lifecycle.UNACK if kind is EventKind.RAISE else Lifecycle.NORMAL
    fields: dict[str, object] = {"ts": TS, "sensor": sensor, "alarm": AlarmKind.HI,
                                 "priority": priority, "event": kind,
                                 "from_state": Lifecycle.NORMAL, "to_state": to_state,
                                 "value": value, "limit": 160.0} | extra
    return AlarmEvent(**fields)  # type: ignore[arg-type]


def command(*argv: str, timeout: float = 5.0, index: int = 0, **fields: object) -> ActionSpec:
    return ActionSpec(ActionKind.COMMAND, index, argv=(sys.executable, *argv),
                      timeout=timeout, **fields)  # type: ignore[arg-type]


class Finishes:
    """Collects (job, error) as the runner finishes jobs; waitable from async tests."""

    def __init__(self, runner: ActionRunner) -> None:
        self.items: list[tuple[Job, str | None]] = []
        self._lock = threading.Lock()
        runner.on_finish = self._add

    def _add(self, job: Job, error: str | None) -> None:
        with self._lock:
            self.items.append((job, error))

    def __len__(self) -> int:
        with self._lock:
            return len(self.items)

    @property
    def errors(self) -> list[str | None]:
        with self._lock:
            return [error for _, error in self.items]


def sink_with(*actions: ActionSpec, **runner: object) -> tuple[ActionsSink, Finishes]:
    sink = ActionsSink(list(actions), ActionRunner(**runner))  # type: ignore[arg-type]
    return sink, Finishes(sink.runner)
