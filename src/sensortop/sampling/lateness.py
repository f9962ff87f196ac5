"""How far behind schedule sampling runs, kept for the p50/p99 figures.

A fixed ring of recent samples in a numpy array: adding is O(1) on the
sampling path, and the percentiles are computed only when someone asks.
"""

from __future__ import annotations

import math

import numpy as np


class LatenessLog:
    """Recent sampling lateness (seconds behind schedule), for p50/p99 figures."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._samples = np.zeros(capacity)
        self._size = capacity
        self._next = 0
        self._count = 0

    def add(self, late: float) -> None:
        i = self._next
        self._samples[i] = late
        i += 1
        if i == self._size:
            i = 0
            self._count = self._size  # full from the first lap on
        self._next = i

    def samples(self) -> np.ndarray:
        """The samples kept, as a copy (a worker sends them to its parent at the end)."""
        return self._samples[: max(self._count, self._next)].copy()

    def clear(self) -> None:
        self._next = 0
        self._count = 0

    def percentiles(self, *qs: float) -> list[float]:
        count = max(self._count, self._next)
        if count == 0:
            return [math.nan for _ in qs]
        return [float(x) for x in np.percentile(self._samples[:count], qs)]
