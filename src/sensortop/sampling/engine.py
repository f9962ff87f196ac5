"""The sampling engine: every sensor on its own schedule, none able to stall another.

Each polled sensor reads on a drift-free schedule (reading k is due at
start + k*interval, so a late reading does not shift the rest), with start
phases spread across the interval so thousands of sensors do not wake in
the same millisecond. One ticker task wakes for whichever reading is due
next (``ticker``); a source that answers at once is read right there, and a
reading that has to wait (a read that awaits, a connect, retries) gets a task
of its own, so a slow or hanging sensor delays no other. Every read runs
under its timeout; a timeout or an exception becomes a reading, never a dead
task. A streaming sensor has a task of its own. Retries happen within the
interval: each gets what remains of the slot (at most the timeout); a
connection-style source reconnects for a retry rather than asking a dead link
again, and after a failure is closed and reconnected with exponential backoff.
Readings go to the sensor's history and alarms, then to every subscriber
(recorder, dashboard, publisher) in the order they happened; the sensor's
``SensorView`` for readers on other threads is rebuilt when one asks.

The clock, the sleep and the wall clock (reading timestamps) are injectable,
so schedules can be tested on virtual time.

This module is the scheduling; the heap of due times is in ``ticker``, one
read with its retries in ``reads``, a sensor's live state and view in
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
from sensortop.sampling.failures import close_quietly, connect_error, describe_error, status_of
from sensortop.sampling.flood import FloodWatch
from sensortop.sampling.history import History
from sensortop.sampling.lateness import LatenessLog
from sensortop.sampling.reads import Begun, as_value, finish
from sensortop.sampling.state import SensorState
from sensortop.sampling.ticker import BACKOFF_MAX, BACKOFF_START, Slot, Ticker
from sensortop.sources import PolledSource, Sample, Source, StreamingSource

log = logging.getLogger(__name__)


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
        self._ticker: Ticker | None = None
        self._ticker_task: asyncio.Task[None] | None = None
        self._slots: dict[str, Slot] = {}
        self._clock_now: Clock = time.monotonic  # the loop's clock, from start()
        self._alarm_tick: asyncio.Task[None] | None = None
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
        self._clock_now = self._clock or asyncio.get_running_loop().time
        self._ticker = Ticker(self._due, self._clock_now, self._sleep)
        self._ticker_task = asyncio.create_task(self._ticker.run(), name="sensortop-ticker")
        self._running = True
        for state in self.sensors.values():
            self._spawn(state)
        self._alarm_tick = asyncio.create_task(self._alarm_ticker(), name="alarm-tick")

    async def stop(self) -> None:
        """Stop every sensor task and close every source."""
        self._running = False
        for slot in self._slots.values():
            slot.live = False
        tasks = [s.task for s in self.sensors.values() if s.task is not None]
        if self._ticker_task is not None:
            tasks.append(self._ticker_task)
        if self._alarm_tick is not None:
            tasks.append(self._alarm_tick)
            self._alarm_tick = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(close_quietly(slot.state.source) for slot in self._slots.values()))
        self._slots.clear()
        self._ticker = self._ticker_task = None
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
        slot = self._slots.pop(sensor_id, None)
        if slot is not None:
            slot.live = False
        if state.task is not None:
            state.task.cancel()
            await asyncio.gather(state.task, return_exceptions=True)
        if slot is not None:
            await close_quietly(state.source)
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
        slot = self._slots.get(sensor_id)
        if slot is not None and slot.parked and slot.live and self._ticker is not None:
            slot.parked = False
            self._ticker.push(slot, slot.resume_at(self._clock_now()))

    def toggle_pause(self, sensor_id: str) -> bool:
        """Pause a running sensor or resume a paused one; returns the new paused flag."""
        if self.sensors[sensor_id].paused:
            self.resume(sensor_id)
            return False
        self.pause(sensor_id)
        return True

    # -- the polled sensors: one ticker, a task only for a reading that waits ------
    def _spawn(self, state: SensorState) -> None:
        """A streaming source gets a task of its own; a polled one a slot on the ticker."""
        if isinstance(state.source, StreamingSource):
            state.task = asyncio.create_task(self._stream_loop(state), name=f"sensor:{state.id}")
            return
        assert self._ticker is not None
        clock = self._clock_now
        spec = state.spec
        start = clock() + (self._phase(spec) if self.stagger else 0.0)
        source = cast(PolledSource, state.source)  # not a StreamingSource: see above
        slot = Slot(state, source, start, spec.interval, backoff=BACKOFF_START,
                    at_once=bool(getattr(source, "answers_at_once", False)))
        state.connected = not state.source.connection
        self._slots[state.id] = slot
        self._ticker.push(slot, start)

    @staticmethod
    def _phase(spec: SensorSpec) -> float:
        """A stable offset within the interval, so sensors spread their wake-ups."""
        return zlib.crc32(spec.id.encode()) / 2**32 * spec.interval

    def _emit(self, state: SensorState, ts: float, value: float | None, status: Status,
              error: str | None = None) -> None:
        """One reading: alarms, history, counters, then every subscriber in order.

        The view is not rebuilt here (most readings are never looked at, and at
        50,000 a second that was a tenth of the cost): it is dropped, under the
        lock, and rebuilt by the first reader that asks (``SensorState.view``)."""
        events = None
        with state.lock:  # a reader rebuilding a view waits for the whole reading
            alarms = state.alarms
            # ALARMS: the per-reading alarm update (sampling/alarms.py).
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
            state.unpublish()
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

    def _due(self, slot: Slot, due: float) -> None:
        """Reading k of a polled sensor is due: take it now if the source answers at
        once, else start the task that finishes it. Never waits (the ticker calls it)."""
        state = slot.state
        if state.paused:
            slot.parked = True  # resume() puts it back on the grid
            return
        now = self._clock_now()
        late = now - due
        interval = slot.interval
        if late >= interval:  # behind by whole slots: skip them, never burst
            skipped = int(late // interval)
            slot.k += skipped
            state.skipped_slots += skipped
            late -= skipped * interval
            due += skipped * interval
        self.lateness.add(late)
        slot.k += 1
        ts = self._wall()
        source = slot.source
        first: BaseException | Begun | None = None
        if not state.connected:
            if now < slot.retry_at:
                wait = slot.retry_at - now
                self._emit(state, ts, None, Status.ERROR,
                           f"disconnected ({slot.last_error}); reconnecting in {wait:.1f} s")
                self._ticker_push(slot)
                return
        elif slot.at_once:
            coro = source.read()
            try:
                awaiting = coro.send(None)
            except StopIteration as stop:
                value = stop.value
                try:
                    if value.__class__ is not float or value - value != 0:  # not finite
                        value = as_value(value)
                except (TypeError, ValueError) as exc:
                    first = exc
                else:
                    self._emit(state, ts, value, Status.OK)
                    slot.backoff = BACKOFF_START
                    if slot.live:  # the ticker is awake: it called us
                        self._ticker.push(slot, slot.start + slot.k * interval)  # type: ignore[union-attr]
                    return
            except Exception as exc:
                first = exc
            else:
                first = Begun(coro, awaiting, asyncio.get_running_loop().time())
        slot.task = state.task = asyncio.create_task(
            finish(slot, due, ts, first, self._emit, self._clock_now, self._ticker_push),
            name=f"sensor:{state.id}")

    def _ticker_push(self, slot: Slot) -> None:
        if slot.live and self._ticker is not None:
            self._ticker.push(slot, slot.next_due)

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
