"""One polled reading with its timeout and retries, whether or not its first step ran already.

The engine runs a source's first step straight from the schedule when the
source may answer at once (``answers_at_once``): most readings then end there,
with no task, timer or timeout at all. A read that raised, or that awaits, is
finished here in a task of its own: the first attempt is the one already
begun (it keeps its timeout, counted from when it began), then the retries.
"""

from __future__ import annotations

import asyncio
import math
import types
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any, cast

from sensortop.model.readings import Status
from sensortop.model.specs import SensorSpec
from sensortop.sampling.failures import (
    close_quietly,
    connect_error,
    describe_error,
    seconds_text,
    status_of,
)
from sensortop.sampling.state import SensorState
from sensortop.sampling.ticker import BACKOFF_MAX, BACKOFF_START, Slot
from sensortop.sources import PolledSource

Outcome = tuple[Status, float | None, str | None]
Emit = Callable[[SensorState, float, float | None, Status, str | None], None]


@dataclass(frozen=True, slots=True)
class Begun:
    """A first attempt already under way: the coroutine, what it awaits, and when
    (loop time) it started."""

    coro: Coroutine[Any, Any, Any]
    awaiting: Any
    started: float


def as_value(raw: object) -> float:
    """A source's answer as a finite float; ValueError or TypeError otherwise."""
    value = float(raw)  # type: ignore[arg-type]
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value


@types.coroutine
def _go_on(coro: Coroutine[Any, Any, Any], awaiting: Any) -> Generator[Any, Any, Any]:
    """Await a coroutine whose first step already ran and is waiting on ``awaiting``:
    pass its waits up to the task, and the task's wake-ups and cancellations down."""
    while True:
        try:
            sent = yield awaiting
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # a cancellation (the timeout) goes to the read
            try:
                awaiting = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                awaiting = coro.send(sent)
            except StopIteration as stop:
                return stop.value


async def read(source: PolledSource, spec: SensorSpec, deadline: float,
               clock: Callable[[], float], first: BaseException | Begun | None = None,
               ) -> Outcome:
    """One reading: the first attempt gets the whole timeout; each retry only
    what is left of the slot (ending at ``deadline``), at most the timeout, and
    none starts once the slot is over. A connection source reconnects for a
    retry (a link that failed once is not asked again). ``first`` is a first
    attempt that already failed, or one already under way."""
    status, error = Status.ERROR, None
    attempts = 0
    budget = spec.timeout
    while True:
        attempts += 1
        try:
            if isinstance(first, BaseException):
                raise first
            if isinstance(first, Begun):
                async with asyncio.timeout_at(first.started + budget):
                    raw = await _go_on(first.coro, first.awaiting)
            else:
                async with asyncio.timeout(budget):
                    raw = await source.read()
            return Status.OK, as_value(raw), None
        except TimeoutError:
            status, error = Status.TIMEOUT, f"no answer within {seconds_text(budget)} s"
        except Exception as exc:
            status, error = Status.ERROR, describe_error(exc)
        finally:
            first = None
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


async def finish(slot: Slot, due: float, ts: float, first: BaseException | Begun | None,
                 emit: Emit, clock: Callable[[], float], then: Callable[[Slot], None]) -> None:
    """A reading that needs waiting: a (re)connect, retries, or a read that awaits,
    due at ``due`` and stamped ``ts``. ``then(slot)`` schedules the sensor's next
    reading once this one is done."""
    state = slot.state
    spec, source = state.spec, cast(PolledSource, state.source)
    try:
        if not state.connected:
            try:
                async with asyncio.timeout(spec.timeout):
                    await source.connect()
            except Exception as exc:
                slot.last_error = connect_error(exc, spec.timeout)
                emit(state, ts, None, status_of(exc), f"connect failed: {slot.last_error}")
                slot.retry_at = clock() + slot.backoff
                slot.backoff = min(slot.backoff * 2, BACKOFF_MAX)
                await close_quietly(source)
                return
            state.connected = True
        status, value, error = await read(source, spec, due + slot.interval, clock, first)
        emit(state, ts, value, status, error)
        if status is Status.OK:
            slot.backoff = BACKOFF_START
        elif source.connection:
            slot.last_error = error or status.value
            state.connected = False
            slot.retry_at = clock()  # first reconnect at the next slot
            await close_quietly(source)
    finally:
        slot.task = state.task = None
        then(slot)
