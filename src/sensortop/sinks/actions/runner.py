"""Runs matched actions in worker threads: bounded, counted, never in the way of sampling.

``submit`` only counts and hands the job to a pool of its own (not asyncio's
default executor, which sources may use: a hanging program must not take their
threads). At most ``concurrency`` actions run at once; past ``queue_limit``
waiting jobs a new one is dropped and counted. Every failure is counted and the
latest kept in words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import dataclass

import httpx

from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.sinks.actions.command import ActionFailed, Processes, run_command
from sensortop.sinks.actions.terminal import Terminal, escapes
from sensortop.sinks.actions.webhook import post_event

CONCURRENCY = 4
"""Actions running at once: one hanging program leaves the others their turn."""
QUEUE_LIMIT = 1000
"""Jobs waiting or running, past which new ones are dropped (and counted)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One action to run for one event."""

    action: ActionSpec
    event: AlarmEvent


class ActionRunner:
    """The pool, the counters and the tools the actions share (HTTP client, terminal)."""

    def __init__(self, concurrency: int = CONCURRENCY, queue_limit: int = QUEUE_LIMIT,
                 terminal: Terminal | None = None) -> None:
        self.queue_limit = queue_limit
        self.terminal = terminal or Terminal()
        self.processes = Processes()
        self.stopping = threading.Event()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sensortop-action")
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._futures: dict[Future[None], Job] = {}
        self.done = 0
        self.failed = 0
        self.dropped = 0
        self.last_error: str | None = None
        self.on_finish: Callable[[Job, str | None], None] | None = None
        """Called (in the worker thread) after each job with its error or None (tests)."""

    @property
    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._lock:
            return len(self._futures)

    def submit(self, job: Job) -> bool:
        """Queue ``job``; False (and counted as dropped) when the queue is full or stopped."""
        with self._lock:
            if self.stopping.is_set() or len(self._futures) >= self.queue_limit:
                self.dropped += 1
                self.last_error = (f"{self.dropped:,} action(s) dropped: "
                                   f"{len(self._futures):,} already waiting")
                return False
            future = self._pool.submit(self._run, job)
            self._futures[future] = job
        future.add_done_callback(self._forget)
        return True

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.pop(future, None)

    def _run(self, job: Job) -> None:
        error: str | None = None
        try:
            self._carry_out(job)
        except ActionFailed as exc:
            error = str(exc)
        except Exception as exc:  # a runner's bug must not kill the pool's thread silently
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            if error is None:
                self.done += 1
            else:
                self.failed += 1
                self.last_error = f"{job.action.label} for {job.event.sensor}: {error}"
        if self.on_finish is not None:
            self.on_finish(job, error)

    def _carry_out(self, job: Job) -> None:
        action, event = job.action, job.event
        if action.kind is ActionKind.COMMAND:
            run_command(action, event, self.processes)
        elif action.kind is ActionKind.WEBHOOK:
            post_event(self._http(), action, event, self.stopping)
        else:
            self.terminal.write(escapes(action, event))

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False)
            return self._client

    def wait(self, timeout: float) -> bool:
        """Block until every job is done or ``timeout`` passes; whether all are done."""
        with self._lock:
            futures = list(self._futures)
        _, not_done = wait_all(futures, timeout=max(timeout, 0.0))
        return not not_done

    def shut(self) -> list[Job]:
        """Stop taking jobs, cancel those not started, kill running programs; the cancelled."""
        self.stopping.set()
        with self._lock:
            waiting = [(f, j) for f, j in self._futures.items() if not f.running()]
        cancelled = [job for future, job in waiting if future.cancel()]
        self.processes.kill_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
        self.terminal.close()
        return cancelled
