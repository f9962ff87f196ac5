"""Where the engine runs, as seen from the dashboard: its own thread, or the UI's loop.

The dashboard talks to sampling only through this small interface, so the
choice is one constructor argument. ``ThreadedLink`` is the default (see the
README's "threading model": measured by ``bench/bench_dashboard.py``);
``InlineLink`` runs engine and recorder on the UI's own event loop and is kept
for that comparison and for tests that want everything in one loop.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sensortop.archive.background import BackgroundCompactor
from sensortop.logs.writer import Recorder
from sensortop.model.specs import MonitorSpec
from sensortop.sampling.engine import Engine
from sensortop.sampling.session import SamplingSession, ThreadedSession
from sensortop.sinks.base import Sink

T = TypeVar("T")


class SamplingLink:
    """Start, stop and change a sampling session from the UI's event loop."""

    session: SamplingSession
    threaded: bool = False

    def __init__(self, session: SamplingSession) -> None:
        self.session = session
        self.started = False
        self.stopped = False
        self.flushed = threading.Event()
        """Set once sampling has stopped and the log is flushed (or it never started):
        from then on the process may end by any means without losing a reading."""

    @property
    def engine(self) -> Engine:
        return self.session.engine

    @property
    def recorder(self) -> Recorder:
        return self.session.recorder

    def compactor(self, monitor: MonitorSpec) -> BackgroundCompactor | None:
        """Background compaction of this run's finished logs (never its own open run)."""
        return BackgroundCompactor.beside(self.recorder, monitor)

    @property
    def outputs(self) -> Sequence[Sink]:
        """The run's sinks besides its log, whose errors the status line shows."""
        return self.session.sinks[1:]

    @property
    def log_dir(self) -> Path:
        """The folder the logs go to (and history is read back from)."""
        return self.session.log_dir

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop sampling and flush the log (idempotent)."""
        raise NotImplementedError

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Await ``make()`` where the engine lives (engine methods are not thread-safe)."""
        raise NotImplementedError

    async def call_sync(self, fn: Callable[[], T]) -> T:
        """Run a plain engine call where the engine lives."""
        raise NotImplementedError


SWITCH_INTERVAL = 0.001
"""GIL switch interval while the engine has its own thread. At Python's default
(5 ms) a sensor that falls due while the UI thread renders waits one or two
whole intervals for the GIL; at 1 ms sampling p99 halves (bench_dashboard:
11.2 -> 5.5 ms at 50 sensors, 12.1 -> 8.0 ms at 500) for the same CPU."""


class ThreadedLink(SamplingLink):
    """Engine and recorder on their own event loop in a daemon thread."""

    threaded = True

    def __init__(self, session: SamplingSession) -> None:
        super().__init__(session)
        self.runner = ThreadedSession(session)
        self._switch_interval = sys.getswitchinterval()

    async def start(self) -> None:
        self.started = True
        sys.setswitchinterval(SWITCH_INTERVAL)
        await asyncio.to_thread(self.runner.start)

    async def stop(self) -> None:
        if not self.started:
            self.flushed.set()  # nothing was sampled: nothing to flush
        if self.stopped or not self.started:
            return
        self.stopped = True
        try:
            await asyncio.to_thread(self.runner.stop)
        finally:
            sys.setswitchinterval(self._switch_interval)
            self.flushed.set()

    def stop_blocking(self) -> None:
        """For after the UI's loop has gone: make sure the log is flushed."""
        if self.started and not self.stopped:
            self.stopped = True
            try:
                self.runner.stop()
            finally:
                sys.setswitchinterval(self._switch_interval)
                self.flushed.set()

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        return await self.runner.call(make)

    async def call_sync(self, fn: Callable[[], T]) -> T:
        return await self.runner.call_sync(fn)


class InlineLink(SamplingLink):
    """Engine and recorder on the UI's own event loop."""

    async def start(self) -> None:
        self.started = True
        await self.session.start()

    async def stop(self) -> None:
        if not self.started:
            self.flushed.set()  # nothing was sampled: nothing to flush
        if self.stopped or not self.started:
            return
        self.stopped = True
        try:
            await self.session.stop()
        finally:
            self.flushed.set()

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        return await make()

    async def call_sync(self, fn: Callable[[], T]) -> T:
        return fn()
