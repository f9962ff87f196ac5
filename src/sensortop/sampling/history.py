"""Per-sensor memory: a numpy ring buffer of recent points and all-time running statistics.

Appends must be cheap (two array stores and a few float operations): the
engine makes them for every reading. Another thread (the dashboard's) reads
only through ``window(end, n)``: the points before a given append count,
copied and then checked against the writer's progress, so a reader never gets
a slot the writer overwrote during the copy (it gets fewer, older-first
points instead). ``version`` counts appends; ``prepend`` (older points from the logs, put
before the live ones) advances it past a whole lap, so a reader still holding
an earlier count gets nothing rather than a mix of old and new slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary statistics of good (non-null) values."""

    count: int
    minimum: float
    maximum: float
    mean: float
    std: float


EMPTY_STATS = Stats(0, math.nan, math.nan, math.nan, math.nan)


class History:
    """Ring buffer of (timestamp, value) with NaN standing for a failed read."""

    __slots__ = ("_begun", "_count", "_floor", "_m2", "_max", "_mean", "_min", "_n", "_next",
                 "capacity", "last_good_ts", "timestamps", "values", "version")

    def __init__(self, capacity: int) -> None:
        if capacity < 2:
            raise ValueError("history needs room for at least 2 points")
        self.capacity = capacity
        self.timestamps = np.full(capacity, np.nan)
        self.values = np.full(capacity, np.nan)
        self._next = 0
        self._count = 0
        self.version = 0  # appends finished
        self._begun = 0  # appends begun: a reader checks it after copying
        self._floor = 0  # the count the oldest kept point stands at (a prepend moves it)
        self.last_good_ts: float | None = None
        # Welford's running statistics over every good value ever appended.
        self._n = 0
        self._mean = 0.0
        self._m2 = 0.0
        self._min = math.inf
        self._max = -math.inf

    def __len__(self) -> int:
        return self._count

    def append(self, ts: float, value: float | None) -> None:
        i = self._next
        self._begun += 1  # before the stores, so a reader copying meanwhile sees it
        self.timestamps[i] = ts
        if value is None or value != value:  # None or NaN: a failed read
            self.values[i] = math.nan
        else:
            self.values[i] = value
            self.last_good_ts = ts
            self._n += 1
            delta = value - self._mean
            self._mean += delta / self._n
            self._m2 += delta * (value - self._mean)
            if value < self._min:
                self._min = value
            if value > self._max:
                self._max = value
        self._next = i + 1 if i + 1 < self.capacity else 0
        if self._count < self.capacity:
            self._count += 1
        self.version += 1

    def prepend(self, ts: np.ndarray, values: np.ndarray) -> int:
        """Put older points (ascending ``ts``, NaN for a failed read) before the kept ones;
        returns how many were taken. The writer's own thread only, like ``append``.

        Only points older than the oldest kept one are taken, so a point logged and
        also held live is never counted twice. The running statistics take every
        taken point (also those the ring has no room for): after a prepend they are
        those of the taken points and the appends together, as if appended in order.
        """
        kept_ts, kept_values = self.snapshot()
        if kept_ts.size:
            older = ts < kept_ts[0]
            ts, values = ts[older], values[older]
        taken = int(ts.size)
        if taken == 0:
            return 0
        self._merge_stats(ts, values)
        cap = self.capacity
        merged_ts = np.concatenate((ts, kept_ts))[-cap:]
        merged_values = np.concatenate((values, kept_values))[-cap:]
        m = merged_ts.size
        # Point number j sits in slot j % cap: the merged points fill slots 0..m-1 when
        # the new count is m modulo cap, and at least a lap ahead of every earlier count.
        version = self.version + cap + (m - self.version - cap) % cap
        self._begun = version  # before the stores: a reader copying meanwhile sees it
        self.timestamps[:m] = merged_ts
        self.values[:m] = merged_values
        self.timestamps[m:] = np.nan
        self.values[m:] = np.nan
        self._next = m % cap
        self._count = m
        self._floor = version - m
        self.version = version
        return taken

    def _merge_stats(self, ts: np.ndarray, values: np.ndarray) -> None:
        """Fold the statistics of ``values``' good points into the running ones
        (Chan et al.'s pairwise update of Welford's sums)."""
        good = ~np.isnan(values)
        if self.last_good_ts is None and good.any():
            self.last_good_ts = float(ts[np.flatnonzero(good)[-1]])
        picked = values[good]
        nb = int(picked.size)
        if nb == 0:
            return
        mean_b = float(picked.mean())
        m2_b = float(np.square(picked - mean_b).sum())
        na = self._n
        n = na + nb
        delta = mean_b - self._mean
        self._mean += delta * nb / n
        self._m2 += m2_b + delta * delta * na * nb / n
        self._n = n
        self._min = min(self._min, float(picked.min()))
        self._max = max(self._max, float(picked.max()))

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(timestamps, values) oldest first, as copies (the writer's own thread)."""
        return self.window(self.version, self.capacity)

    def tail(self, n: int) -> np.ndarray:
        """The last ``n`` values (fewer if fewer were kept), oldest first, as a copy."""
        return self.window(self.version, n)[1]

    def window(self, end: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The last ``n`` points before append number ``end`` (a past ``version``),
        oldest first, as aligned copies; safe while another thread appends.

        After copying it reads how many appends have begun: a writer that got
        round the ring into the copied slots meanwhile (or was storing into one)
        costs the oldest of them, which are dropped, never a mixed point.
        """
        cap = self.capacity
        n = min(n, end - self._floor, cap)
        if n <= 0:
            return np.empty(0), np.empty(0)
        stop = end % cap
        start = stop - n
        if start >= 0:
            times = self.timestamps[start:stop].copy()
            values = self.values[start:stop].copy()
        else:
            times = np.concatenate((self.timestamps[start:], self.timestamps[:stop]))
            values = np.concatenate((self.values[start:], self.values[:stop]))
        # Append j (counting from 0) stores into slot j % cap; it reaches the copied
        # slots from j = end - n + cap on. Those begun so far: up to _begun - 1.
        lost = self._begun - (end - n + cap)
        if lost > 0:
            return times[lost:], values[lost:]
        return times, values

    def kept_at(self, end: int) -> int:
        """How many points ``window(end, capacity)`` can give (before any lapping)."""
        return max(0, min(end - self._floor, self.capacity))

    def stats_fields(self) -> tuple[int, float, float, float, float]:
        """(n, mean, m2, min, max) of the running statistics, for ``stats_from``."""
        return (self._n, self._mean, self._m2, self._min, self._max)

    def running_stats(self) -> Stats:
        """All-time statistics of good values since the sensor started."""
        return stats_from(self.stats_fields())

    def window_stats(self) -> Stats:
        """Statistics of the good values still in the buffer."""
        return values_stats(self.snapshot()[1])


def stats_from(fields: tuple[int, float, float, float, float]) -> Stats:
    """Running statistics from ``History.stats_fields()`` (taken in one step)."""
    n, mean, m2, low, high = fields
    if n == 0:
        return EMPTY_STATS
    return Stats(n, low, high, mean, math.sqrt(m2 / n))


def values_stats(values: np.ndarray) -> Stats:
    """Statistics of the good (non-NaN) values in ``values``."""
    good = values[~np.isnan(values)]
    if good.size == 0:
        return EMPTY_STATS
    return Stats(int(good.size), float(good.min()), float(good.max()),
                 float(good.mean()), float(good.std()))
