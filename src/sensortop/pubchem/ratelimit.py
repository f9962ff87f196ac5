"""Politeness towards PubChem: a sliding-window limiter that reads PubChem's traffic light.

PubChem allows at most 5 requests in any one-second window and 400 per minute.
A token bucket would let a burst of 5 follow a burst of 5 a hair apart, which
breaks "any window", so this keeps the start times of recent requests and
grants a new one only when it would keep every window within the limit.

Waiters are served one at a time under a FIFO lock, and the grant time is the
moment the caller goes on to send, so the recorded history matches what leaves
the machine. A small ``margin`` widens the window to absorb the network jitter
between our clock and PubChem's.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import IntEnum
from pathlib import Path

from sensortop.pubchem.sharedwindow import SharedWindow

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

THROTTLING_HEADER = "X-Throttling-Control"


class ThrottleLevel(IntEnum):
    """PubChem's traffic light, worst of request count, request time and service status."""

    GREEN = 0
    YELLOW = 1
    RED = 2
    BLACK = 3


_LEVEL_RE = re.compile(r"\b(Green|Yellow|Red|Black)\b", re.IGNORECASE)


def parse_throttling_control(header: str | None) -> ThrottleLevel | None:
    """The worst status named in an ``X-Throttling-Control`` value; None when absent or unreadable.

    e.g. "Request Count status: Green (0%), Request Time status: Yellow (60%),
    Service status: Green (20%)" -> YELLOW.
    """
    if not header:
        return None
    found = [ThrottleLevel[m.upper()] for m in _LEVEL_RE.findall(header)]
    return max(found) if found else None


#: The longest Retry-After obeyed: a server asking for an hour (or for ``inf``) must not
#: freeze every look-up on the machine; past this the client asks again.
MAX_RETRY_AFTER = 60.0


_SECONDS_RE = re.compile(r"[+-]?[0-9]{1,12}(\.[0-9]{0,9})?")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    Always within 0..MAX_RETRY_AFTER; None when absent or unreadable (``nan``, garbage).
    """
    if value is None:
        return None
    value = value.strip()[:100]
    if not value:
        return None
    seconds: float | None = None
    if _SECONDS_RE.fullmatch(value):  # not seconds: then an HTTP date, below
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


class RateLimiter:
    """Grants request starts within PubChem's limits, and slows or stops as PubChem asks.

    Share one per process: the limits are PubChem's, per client machine. With
    ``shared`` (a file path, in practice in the cache folder) every process
    using the same file keeps within the limits together.
    """

    #: Minimum gap between request starts at each level (Black stops altogether).
    SPACING: Mapping[ThrottleLevel, float] = {
        ThrottleLevel.GREEN: 0.0,
        ThrottleLevel.YELLOW: 0.5,
        ThrottleLevel.RED: 1.0,
        ThrottleLevel.BLACK: 1.0,
    }

    def __init__(
        self,
        per_second: int = 5,
        per_minute: int = 400,
        max_concurrent: int = 5,
        *,
        margin: float = 0.1,
        black_pause: float = 30.0,
        level_ttl: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: Path | str | SharedWindow | None = None,
    ) -> None:
        if per_second < 1 or per_minute < 1 or max_concurrent < 1:
            raise ValueError("limits must be at least 1")
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.per_second = per_second
        self.per_minute = per_minute
        self.max_concurrent = max_concurrent
        self.second_window = 1.0 + margin
        self.minute_window = 60.0 + margin
        self.black_pause = black_pause
        self.level_ttl = level_ttl
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=max(per_second, per_minute))
        self._lock = asyncio.Lock()
        self._concurrency = asyncio.Semaphore(max_concurrent)
        self._blocked_until = float("-inf")
        self._level = ThrottleLevel.GREEN
        self._level_seen = float("-inf")
        self.granted = 0
        if shared is not None and not isinstance(shared, SharedWindow):
            shared = SharedWindow(shared, per_second=per_second, per_minute=per_minute,
                                  second_window=self.second_window,
                                  minute_window=self.minute_window)  # fmt: skip
        self.shared: SharedWindow | None = shared

    # -- what PubChem tells us ------------------------------------------------

    @property
    def level(self) -> ThrottleLevel:
        """The last level PubChem reported, forgotten after ``level_ttl`` without news."""
        if self._clock() - self._level_seen > self.level_ttl:
            return ThrottleLevel.GREEN
        return self._level

    def observe(self, headers: Mapping[str, str], retry_after: float | None = None) -> None:
        """Take in a response's throttling header; Black blocks every caller for a while."""
        level = parse_throttling_control(headers.get(THROTTLING_HEADER))
        if level is None:
            return  # a missing header is normal: keep what we knew
        self._level = level
        self._level_seen = self._clock()
        if level is ThrottleLevel.BLACK:
            self.pause(retry_after if retry_after is not None else self.black_pause)

    def pause(self, seconds: float) -> None:
        """Stop granting for ``seconds`` (a Retry-After, or a Black light)."""
        self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def blocked_for(self) -> float:
        """Seconds until grants resume after a pause; 0 when not paused."""
        return max(0.0, self._blocked_until - self._clock())

    # -- granting -------------------------------------------------------------

    def _wait_needed(self, now: float) -> float:
        waits = [self._blocked_until - now]
        starts = self._starts
        if len(starts) >= self.per_second:
            waits.append(starts[-self.per_second] + self.second_window - now)
        if len(starts) >= self.per_minute:
            waits.append(starts[-self.per_minute] + self.minute_window - now)
        if starts:
            waits.append(starts[-1] + self.SPACING[self.level] - now)
        return max(waits)

    async def acquire(self) -> float:
        """Wait for a start that keeps every window within the limits; return its time.

        With a shared file, a start this process allows must also be allowed by
        the starts of every other process (asked in a worker thread).
        """
        async with self._lock:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0 and self.shared is not None:
                    spacing = self.SPACING[self.level]
                    shared_wait = await asyncio.to_thread(self.shared.try_grant, spacing)
                    if shared_wait is None:
                        self.shared = None  # it said why, once; per process from now on
                    else:
                        wait = shared_wait
                    now = self._clock()
                    # A Retry-After may have come in meanwhile (the start it recorded
                    # then only makes the other processes a little more careful).
                    wait = max(wait, self._blocked_until - now)
                if wait <= 0:
                    self._starts.append(now)
                    self.granted += 1
                    return now
                await self._sleep(wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[float]:
        """Hold one of the concurrent places and a granted start for one request."""
        async with self._concurrency:
            yield await self.acquire()
