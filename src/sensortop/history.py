"""Per-sensor memory: a numpy ring buffer of recent points and all-time running statistics.

The dashboard draws from here on its frame clock, so appends must be cheap
(two array stores and a few float operations) and reads must not disturb
the writer: ``snapshot()`` copies, and ``version`` tells a reader whether
anything changed since it last looked.
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

    __slots__ = ("_count", "_m2", "_max", "_mean", "_min", "_n", "_next", "capacity",
                 "last_good_ts", "timestamps", "values", "version")

    def __init__(self, capacity: int) -> None:
        if capacity < 2:
            raise ValueError("history needs room for at least 2 points")
        self.capacity = capacity
        self.timestamps = np.full(capacity, np.nan)
        self.values = np.full(capacity, np.nan)
        self._next = 0
        self._count = 0
        self.version = 0
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

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """(timestamps, values) oldest first, as copies."""
        if self._count < self.capacity:
            return self.timestamps[: self._count].copy(), self.values[: self._count].copy()
        i = self._next
        return (np.concatenate((self.timestamps[i:], self.timestamps[:i])),
                np.concatenate((self.values[i:], self.values[:i])))

    def tail(self, n: int) -> np.ndarray:
        """The last ``n`` values (fewer if fewer were kept), oldest first, as a copy."""
        n = min(n, self._count)
        if n <= 0:
            return np.empty(0)
        end = self._next
        start = end - n
        if start >= 0:
            return self.values[start:end].copy()
        return np.concatenate((self.values[start:], self.values[:end]))

    def running_stats(self) -> Stats:
        """All-time statistics of good values since the sensor started."""
        if self._n == 0:
            return EMPTY_STATS
        std = math.sqrt(self._m2 / self._n)
        return Stats(self._n, self._min, self._max, self._mean, std)

    def window_stats(self) -> Stats:
        """Statistics of the good values still in the buffer."""
        _, values = self.snapshot()
        good = values[~np.isnan(values)]
        if good.size == 0:
            return EMPTY_STATS
        return Stats(int(good.size), float(good.min()), float(good.max()),
                     float(good.mean()), float(good.std()))
