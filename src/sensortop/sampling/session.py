"""One sampling run: the engine wired to its outputs (sinks). Both faces use it.

``SamplingSession`` lives on the caller's event loop (``sensortop record``).
It owns the order: sinks start before the engine, so no reading arrives at a
sink that is not ready; the engine stops before the sinks, so every reading
it made reaches them; each sink then gets the same deadline to deliver what it
holds, and one that fails or hangs neither delays the others past it nor goes
unreported (``stop`` returns a ``SinkReport`` for each).
``ThreadedSession`` runs the same thing on an event loop of its own in a
daemon thread, so a slow frame in the dashboard never delays a reading; the
dashboard reads history buffers directly (appends are atomic enough for
drawing) and changes sensors through ``call()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sensortop.logs.writer import Recorder
from sensortop.model.specs import Config
from sensortop.sampling.engine import Engine
from sensortop.sinks.base import Sink, SinkItem
from sensortop.sinks.jsonl import JsonlSink
from sensortop.sinks.registry import build_sinks

T = TypeVar("T")
log = logging.getLogger(__name__)

STOP_TIMEOUT = 5.0
"""Seconds every sink gets, together, to deliver what it holds once sampling has stopped."""
STOP_GRACE = 5.0
"""Past its deadline a sink that has still not returned is given up on (and reported)."""


@dataclass(slots=True)
class SinkReport:
    """How one sink ended: what it could not deliver, and why."""

    name: str
    kind: str
    undelivered: int = 0
    items: list[SinkItem] = field(default_factory=list)
    """The undelivered items the sink handed back (fewer than ``undelivered`` when some
    were dropped earlier, or the sink failed or hung)."""
    error: str | None = None
    failed: bool = False
    """Its stop raised or overran the deadline: what it held may be lost."""


class SamplingSession:
    """Engine + sinks for one config; start/stop in the right order."""

    def __init__(self, config: Config, log_dir: Path | None = None,
                 publish: str | None = None) -> None:
        self.config = config
        self.log_dir = Path(log_dir) if log_dir is not None else config.monitor.log_dir
        self.engine = Engine(config.sensors, history=config.monitor.history)
        self.sinks: list[Sink] = build_sinks(config, self.log_dir, publish)
        self.reports: list[SinkReport] = []
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def primary(self) -> JsonlSink:
        """The run's JSON Lines log (always the first sink)."""
        sink = self.sinks[0]
        assert isinstance(sink, JsonlSink)
        return sink

    @property
    def recorder(self) -> Recorder:
        """The log writer the dashboard's status line and ``record`` show."""
        return self.primary.recorder

    async def start(self) -> None:
        """Start every sink, then the engine."""
        for sink in self.sinks:
            await sink.start()
            self._unsubscribe.append(self.engine.subscribe_events(sink.put))
        await self.engine.start()

    async def stop(self, timeout: float = STOP_TIMEOUT) -> list[SinkReport]:
        """Stop sampling first, then give every sink until one deadline to deliver."""
        await self.engine.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        deadline = time.monotonic() + timeout
        self.reports = list(await asyncio.gather(*(_stop_one(sink, deadline)
                                                    for sink in self.sinks)))
        return self.reports


async def _stop_one(sink: Sink, deadline: float) -> SinkReport:
    report = SinkReport(sink.name, sink.kind)
    task = asyncio.ensure_future(sink.stop(deadline))
    try:
        report.items = list(await asyncio.wait_for(
            asyncio.shield(task), max(deadline + STOP_GRACE - time.monotonic(), 0.0)))
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        report.error = "did not stop by its deadline"
        report.failed = True
    except Exception as exc:  # a failing sink must not cost the others their stop
        report.error = f"failed to stop: {exc or type(exc).__name__}"
        report.failed = True
        log.warning("output %s failed to stop", sink.name, exc_info=True)
    report.undelivered = max(len(report.items), _count(lambda: sink.backlog)) + \
        _count(lambda: sink.dropped)
    if report.error is None and report.undelivered:
        report.error = sink.error
    if report.undelivered:
        log.info("%d items not delivered to %s: %s", report.undelivered, sink.name,
                    report.error or "no reason given")
    return report


def _count(read: Callable[[], int]) -> int:
    try:
        return max(int(read()), 0)
    except Exception:  # a broken sink still gets reported, with what it handed back
        return 0


class ThreadedSession:
    """A SamplingSession on its own event loop in a background thread."""

    def __init__(self, session: SamplingSession) -> None:
        self.session = session
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="sensortop-engine",
                                        daemon=True)

    @property
    def engine(self) -> Engine:
        return self.session.engine

    @property
    def recorder(self) -> Recorder:
        return self.session.recorder

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, make: Callable[[], Awaitable[T]]) -> Future[T]:
        """Run ``make()`` on the engine's loop; returns a concurrent Future."""
        async def runner() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(runner(), self.loop)

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Await ``make()`` run on the engine's loop, from another loop."""
        return await asyncio.wrap_future(self.submit(make))

    async def call_sync(self, fn: Callable[[], T]) -> T:
        """Run a plain function on the engine's loop (engine methods are not thread-safe)."""
        async def runner() -> T:
            return fn()

        return await self.call(runner)

    def start(self) -> None:
        self._thread.start()
        self.submit(self.session.start).result()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop sampling and flush the log; blocks until done (call it off the UI loop)."""
        if not self._thread.is_alive():
            return
        try:
            self.submit(self.session.stop).result(timeout)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
