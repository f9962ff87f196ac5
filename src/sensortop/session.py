"""One sampling run: the engine wired to the recorder. Both faces use it.

``SamplingSession`` lives on the caller's event loop (``sensortop record``).
``ThreadedSession`` runs the same thing on an event loop of its own in a
daemon thread, so a slow frame in the dashboard never delays a reading; the
dashboard reads history buffers directly (appends are atomic enough for
drawing) and changes sensors through ``call()``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from sensortop.engine import Engine
from sensortop.model import Config
from sensortop.recorder import Recorder

T = TypeVar("T")


class SamplingSession:
    """Engine + recorder for one config; start/stop in the right order."""

    def __init__(self, config: Config, log_dir: Path | None = None) -> None:
        self.config = config
        self.log_dir = Path(log_dir) if log_dir is not None else config.monitor.log_dir
        self.engine = Engine(config.sensors, history=config.monitor.history)
        self.recorder = Recorder(self.log_dir,
                                 rotate_bytes=int(config.monitor.rotate_mb * 1024 * 1024))
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        await self.recorder.start()
        self._unsubscribe = self.engine.subscribe(self.recorder.put)
        await self.engine.start()

    async def stop(self) -> None:
        """Stop sampling first, then flush every reading to disk."""
        await self.engine.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.recorder.stop()


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
