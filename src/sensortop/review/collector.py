"""Assembling :class:`LogData` from parsed blocks: the fast path's columns merged with the
general path's rows, skipped lines counted and located, then split per sensor.

The collector owns the sensor codes shared across blocks, the units of each
sensor's last line (whichever path read it), the last error text, and the
``since``/``until``/sensor filters applied once at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensortop.review.fastparse import PlainLines
from sensortop.review.lineparse import judge_line, too_long
from sensortop.review.logdata import MAX_REPORTED, LogData, SensorSeries, SkippedLine, SkipTally


class Collector(SkipTally):
    """Accumulates the columns of every block, then groups them per sensor."""

    def __init__(self, full: bool = False) -> None:
        """``full`` also keeps each line's units and error text (what an archive stores)."""
        self.full = full
        self.unit_codes: dict[str | None, int] = {}
        self.rows_extra: list[tuple[np.ndarray, list[str | None]]] = []  # when ``full``
        self.codes: dict[str, int] = {}
        self.units: dict[int, str] = {}
        self.errors: dict[int, str] = {}
        self.columns: list[tuple[np.ndarray, ...]] = []
        self.lines = 0
        self.torn = 0
        self.malformed = 0
        self.skipped: list[SkippedLine] = []
        self.lines_seen = 0  # set by the reader: lines of the file read (blank ones too)

    def code(self, name: str) -> int:
        return self.codes.setdefault(name, len(self.codes))

    def add_block(
        self, path: Path, block: bytes | bytearray, first_line: int, unterminated: bool,
        starts: np.ndarray, ends: np.ndarray, plain: PlainLines,
    ) -> int:
        """Take one parsed block of whole lines; returns how many lines it had."""
        # A name that is not valid text (None) has no plain lines: its lines went the
        # general way and are judged there, so it gets no code here.
        remap = np.array([-1 if n is None else self.code(n) for n in plain.names],
                         dtype=np.int32)
        # Units are those of each sensor's last line, whichever path read it.
        latest = {code: last for code, last in zip(
            remap.tolist(), zip(plain.last.tolist(), plain.units, strict=True), strict=True)
            if code >= 0}
        # So is the last error text of each sensor.
        with_error = np.flatnonzero(plain.errors >= 0)
        latest_error = {code: (at, plain.error_texts[e]) for code, at, e in zip(
            remap[plain.sensor[with_error]].tolist(), plain.line[with_error].tolist(),
            plain.errors[with_error].tolist(), strict=True)} if len(with_error) else {}
        rest = np.flatnonzero(plain.rest & (ends > starts))  # empty lines need no look
        rows = self._slow_rows(path, block, starts[rest], ends[rest], rest, first_line,
                               last_line=len(starts) - 1 if unterminated else -1, latest=latest,
                               latest_error=latest_error)
        for code, (_, units) in latest.items():
            self.units[code] = units
        for code, (_, error) in latest_error.items():
            if error:
                self.errors[code] = error
        line = plain.line
        ts, value, status = plain.ts, plain.value, plain.status
        sensor = remap[plain.sensor] if len(remap) else plain.sensor
        alarm = plain.alarm
        units_col: np.ndarray | None = None
        errors: list[str | None] = []
        if self.full:
            umap = np.array([self.unit_codes.setdefault(t, len(self.unit_codes))
                             for t in plain.unit_texts], dtype=np.int32)
            units_col = umap[plain.row_units] if len(umap) else plain.row_units
            texts = np.array([*plain.error_texts, None], dtype=object)  # -1: the None
            errors = texts[plain.errors].tolist()
        if rows:
            r_line, r_ts, r_value, r_status, r_alarm, r_sensor, r_units, r_error = zip(
                *rows, strict=True)
            line = np.concatenate([line, np.array(r_line, dtype=np.int64)])
            order = np.argsort(line, kind="stable")
            line = line[order]
            ts = np.concatenate([ts, np.array(r_ts, dtype=np.float64)])[order]
            value = np.concatenate([value, np.array(r_value, dtype=np.float64)])[order]
            status = np.concatenate([status, np.array(r_status, dtype=np.int8)])[order]
            alarm = np.concatenate([alarm, np.array(r_alarm, dtype=np.int8)])[order]
            sensor = np.concatenate([sensor, np.array(r_sensor, dtype=np.int32)])[order]
            if units_col is not None:
                r_codes = [self.unit_codes.setdefault(u, len(self.unit_codes)) for u in r_units]
                units_col = np.concatenate([units_col, np.array(r_codes, dtype=np.int32)])[order]
                joined = errors + list(r_error)
                errors = [joined[i] for i in order.tolist()]
        self.lines += int(np.count_nonzero(ends > starts)) if len(block) else 0
        self.columns.append((ts, value, status, alarm, sensor))
        if units_col is not None:
            self.rows_extra.append((units_col, errors))
        return len(starts)

    def skip_long(self, path: Path, line: int, unterminated: bool) -> None:
        """A line over ``MAX_LINE_BYTES``: counted and located, never read whole."""
        self.lines += 1
        self.skip(path, line, "torn" if unterminated else "malformed", too_long())

    def _slow_rows(
        self, path: Path, block: bytes | bytearray, starts: np.ndarray, ends: np.ndarray,
        index: np.ndarray, first_line: int, last_line: int,
        latest: dict[int, tuple[int, str]], latest_error: dict[int, tuple[int, str | None]],
    ) -> list[tuple]:
        """Read the lines the fast path left, each alone by the general path; skip bad ones."""
        rows = []
        for at, s, e in zip(index.tolist(), starts.tolist(), ends.tolist(), strict=True):
            text = block[s:e]
            if not text.strip():
                self.lines -= e > s  # only blanks: not a line that counts (see ``LogData``)
                continue
            record, is_object = judge_line(text)
            if isinstance(record, str):
                torn = at == last_line and not is_object
                self.skip(path, first_line + at, "torn" if torn else "malformed", record)
                continue
            ts, number, status, alarm, sensor, units, error = record
            code = self.code(sensor)
            if units is not None and at >= latest.get(code, (-1, ""))[0]:
                latest[code] = (at, units)
            if error and at >= latest_error.get(code, (-1, ""))[0]:
                latest_error[code] = (at, error)
            rows.append((at, ts, number, status, alarm, code, units, error))
        return rows

    def state(self) -> tuple:
        """What another process needs to ``absorb`` this collector's readings (pickles)."""
        names = sorted(self.codes, key=self.codes.__getitem__)
        columns = tuple(np.concatenate(c) for c in zip(*self.columns, strict=True)) \
            if self.columns else None
        return (names, self.units, self.errors, columns, self.lines, self.torn,
                self.malformed, self.skipped, self.lines_seen)

    def absorb(self, state: tuple, line_offset: int) -> None:
        """Take the readings of the lines after this collector's (see ``state``)."""
        names, units, errors, columns, lines, torn, malformed, skipped, _ = state
        remap = np.array([self.code(n) for n in names], dtype=np.int32)
        for code, text in units.items():
            self.units[int(remap[code])] = text
        for code, text in errors.items():
            self.errors[int(remap[code])] = text
        if columns is not None:
            ts, value, status, alarm, sensor = columns
            self.columns.append((ts, value, status, alarm, remap[sensor] if len(remap)
                                 else sensor))
        self.lines += lines
        self.torn += torn
        self.malformed += malformed
        for skip in skipped[: max(0, MAX_REPORTED - len(self.skipped))]:
            self.skipped.append(SkippedLine(skip.path, skip.line + line_offset, skip.reason,
                                            skip.detail))

    def finish(
        self, files: list[Path], wanted: set[str] | None, since: float | None, until: float | None
    ) -> LogData:
        """Apply the filters and split the columns per sensor, each in time order."""
        data = LogData(files=files, series={}, lines=self.lines, torn=self.torn,
                       malformed=self.malformed, skipped=self.skipped,
                       sensor_ids=sorted(self.codes))
        if not self.columns:
            return data
        ts, value, status, alarm, sensor = (np.concatenate(c) for c in zip(*self.columns,
                                                                          strict=True))
        self.columns.clear()
        keep = np.ones(len(ts), dtype=bool)
        if since is not None:
            keep &= ts >= since
        if until is not None:
            keep &= ts <= until
        names = sorted(self.codes, key=self.codes.__getitem__)
        if wanted is not None:
            keep &= np.isin(sensor, [self.codes[n] for n in wanted if n in self.codes])
        if not keep.all():
            ts, value, status, alarm, sensor = (a[keep] for a in (ts, value, status, alarm,
                                                                  sensor))
        # Small codes sort by radix (stable, so the same order): much faster than int32.
        small = np.uint8 if len(names) <= 1 << 8 else np.int16 if len(names) < 1 << 15 else None
        order = np.argsort(sensor if small is None else sensor.astype(small), kind="stable")
        bounds = np.searchsorted(sensor[order], np.arange(len(names) + 1))
        for code, name in enumerate(names):
            rows = order[bounds[code] : bounds[code + 1]]
            if len(rows) == 0:
                continue
            s_ts = ts[rows]
            if len(s_ts) > 1 and (np.diff(s_ts) < 0).any():
                rows = rows[np.argsort(s_ts, kind="stable")]
                s_ts = ts[rows]
            data.series[name] = SensorSeries(
                sensor=name, units=self.units.get(code, ""), ts=s_ts, value=value[rows],
                status=status[rows], alarm=alarm[rows], last_error=self.errors.get(code),
            )
        return data
