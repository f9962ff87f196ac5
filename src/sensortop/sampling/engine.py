"""The sampling engine: one asyncio task per sensor, none able to stall another.

Each polled sensor reads on a drift-free schedule (reading k is due at
start + k*interval, so a late reading does not shift the rest), with start
phases spread across the interval so thousands of sensors do not wake in
the same millisecond. Every read runs under its timeout; a timeout or an
exception becomes a reading, never a dead task. Retries happen within the
interval: each gets what remains of the slot (at most the timeout); a
connection-style source reconnects for a retry rather than asking a dead link
again, and after a failure is closed and reconnected with exponential backoff.
Readings go to the sensor's history and alarms, then to every subscriber
(recorder, dashboard, publisher) in the order they happened; after each one
the sensor's ``SensorView`` is republished for readers on other threads.

The clock, the sleep and the wall clock (reading timestamps) are injectable,
so schedules can be tested on virtual time.

This module is the scheduling; a sensor's live state and view are in
``state``, the wording of failures in ``failures``, lateness in ``lateness``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

from sensortop.config.kinds import make_source
from sensortop.model.alarms import AlarmEvent
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.model.specs import SensorSpec
from sensortop.sampling.alarm_ops import AlarmOperations
from sensortop.sampling.alarms import SensorAlarms
from sensortop.sampling.failures import (
    close_quietly,
    connect_error,
    describe_error,
    seconds_text,
    status_of,
)
from sensortop.sampling.flood import FloodWatch
from sensortop.sampling.history import History
from sensortop.sampling.lateness import LatenessLog
from sensortop.sampling.state import SensorState
from sensortop.sources import PolledSource, Sample, Source, StreamingSource

log = logging.getLogger(__name__)

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0

Subscriber = Callable[[Reading], None]
EventSubscriber = Callable[[Reading | AlarmEvent], None]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class Engine(AlarmOperations):
    """Polls every sensor on its own schedule and hands each reading to subscribers."""

    def __init__(self, specs: Iterable[SensorSpec] = (), *, history: int = 600,
                 stagger: bool = True, clock: Clock | None = None, sleep: Sleep | None = None,
                 wall: Clock = time.time) -> None:
        """``clock`` (default: the running loop's) and ``sleep`` (default: asyncio's)
        drive the schedule, ``wall`` stamps readings. Read timeouts run on the loop's
        own clock, so a virtual clock comes with a virtual-time loop (as in the tests)."""
        self.history_size = history
        self.stagger = stagger  # False only to measure what staggering saves
        self._clock = clock
        self._sleep: Sleep = sleep or asyncio.sleep
        self._wall = wall
        self.sensors: dict[str, SensorState] = {}
        self.lateness = LatenessLog()
        self.readings_total = 0
        self._subscribers: list[Subscriber] = []
        self._event_subscribers: list[EventSubscriber] = []
        self._running = False
        self._ticker: asyncio.Task[None] | None = None
        self.flood = FloodWatch()
        for spec in specs:
            self.add(spec)

    # -- subscribers ---------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(reading)`` for every reading; returns an unsubscribe function.

        Callbacks run on the engine's loop and must not block: enqueue and return.
        """
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def subscribe_events(self, callback: EventSubscriber) -> Callable[[], None]:
        """Like ``subscribe``, and also ``callback(event)`` for every ``AlarmEvent`` (just
        before the reading that caused it, if one did; sinks and the journal use this)."""
        self._event_subscribers.append(callback)
        return lambda: self._event_subscribers.remove(callback)

    # -- lifecycle -------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    async def start(self) -> None:
        self._running = True
        for state in self.sensors.values():
            self._spawn(state)
        self._ticker = asyncio.create_task(self._alarm_ticker(), name="alarm-tick")

    async def stop(self) -> None:
        """Stop every sensor task and close every source."""
        self._running = False
        tasks = [s.task for s in self.sensors.values() if s.task is not None]
        if self._ticker is not None:
            tasks.append(self._ticker)
            self._ticker = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for state in self.sensors.values():
            state.task = None

    # -- runtime changes -------------------------------------------------------
    def add(self, spec: SensorSpec, source: Source | None = None) -> SensorState:
        """Start polling a new sensor (at once if the engine runs). ValueError on a taken id.

        ``source`` overrides the kind's own source (tests script their sources this way).
        """
        if spec.id in self.sensors:
            raise ValueError(f"a sensor with id {spec.id!r} already exists")
        _check_timing(spec)
        if source is None:
            source = make_source(spec)
        state = SensorState(spec, source, History(self.history_size), SensorAlarms(spec))
        self.sensors[spec.id] = state
        if self._running:
            self._spawn(state)
        return state

    async def remove(self, sensor_id: str) -> SensorSpec:
        """Stop and forget a sensor; KeyError if unknown."""
        state = self.sensors.pop(sensor_id)
        if state.task is not None:
            state.task.cancel()
            await asyncio.gather(state.task, return_exceptions=True)
        return state.spec

    def pause(self, sensor_id: str) -> None:
        state = self.sensors[sensor_id]
        with state.lock:
            state.paused = True
            state.publish()
        state.resumed.clear()

    def resume(self, sensor_id: str) -> None:
        state = self.sensors[sensor_id]
        with state.lock:
            state.paused = False
            state.publish()
        state.resumed.set()

    def toggle_pause(self, sensor_id: str) -> bool:
        """Pause a running sensor or resume a paused one; returns the new paused flag."""
        if self.sensors[sensor_id].paused:
            self.resume(sensor_id)
            return False
        self.pause(sensor_id)
        return True

    # -- the per-sensor tasks ----------------------------------------------------
    def _spawn(self, state: SensorState) -> None:
        """A streaming source gets the stream loop; any other is polled on the schedule."""
        streaming = isinstance(state.source, StreamingSource)
        run = self._stream_loop if streaming else self._poll_loop
        state.task = asyncio.create_task(run(state), name=f"sensor:{state.id}")

    @staticmethod
    def _phase(spec: SensorSpec) -> float:
        """A stable offset within the interval, so sensors spread their wake-ups."""
        return zlib.crc32(spec.id.encode()) / 2**32 * spec.interval

    def _emit(self, state: SensorState, ts: float, value: float | None, status: Status,
              error: str | None = None) -> None:
        events = None
        with state.lock:  # a reader rebuilding a view waits for the whole reading
            alarms = state.alarms
            if status is Status.OK:
                # Inside the band nothing can change (sampling.alarms): one comparison.
                if not alarms.band_lo < value < alarms.band_hi:  # type: ignore[operator]
                    events = alarms.observe(ts, value)
                alarm = alarms.level
            else:
                if alarms.failures:
                    events = alarms.observe(ts, None)
                alarm = AlarmState.NORMAL
            reading = Reading(ts, state.spec.id, value, state.spec.units, status, error, alarm)
            state.history.append(ts, value)
            state.last_reading = reading
            state.readings += 1
            if status is not Status.OK:
                state.failures += 1
            state.publish()
        self.readings_total += 1
        for callback in self._subscribers:
            try:
                callback(reading)
            except Exception:  # a broken subscriber must not stop sampling
                log.exception("reading subscriber %r failed", callback)
        if events:
            self._hand_out(events)
        for sink in self._event_subscribers:
            try:
                sink(reading)
            except Exception:  # a broken sink must not stop sampling
                log.exception("sink %r failed", sink)

    async def _poll_loop(self, state: SensorState) -> None:
        loop = asyncio.get_running_loop()
        clock, sleep, wall = self._clock or loop.time, self._sleep, self._wall
        spec, source = state.spec, cast(PolledSource, state.source)  # see _spawn
        interval = spec.interval
        start = clock() + (self._phase(spec) if self.stagger else 0.0)
        k = 0
        state.connected = not source.connection
        backoff = BACKOFF_START
        retry_at = 0.0
        last_error = ""
        try:
            while True:
                due = start + k * interval
                delay = due - clock()
                if delay > 0:
                    await sleep(delay)
                if state.paused:
                    await state.resumed.wait()
                    k = max(k + 1, math.ceil((clock() - start) / interval))
                    continue
                now = clock()
                late = now - due
                if late >= interval:  # behind by whole slots: skip them, never burst
                    skipped = int(late // interval)
                    k += skipped
                    state.skipped_slots += skipped
                    late -= skipped * interval
                    due += skipped * interval
                self.lateness.add(late)
                k += 1
                ts = wall()
                if not state.connected:
                    if now < retry_at:
                        wait = retry_at - now
                        self._emit(state, ts, None, Status.ERROR,
                                   f"disconnected ({last_error}); reconnecting in {wait:.1f} s")
                        continue
                    try:
                        async with asyncio.timeout(spec.timeout):
                            await source.connect()
                    except Exception as exc:
                        last_error = connect_error(exc, spec.timeout)
                        self._emit(state, ts, None, status_of(exc),
                                   f"connect failed: {last_error}")
                        retry_at = clock() + backoff
                        backoff = min(backoff * 2, BACKOFF_MAX)
                        await close_quietly(source)
                        continue
                    state.connected = True
                status, value, error = await self._read(source, spec, due + interval, clock)
                self._emit(state, ts, value, status, error)
                if status is Status.OK:
                    backoff = BACKOFF_START
                elif source.connection:
                    last_error = error or status.value
                    state.connected = False
                    retry_at = clock()  # first reconnect at the next slot
                    await close_quietly(source)
        finally:
            await close_quietly(source)

    @staticmethod
    async def _read(source: PolledSource, spec: SensorSpec, deadline: float,
                    clock: Clock) -> tuple[Status, float | None, str | None]:
        """One reading: the first attempt gets the whole timeout; each retry only
        what is left of the slot (ending at ``deadline``), at most the timeout, and
        none starts once the slot is over. A connection source reconnects for a
        retry (a link that failed once is not asked again)."""
        status, error = Status.ERROR, None
        attempts = 0
        budget = spec.timeout
        while True:
            attempts += 1
            try:
                async with asyncio.timeout(budget):
                    raw = await source.read()
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError(f"not a finite number: {raw!r}")
                return Status.OK, value, None
            except TimeoutError:
                status, error = Status.TIMEOUT, f"no answer within {seconds_text(budget)} s"
            except Exception as exc:
                status, error = Status.ERROR, describe_error(exc)
            budget = min(spec.timeout, deadline - clock())
            if attempts > spec.retries or budget <= 0:
                break
            if source.connection:
                await close_quietly(source)
                try:
                    async with asyncio.timeout(budget):
                        await source.connect()
                except Exception as exc:
                    status = status_of(exc)
                    error = f"reconnect failed: {connect_error(exc, budget)}"
                    break
                budget = min(spec.timeout, deadline - clock())
                if budget <= 0:
                    break
        if attempts > 1:
            error = f"{error} ({attempts} attempts)"
        return status, None, error

    async def _stream_loop(self, state: SensorState) -> None:
        spec, source = state.spec, cast(StreamingSource, state.source)  # see _spawn
        backoff = BACKOFF_START
        try:
            while True:
                try:
                    async with asyncio.timeout(spec.timeout):
                        await source.connect()
                    state.connected = True
                    async for raw in source.stream():
                        if state.paused:
                            continue
                        ts = self._wall()
                        if isinstance(raw, Sample):
                            ts, raw = raw.ts, raw.value
                        try:
                            value = float(raw)
                            if not math.isfinite(value):
                                raise ValueError(f"not a finite number: {raw!r}")
                        except (TypeError, ValueError) as exc:
                            self._emit(state, ts, None, Status.ERROR, describe_error(exc))
                            continue
                        self._emit(state, ts, value, Status.OK)
                        backoff = BACKOFF_START
                    raise ConnectionError("the stream ended")
                except Exception as exc:
                    state.connected = False
                    error = connect_error(exc, spec.timeout)
                    self._emit(state, self._wall(), None, status_of(exc),
                               f"{error}; reconnecting in {backoff:.1f} s")
                    await close_quietly(source)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
        finally:
            await close_quietly(source)


def _check_timing(spec: SensorSpec) -> None:
    """Refuse what would make a sensor's task spin: a NaN, infinite, zero or negative
    interval or timeout. The config validator says so first; this guards specs built
    in code (the add form, tests, embedders), since a spinning task starves every other."""
    for name in ("interval", "timeout"):
        value = getattr(spec, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value <= 0:
            raise ValueError(f"sensor {spec.id!r}: {name} must be a positive, finite number "
                             f"of seconds; got {value!r}")
