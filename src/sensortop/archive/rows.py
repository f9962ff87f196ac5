"""Every reading of one JSON Lines log, each line's own units and error text included.

The review's parser (fast path and general path, the one judge of what a
reading is) reads the file; its collector, asked to keep everything, gives the
columns an archive stores, in the log's line order, with the counts of lines
that were not readings.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sensortop.review.collector import Collector
from sensortop.review.logdata import SkippedLine
from sensortop.review.reader import PARSE_THREADS, read_file_into


@dataclass(slots=True)
class LogRows:
    """One log's readings in line order, and what was skipped."""

    ts: np.ndarray  # float64 epoch seconds
    sensor: np.ndarray  # int32 into ``sensors``
    value: np.ndarray  # float64, NaN for null
    units: np.ndarray  # int32 into ``unit_names``
    status: np.ndarray  # int8 into STATUSES
    error: list[str | None]
    alarm: np.ndarray  # int8 into ALARMS
    sensors: list[str]
    unit_names: list[str | None]
    last_units: dict[str, str]  # each sensor's units as the review reports them
    last_error: dict[str, str]
    lines: int = 0
    torn: int = 0
    malformed: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)


def read_rows(path: Path, progress: Callable[[int], None] | None = None) -> LogRows:
    """Parse the whole log; ``progress(bytes)`` after each block."""
    collector = Collector(full=True)
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        for consumed in read_file_into(path, pool, collector):
            if progress is not None:
                progress(consumed)
    names = sorted(collector.codes, key=collector.codes.__getitem__)
    unit_names = sorted(collector.unit_codes, key=lambda u: collector.unit_codes[u])
    if collector.columns:
        ts, value, status, alarm, sensor = (np.concatenate(c)
                                            for c in zip(*collector.columns, strict=True))
        units = np.concatenate([u for u, _ in collector.rows_extra])
        error = [e for _, errors in collector.rows_extra for e in errors]
    else:
        ts = value = np.empty(0)
        status = alarm = np.empty(0, dtype=np.int8)
        sensor = units = np.empty(0, dtype=np.int32)
        error = []
    return LogRows(
        ts=ts, sensor=sensor.astype(np.int32), value=value, units=units.astype(np.int32),
        status=status, error=error, alarm=alarm, sensors=names, unit_names=unit_names,
        last_units={names[c]: u for c, u in collector.units.items()},
        last_error={names[c]: e for c, e in collector.errors.items()},
        lines=collector.lines, torn=collector.torn, malformed=collector.malformed,
        skipped=collector.skipped,
    )
