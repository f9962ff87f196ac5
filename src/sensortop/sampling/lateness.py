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
