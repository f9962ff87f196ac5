"""Daemon threads for the recorder's file I/O.

A write stuck on a hung disk (a dead NFS server) raises nothing and never
returns; run on a pool thread, it would keep the process from exiting, since
those are joined at interpreter exit. Every disk call of the recorder runs on
a daemon thread from here instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any


class DaemonExecutor(concurrent.futures.Executor):
    """One daemon thread for the log's file I/O, in order.

    A write stuck on a hung disk must not keep the process from exiting, as a
    pool thread would (those are joined at interpreter exit).
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="sensortop-recorder-io",
                                            daemon=True)
            self._thread.start()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            if wait:
                self._thread.join()


async def in_daemon_thread(seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` on a fresh daemon thread, giving up after ``seconds``."""
    executor = DaemonExecutor()
    try:
        future = asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        return await asyncio.wait_for(future, seconds)
    except TimeoutError:
        raise TimeoutError(f"no answer within {seconds:g} s") from None
    finally:
        executor.shutdown(wait=False)
