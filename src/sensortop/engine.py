"""The sampling engine: one asyncio task per sensor, none able to stall another.

Each polled sensor reads on a drift-free schedule (reading k is due at
start + k*interval, so a late reading does not shift the rest), with start
phases spread across the interval so thousands of sensors do not wake in
the same millisecond. Every read runs under its timeout; a timeout or an
exception becomes a reading, never a dead task. Connection-style sources are
closed after a failure and reconnected with exponential backoff. Readings go
to the sensor's history and alarms, then to every subscriber (recorder,
dashboard, publisher) in the order they happened.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from sensortop.alarms import AlarmEvaluator
from sensortop.history import History
from sensortop.kinds import make_source
from sensortop.model import SensorSpec
from sensortop.readings import AlarmState, AlarmTransition, Reading, Status
from sensortop.sources import Sample, Source, StreamingSource

log = logging.getLogger(__name__)

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
STALE_INTERVALS = 3.0

Subscriber = Callable[[Reading], None]
EventSubscriber = Callable[[Reading | AlarmTransition], None]


def describe_error(exc: BaseException) -> str:
    """Words for the panel and the log: the message, with the type where it helps."""
    from sensortop.sources import SourceError

    text = str(exc).strip()
    if isinstance(exc, SourceError) and text:
        return text
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class LatenessLog:
    """Recent sampling lateness (seconds behind schedule), for p50/p99 figures."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._samples = np.zeros(capacity)
        self._next = 0
        self._count = 0

    def add(self, late: float) -> None:
        i = self._next
        self._samples[i] = late
        self._next = (i + 1) % self._samples.size
        if self._count < self._samples.size:
            self._count += 1

    def clear(self) -> None:
        self._next = 0
        self._count = 0

    def percentiles(self, *qs: float) -> list[float]:
        if self._count == 0:
            return [math.nan for _ in qs]
        return [float(x) for x in np.percentile(self._samples[: self._count], qs)]


@dataclass(eq=False)
class SensorState:
    """A running sensor: its spec, source, memory and counters."""

    spec: SensorSpec
    source: Source
    history: History
    alarms: AlarmEvaluator
    paused: bool = False
    last_reading: Reading | None = None
    readings: int = 0
    failures: int = 0
    skipped_slots: int = 0
    connected: bool = False
    task: asyncio.Task[None] | None = None
    resumed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> str:
        return self.spec.id

    def is_stale(self, now: float | None = None) -> bool:
        """No good reading for a few intervals (always False while paused)."""
        if self.paused:
            return False
        now = time.time() if now is None else now
        last_good = self.history.last_good_ts
        if last_good is None:
            return self.last_reading is not None
        limit = max(STALE_INTERVALS * self.spec.interval, self.spec.interval + self.spec.timeout)
        return now - last_good > limit

    def status_word(self, now: float | None = None) -> str:
        """One of ok, timeout, error, alarm, paused, stale, waiting: what the panel shows."""
        if self.paused:
            return "paused"
        reading = self.last_reading
        if reading is None:
            return "waiting"
        if reading.status is Status.TIMEOUT:
            return "timeout"
        if reading.status is Status.ERROR:
            return "error"
        if self.is_stale(now):
            return "stale"
        if reading.alarm is not AlarmState.NORMAL:
            return "alarm"
        return "ok"


