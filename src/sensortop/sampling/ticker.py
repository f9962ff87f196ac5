"""One timer for all of an engine's polled sensors, rather than one sleep per reading.

A sleep per sensor per reading costs a future, a timer handle, a heap push
and a task step each (most of what a reading cost: see the README's "How it
works"). Here every polled sensor's next due time sits in one heap; a single
task sleeps until the earliest, then hands each entry that is due to the
engine, which reads it at once if the source answers at once and otherwise
gives that one reading a task of its own (so no sensor can stall another).
The engine pushes a sensor's next due time back when its reading is done.

The ticker works a bounded slice at a time and yields to the loop between
slices, so I/O, slow reads and the log writer run however many sensors fall
due together. The clock and sleep are the engine's (virtual time in tests).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sensortop.sampling.state import SensorState
from sensortop.sources import PolledSource

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
"""A connection source that failed is reconnected after these, doubling (seconds)."""
log = logging.getLogger("sensortop.sampling.engine")  # the engine's messages keep their logger

SLICE_SECONDS = 0.002
"""Work this long on due readings, then let the loop run other things."""


@dataclass(eq=False, slots=True)
class Slot:
    """A polled sensor's place on its grid: reading k is due at start + k * interval."""

    state: SensorState
    source: PolledSource
    start: float
    interval: float
    at_once: bool = False
    """Its source ``answers_at_once``: the ticker steps its reads itself."""
    k: int = 0
    live: bool = True
    """False once the sensor is removed or the engine stops: its entries are skipped."""
    parked: bool = False
    """Found paused when due: off the heap until resumed."""
    backoff: float = 0.0
    retry_at: float = 0.0
    last_error: str = ""
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    """The one reading of this sensor that is still under way, if any."""

    @property
    def next_due(self) -> float:
        return self.start + self.k * self.interval

    def resume_at(self, now: float) -> float:
        """Back on the grid after a pause: the first slot from now on, never a burst."""
        self.k = max(self.k + 1, math.ceil((now - self.start) / self.interval))
        return self.next_due


class Ticker:
    """The due times of every polled sensor, and the one task that wakes for them."""

    def __init__(self, on_due: Callable[[Slot, float], None], clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[object]]) -> None:
        """``on_due(slot, due)`` takes a reading (and pushes the next one) without waiting."""
        self._on_due = on_due
        self._clock = clock
        self._sleep = sleep
        self._heap: list[tuple[float, int, Slot]] = []
        self._seq = itertools.count()
        self._target = math.inf  # the due time the task sleeps until
        self._wake: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, slot: Slot, due: float) -> None:
        """Put a sensor's next reading on the heap; wakes the task if it is the earliest."""
        heapq.heappush(self._heap, (due, next(self._seq), slot))
        if due < self._target:
            self._target = due
            wake = self._wake
            if wake is not None and not wake.done():
                wake.set_result(None)

    async def run(self) -> None:
        """Wake for the earliest due reading, hand over every one that is due, repeat."""
        heap, clock, on_due, pop = self._heap, self._clock, self._on_due, heapq.heappop
        while True:
            if not heap:
                await self._nap(None)
                continue
            delay = heap[0][0] - clock()
            if delay > 0:
                await self._nap(delay)
                continue
            started = clock()
            n = 0
            while heap and heap[0][0] <= started:
                due, _, slot = pop(heap)
                if slot.live:
                    k = slot.k
                    try:
                        on_due(slot, due)
                    except Exception:  # a bug must cost one reading, not every sensor's
                        self._recover(slot, k)
                n += 1
                if not n & 31 and clock() - started > SLICE_SECONDS:
                    break
            await asyncio.sleep(0)  # one slice done: the loop's other work runs now

    def _recover(self, slot: Slot, k: int) -> None:
        """``on_due`` raised before it scheduled the sensor's next reading (it does that
        last): say so, and put the sensor back on its grid one slot on."""
        log.exception("sampling %s failed; it goes on at its next slot", slot.state.id)
        slot.k = max(slot.k, k + 1)
        if slot.live and slot.task is None:
            self.push(slot, slot.next_due)

    async def _nap(self, delay: float | None) -> None:
        """Sleep ``delay`` seconds (None: until a push), or less if an earlier reading
        is pushed meanwhile."""
        loop = asyncio.get_running_loop()
        wake = self._wake = loop.create_future()
        self._target = self._heap[0][0] if self._heap else math.inf
        timer: asyncio.TimerHandle | asyncio.Future[object] | None = None
        if delay is not None:
            if self._sleep is asyncio.sleep:  # the default: a plain timer, no task
                timer = loop.call_later(delay, _set, wake)
            else:  # an injected sleep (virtual time) is what moves the clock
                timer = asyncio.ensure_future(self._sleep(delay))
                timer.add_done_callback(lambda _: _set(wake))
        try:
            await wake
        finally:
            self._wake = None
            self._target = -math.inf  # awake: pushes need not wake anyone
            if timer is not None:
                timer.cancel()


def _set(wake: asyncio.Future[None]) -> None:
    if not wake.done():
        wake.set_result(None)
