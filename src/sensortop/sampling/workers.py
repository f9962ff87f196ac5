"""``record --workers N``: the sensors spread over N processes, one log written by this one.

Each worker (``worker_proc``) runs an engine for its share of the sensors
and sends its readings here in batches of ready-made JSON lines (``batch``);
this process is the run's one log writer, so the log stays one set of files
in the format every reader knows. A reader thread per worker takes whole
messages off its pipe and hands them to the event loop, which appends the
lines to the log and counts readings per sensor from the batch's columns.

A worker that dies is restarted (at once, then with doubling waits if it
keeps dying young), said once as a warning, and counted. What it had taken
but not yet sent is lost; that is never silent: at once, one error reading
per sensor of it goes into the log ("worker 2 died ...: no readings since
..."), and when its sensors read again the missed slots are counted
(``missed``). A batch is written whole or not at all, so no reading is ever
written twice. ``stop()`` asks every worker to finish (SIGTERM), writes what
they send, and only kills one that has not finished by ``STOP_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
import struct
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import numpy as np

from sensortop.logs.format import encode_lines, format_ts
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status
from sensortop.model.specs import SensorSpec
from sensortop.sampling.batch import Batch, decode_batch, is_batch
from sensortop.sampling.worker_proc import END, READY, worker_main

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0
"""A worker asked to stop has this long to send its last readings before it is killed."""
YOUNG = 10.0
"""A worker that dies sooner than this after its start is restarted after a wait."""
RESTART_START = 0.5
RESTART_MAX = 30.0


@dataclass(slots=True)
class Death:
    """A worker process that ended without being asked to."""

    worker: int
    pid: int | None
    how: str
    at: float
    sensors: int


@dataclass(eq=False)
class _Worker:
    number: int
    specs: list[SensorSpec]
    base: int  # the index of its first sensor in the pool's arrays
    process: BaseProcess | None = None
    generation: int = 0
    pid: int | None = None
    clean: bool = False  # the current process sent its end message
    launched: float = 0.0  # wall time of the current process's start
    wait: float = RESTART_START
    lateness: list[np.ndarray] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    gap_open: bool = False
    received: int = 0  # readings of the current process written to the log


class WorkerPool:
    """N worker processes feeding one ``Recorder``; per-sensor tallies for the summary."""

    def __init__(self, specs: list[SensorSpec], workers: int, recorder: Recorder, *,
                 history: int = 2, method: str | None = None) -> None:
        """``history``: points each worker's engine keeps per sensor. Nobody draws a
        record run, so the least (600 x 10,000 sensors would be 96 MB per run)."""
        if not specs:
            raise ValueError("no sensors to spread over workers")
        self.recorder = recorder
        self.history = history
        methods = multiprocessing.get_all_start_methods()
        method = method or ("forkserver" if "forkserver" in methods else "spawn")
        self._context: Any = multiprocessing.get_context(method)  # its Process, Pipe
        if method == "forkserver":  # a restart forks a process that has the engine loaded
            self._context.set_forkserver_preload(["sensortop.sampling.worker_proc"])
        self.specs = list(specs)
        self.ids = [spec.id for spec in self.specs]
        n = max(1, min(workers, len(self.specs)))
        bounds = np.linspace(0, len(self.specs), n + 1).astype(int)
        self.workers = [_Worker(i + 1, self.specs[a:b], int(a))
                        for i, (a, b) in enumerate(itertools.pairwise(bounds))]
        total = len(self.specs)
        self.intervals = np.array([spec.interval for spec in self.specs])
        self.readings = np.zeros(total, np.int64)
        self.failures = np.zeros(total, np.int64)
        self.last_ts = np.full(total, np.nan)
        self.last_value = np.full(total, np.nan)
        self._gap_from = np.full(total, np.nan)
        self.readings_total = 0
        self.markers = 0  # error readings written for the sensors of a dead worker
        self.missed = 0  # readings the schedules had due while a worker was dead
        self.bad_messages = 0
        self.taken_by_ended = 0
        """Readings taken, by their own count, by the worker processes that ended cleanly..."""
        self.received_from_ended = 0
        """... and how many of theirs were written: equal unless a batch was lost."""
        self.deaths: list[Death] = []
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for worker in self.workers:
            await self._launch(worker)

    async def stop(self) -> None:
        """Ask every worker to finish; write what they send; kill one that overruns."""
        self._stopping = True
        self._stop_event.set()
        for worker in self.workers:
            _signal(worker.process, signal.SIGTERM)
        waits = [worker.done.wait() for worker in self.workers]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), STOP_SECONDS)
        except TimeoutError:
            for worker in self.workers:
                if not worker.done.is_set():
                    log.warning("worker %d did not finish within %g s; killing it",
                                worker.number, STOP_SECONDS)
                    _signal(worker.process, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(w.done.wait() for w in self.workers)),
                                       STOP_SECONDS)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        now = time.time()
        gaps = ~np.isnan(self._gap_from)  # died and never came back: missed until now
        self.missed += int(np.floor((now - self._gap_from[gaps]) / self.intervals[gaps]).sum())
        self._gap_from[gaps] = np.nan

    @property
    def lateness(self) -> np.ndarray:
        """Every worker's recent sampling lateness (seconds), for the summary."""
        parts = [part for worker in self.workers for part in worker.lateness]
        return np.concatenate(parts) if parts else np.empty(0)

    @property
    def alive(self) -> int:
        return sum(1 for w in self.workers if w.process is not None and w.process.is_alive())

    # -- the processes -----------------------------------------------------------
    async def _launch(self, worker: _Worker) -> None:
        assert self._loop is not None
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker_main, args=(send, worker.specs, self.history),
            name=f"sensortop-worker-{worker.number}", daemon=True)
        worker.generation += 1
        worker.process, worker.clean, worker.pid, worker.received = process, False, None, 0
        worker.launched = time.time()
        await asyncio.to_thread(process.start)
        send.close()  # the child's end: the pipe breaks when the child goes
        if self._stopping:  # stop() came while it started: it missed the request
            _signal(process, signal.SIGTERM)
        threading.Thread(target=self._read_pipe, name=f"sensortop-worker-{worker.number}-pipe",
                         args=(worker, worker.generation, receive, self._loop),
                         daemon=True).start()

    def _read_pipe(self, worker: _Worker, generation: int, conn: Connection,
                   loop: asyncio.AbstractEventLoop) -> None:
        """Whole messages off one worker's pipe, handed to the loop; then its end."""
        try:
            while True:
                data = conn.recv_bytes()
                loop.call_soon_threadsafe(self._on_message, worker, generation, data)
        except (EOFError, OSError):
            pass  # the worker's end closed: it finished or died
        finally:
            conn.close()
            with contextlib.suppress(RuntimeError):  # the loop is gone: the run is over
                loop.call_soon_threadsafe(self._on_end, worker, generation)

    def _on_message(self, worker: _Worker, generation: int, data: bytes) -> None:
        if is_batch(data):
            try:
                batch = decode_batch(data)
                if batch.count and int(batch.index.max()) >= len(worker.specs):
                    raise ValueError("a sensor index out of range")
            except ValueError as exc:
                self.bad_messages += 1
                log.warning("worker %d sent a damaged batch (%s); it was not written",
                            worker.number, exc)
                return
            self.recorder.put_lines(batch.lines, batch.count)
            self._tally(worker, batch)
        elif data.startswith(END):
            (taken,) = struct.unpack_from("<Q", data, len(END))
            worker.lateness.append(np.frombuffer(data, np.float64, offset=len(END) + 8).copy())
            self.taken_by_ended += taken
            self.received_from_ended += worker.received
            worker.clean = True
        elif data.startswith(READY) and generation == worker.generation:
            worker.pid = struct.unpack("<I", data[len(READY):])[0]

    def _tally(self, worker: _Worker, batch: Batch) -> None:
        m, base = len(worker.specs), worker.base
        index = batch.index.astype(np.intp)
        self.readings[base:base + m] += np.bincount(index, minlength=m)
        self.failures[base:base + m] += np.bincount(
            index, weights=batch.failed, minlength=m).astype(np.int64)
        where = index + base
        if worker.gap_open:  # the first readings after a restart close the gaps
            sensors, first = np.unique(where, return_index=True)
            since = self._gap_from[sensors]
            open_ = ~np.isnan(since)
            slots = (batch.ts[first][open_] - since[open_]) / self.intervals[sensors][open_]
            self.missed += int(np.maximum(np.rint(slots) - 1, 0).sum())
            self._gap_from[sensors[open_]] = np.nan
            worker.gap_open = bool((~np.isnan(self._gap_from[base:base + m])).any())
        self.last_ts[where] = batch.ts
        self.last_value[where] = batch.value
        self.readings_total += batch.count
        worker.received += batch.count

    def _on_end(self, worker: _Worker, generation: int) -> None:
        if generation == worker.generation:
            task = asyncio.ensure_future(self._ended(worker))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _ended(self, worker: _Worker) -> None:
        """The current process of ``worker`` closed its pipe: done, or dead and restarted."""
        process = worker.process
        assert process is not None
        await asyncio.to_thread(process.join, 5.0)
        if process.exitcode is None:  # its pipe closed but it lives on: end it for good
            _signal(process, signal.SIGKILL)
            await asyncio.to_thread(process.join, 5.0)
        code = process.exitcode
        asked = self._stopping and (worker.clean or code == -signal.SIGTERM)
        if not asked:
            self._died(worker, code)
        if self._stopping:
            worker.done.set()
            return
        young = time.time() - worker.launched < YOUNG
        delay = worker.wait if young else 0.0
        worker.wait = min(worker.wait * 2, RESTART_MAX) if young else RESTART_START
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), delay)
        if self._stopping:
            worker.done.set()
            return
        await self._launch(worker)

    def _died(self, worker: _Worker, code: int | None) -> None:
        """Say so, and mark the gap in the log for every sensor of the worker."""
        now = time.time()
        how = _how(code)
        self.deaths.append(Death(worker.number, worker.pid, how, now, len(worker.specs)))
        log.warning("worker %d (pid %s, %d sensors) %s; %s", worker.number, worker.pid,
                    len(worker.specs), how,
                    "stopping" if self._stopping else "restarting it")
        base, m = worker.base, len(worker.specs)
        since = self.last_ts[base:base + m].copy()
        fresh = np.isnan(since)
        since[fresh] = worker.launched
        gap = self._gap_from[base:base + m]
        self._gap_from[base:base + m] = np.where(np.isnan(gap), since, gap)
        worker.gap_open = True
        markers = [Reading(now, spec.id, None, spec.units, Status.ERROR,
                           f"worker {worker.number} died ({how}): no readings since "
                           f"{format_ts(float(t))}")
                   for spec, t in zip(worker.specs, self._gap_from[base:base + m], strict=True)]
        self.recorder.put_lines(encode_lines(markers), len(markers))
        self.markers += len(markers)


def _how(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exited with status {code}"


def _signal(process: BaseProcess | None, signum: int) -> None:
    if process is not None and process.pid is not None and process.exitcode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process.pid, signum)