class Engine:
    """Polls every sensor on its own schedule and hands each reading to subscribers."""

    def __init__(self, specs: Iterable[SensorSpec] = (), *, history: int = 600,
                 stagger: bool = True) -> None:
        self.history_size = history
        self.stagger = stagger  # False only to measure what staggering saves
        self.sensors: dict[str, SensorState] = {}
        self.lateness = LatenessLog()
        self.readings_total = 0
        self._subscribers: list[Subscriber] = []
        self._event_subscribers: list[EventSubscriber] = []
        self._running = False
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
        """Like ``subscribe``, and also ``callback(transition)`` whenever a sensor's alarm
        state changes, just before the reading that changed it (sinks use this)."""
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

    async def stop(self) -> None:
        """Stop every sensor task and close every source."""
        self._running = False
        tasks = [s.task for s in self.sensors.values() if s.task is not None]
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
        state = SensorState(spec, source, History(self.history_size), AlarmEvaluator(spec.limits))
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
        state.paused = True
        state.resumed.clear()

    def resume(self, sensor_id: str) -> None:
        state = self.sensors[sensor_id]
        state.paused = False
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
        alarm = AlarmState.NORMAL
        transition = None
        if status is Status.OK and state.alarms.active:
            before = state.alarms.state
            alarm = state.alarms.update(value)  # type: ignore[arg-type]
            if alarm is not before:
                transition = _transition(state, ts, before, alarm, value)  # type: ignore[arg-type]
        reading = Reading(ts, state.spec.id, value, state.spec.units, status, error, alarm)
        state.history.append(ts, value)
        state.last_reading = reading
        state.readings += 1
        if status is not Status.OK:
            state.failures += 1
        self.readings_total += 1
        for callback in self._subscribers:
            try:
                callback(reading)
            except Exception:  # a broken subscriber must not stop sampling
                log.exception("reading subscriber %r failed", callback)
        for item in (transition, reading) if transition is not None else (reading,):
            for sink in self._event_subscribers:
                try:
                    sink(item)
                except Exception:  # a broken sink must not stop sampling
                    log.exception("sink %r failed", sink)

    async def _poll_loop(self, state: SensorState) -> None:
        loop = asyncio.get_running_loop()
        spec, source = state.spec, state.source
        interval = spec.interval
        start = loop.time() + (self._phase(spec) if self.stagger else 0.0)
        k = 0
        state.connected = not source.connection
        backoff = BACKOFF_START
        retry_at = 0.0
        last_error = ""
        try:
            while True:
                due = start + k * interval
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if state.paused:
                    await state.resumed.wait()
                    k = max(k + 1, math.ceil((loop.time() - start) / interval))
                    continue
                now = loop.time()
                late = now - due
                if late >= interval:  # behind by whole slots: skip them, never burst
                    skipped = int(late // interval)
                    k += skipped
                    state.skipped_slots += skipped
                    late -= skipped * interval
                self.lateness.add(late)
                k += 1
                ts = time.time()
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
                        last_error = _connect_error(exc, spec.timeout)
                        self._emit(state, ts, None, _status_of(exc),
                                   f"connect failed: {last_error}")
                        retry_at = loop.time() + backoff
                        backoff = min(backoff * 2, BACKOFF_MAX)
                        await _close_quietly(source)
                        continue
                    state.connected = True
                status, value, error = await self._read(source, spec)
                self._emit(state, ts, value, status, error)
                if status is Status.OK:
                    backoff = BACKOFF_START
                elif source.connection:
                    last_error = error or status.value
                    state.connected = False
                    retry_at = loop.time()  # first reconnect at the next slot
                    await _close_quietly(source)
        finally:
            await _close_quietly(source)

    @staticmethod
    async def _read(source: Source, spec: SensorSpec) -> tuple[Status, float | None, str | None]:
        status, error = Status.ERROR, None
        for _ in range(spec.retries + 1):
            try:
                async with asyncio.timeout(spec.timeout):
                    raw = await source.read()
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError(f"not a finite number: {raw!r}")
                return Status.OK, value, None
            except TimeoutError:
                status, error = Status.TIMEOUT, f"no answer within {spec.timeout:g} s"
            except Exception as exc:
                status, error = Status.ERROR, describe_error(exc)
        return status, None, error

    async def _stream_loop(self, state: SensorState) -> None:
        spec, source = state.spec, state.source
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
                        ts = time.time()
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
                    error = _connect_error(exc, spec.timeout)
                    self._emit(state, time.time(), None, _status_of(exc),
                               f"{error}; reconnecting in {backoff:.1f} s")
                    await _close_quietly(source)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
        finally:
            await _close_quietly(source)


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


def _transition(state: SensorState, ts: float, before: AlarmState, after: AlarmState,
                value: float) -> AlarmTransition:
    """The event for a change of alarm state, naming the limit that was crossed."""
    falling_back = after is AlarmState.NORMAL or (
        _SEVERITY[after] < _SEVERITY[before] and after.value in before.value)  # hihi -> hi
    crossed = before if falling_back else after
    limit = getattr(state.alarms.limits, crossed.value, None)
    return AlarmTransition(ts, state.spec.id, before, after, value, limit)


_SEVERITY = {AlarmState.NORMAL: 0, AlarmState.LO: 1, AlarmState.HI: 1,
             AlarmState.LOLO: 2, AlarmState.HIHI: 2}


def _status_of(exc: BaseException) -> Status:
    return Status.TIMEOUT if isinstance(exc, TimeoutError) else Status.ERROR


def _connect_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError) and not str(exc):
        return f"no answer within {timeout:g} s"
    return describe_error(exc)


async def _close_quietly(source: Source) -> None:
    try:
        await source.close()
    except Exception:  # closing a broken connection may fail; that is not news
        log.debug("closing %s failed", source.spec.id, exc_info=True)
