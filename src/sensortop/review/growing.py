"""A :class:`LogData` that grows as a followed log grows, cheaply.

Following a log adds a few hundred readings a second to series that may hold
millions. Concatenating arrays on every poll would copy them all each time;
here each sensor's columns have spare room that doubles when full, so adding
``k`` readings costs ``O(k)`` (amortised) and a snapshot is views, not copies.
"""

from __future__ import annotations

import numpy as np

from sensortop.review.logdata import MAX_REPORTED, LogData, SensorSeries

_COLUMNS = ("ts", "value", "status", "alarm")


class _Columns:
    """One sensor's readings with room to grow; ``n`` of them are used."""

    __slots__ = ("arrays", "last_error", "n", "units")

    def __init__(self, series: SensorSeries) -> None:
        self.arrays = {name: getattr(series, name) for name in _COLUMNS}
        self.n = len(series.ts)
        self.units = series.units
        self.last_error = series.last_error

    def add(self, series: SensorSeries) -> None:
        k = len(series.ts)
        need = self.n + k
        if need > len(self.arrays["ts"]):
            room = max(need, 2 * len(self.arrays["ts"]), 1024)
            for name, old in self.arrays.items():
                grown = np.empty(room, dtype=old.dtype)
                grown[: self.n] = old[: self.n]
                self.arrays[name] = grown
        out_of_order = self.n > 0 and k > 0 and series.ts[0] < self.arrays["ts"][self.n - 1]
        for name in _COLUMNS:
            self.arrays[name][self.n : need] = getattr(series, name)
        self.n = need
        if out_of_order:  # rare (a clock step back): keep the series in time order, in
            # new arrays so that snapshots already handed out stay as they were
            order = np.argsort(self.arrays["ts"][:need], kind="stable")
            for name, old in self.arrays.items():
                fresh = np.empty_like(old)
                fresh[:need] = old[:need][order]
                self.arrays[name] = fresh
        self.units = series.units or self.units
        self.last_error = series.last_error or self.last_error

    def view(self, sensor: str) -> SensorSeries:
        a, n = self.arrays, self.n
        return SensorSeries(sensor, self.units, a["ts"][:n], a["value"][:n], a["status"][:n],
                            a["alarm"][:n], self.last_error)


class GrowingLog:
    """Readings read so far, plus what each poll of a followed file adds."""

    def __init__(self, data: LogData) -> None:
        self._columns = {name: _Columns(s) for name, s in data.series.items()}
        self._data = LogData(files=list(data.files), series={}, lines=data.lines,
                             torn=data.torn, malformed=data.malformed,
                             skipped=list(data.skipped), sensor_ids=list(data.sensor_ids))

    def extend(self, more: LogData) -> set[str]:
        """Add a later stretch of readings; returns the sensors that got new ones."""
        d = self._data
        for path in more.files:
            if path not in d.files:
                d.files.append(path)
        d.lines += more.lines
        d.torn += more.torn
        d.malformed += more.malformed
        d.skipped.extend(more.skipped[: max(0, MAX_REPORTED - len(d.skipped))])
        if set(more.sensor_ids) - set(d.sensor_ids):
            d.sensor_ids = sorted(set(d.sensor_ids) | set(more.sensor_ids))
        changed = set()
        for name, series in more.series.items():
            if len(series.ts) == 0:
                continue
            if name in self._columns:
                self._columns[name].add(series)
            else:
                self._columns[name] = _Columns(series)
            changed.add(name)
        return changed

    def snapshot(self) -> LogData:
        """What was read so far. Its series are views: valid until the next ``extend``
        reallocates, and never changed by it (readings are only added past their end)."""
        d = self._data
        return LogData(files=list(d.files),
                       series={name: c.view(name) for name, c in self._columns.items()},
                       lines=d.lines, torn=d.torn, malformed=d.malformed,
                       skipped=list(d.skipped), sensor_ids=list(d.sensor_ids))
