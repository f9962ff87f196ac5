"""Read JSON Lines logs back into per-sensor numpy columns, fast.

Files are read in blocks of whole lines. Each block goes first through the
vectorised parser (``fastparse``) for lines in the recorder's own layout; the
few left over (lines with an ``error`` or ``alarm`` field, other layouts) are
decoded by ``orjson`` in bulk, halving the batch around any line it refuses so
that one bad line costs little. A line that still fails is skipped and
counted, with its file and line number: a torn last line after a crash is
normal, garbage is reported, neither is fatal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson

from sensortop.logfiles import expand_log_paths
from sensortop.readings import AlarmState, Status
from sensortop.review.fastparse import PlainLines, line_bounds, parse_plain

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)  # code -> text
ALARMS: tuple[str, ...] = tuple(a.value for a in AlarmState)  # code -> text; 0 is normal
_STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}
_ALARM_CODE = {name: code for code, name in enumerate(ALARMS)}
BLOCK_SIZE = 4 << 20
PARSE_THREADS = 2
MAX_REPORTED = 50  # skipped lines listed one by one; beyond that only counted
_BISECT_BELOW = 16

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in total) after each block; may raise to cancel."""


@dataclass(slots=True)
class SensorSeries:
    """All readings of one sensor, in time order."""

    sensor: str
    units: str
    ts: np.ndarray  # float64 epoch seconds
    value: np.ndarray  # float64, NaN where the log says null
    status: np.ndarray  # int8, index into STATUSES
    alarm: np.ndarray  # int8, index into ALARMS
    last_error: str | None = None


@dataclass(slots=True)
class SkippedLine:
    """A line that is not a reading: ``reason`` is ``torn`` (cut-off last line) or ``malformed``."""

    path: Path
    line: int
    reason: str
    detail: str


@dataclass(slots=True)
class LogData:
    """What the reader found: per-sensor series and the lines it had to skip."""

    files: list[Path]
    series: dict[str, SensorSeries]
    lines: int = 0
    torn: int = 0
    malformed: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return self.torn + self.malformed


class LogPathError(FileNotFoundError):
    """A path given to the reader does not exist (bad usage, not a runtime failure)."""


def read_logs(
    paths: Iterable[Path | str],
    sensors: Iterable[str] | None = None,
    since: float | None = None,
    until: float | None = None,
    progress: Progress | None = None,
) -> LogData:
    """Read log files and folders (rotated parts in run order) into per-sensor series.

    ``since``/``until`` are epoch seconds (both ends included); ``sensors``
    keeps only those ids. Raises ``LogPathError`` for a path that does not
    exist and ``OSError`` for a file that cannot be read.
    """
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists():
            raise LogPathError(f"no such file or folder: {path}")
    files = expand_log_paths(given)
    total = sum(p.stat().st_size for p in files)
    collector = _Collector()
    done = 0
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        for path in files:
            try:
                for consumed in _read_file(path, pool, collector):
                    done += consumed
                    if progress is not None:
                        progress(done, total)
            except OSError as exc:
                if exc.filename is not None:
                    raise
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    if progress is not None:
        progress(total, total)
    return collector.finish(files, set(sensors) if sensors is not None else None, since, until)


def _read_file(path: Path, pool: ThreadPoolExecutor, collector: _Collector) -> Iterator[int]:
    """Parse ``path``'s blocks on ``pool`` and merge them in order; yield bytes done per block.

    numpy lets go of the GIL for most of the parsing, so the next block is
    parsed while this one is merged; at most a few blocks wait in memory.
    """
    pending: deque[tuple[bytes, bool, int, Future]] = deque()
    first_line = 1
    try:
        for block, unterminated, consumed in _blocks(path):
            pending.append((block, unterminated, consumed, pool.submit(_parse, block)))
            while len(pending) > PARSE_THREADS:
                block, unterminated_, consumed_, future = pending.popleft()
                first_line += collector.add_block(path, block, first_line, unterminated_,
                                                  *future.result())
                yield consumed_
        while pending:
            block, unterminated_, consumed_, future = pending.popleft()
            first_line += collector.add_block(path, block, first_line, unterminated_,
                                              *future.result())
            yield consumed_
    finally:
        for *_, future in pending:
            future.cancel()


def _parse(block: bytes) -> tuple[np.ndarray, np.ndarray, PlainLines]:
    starts, ends = line_bounds(block)
    return starts, ends, parse_plain(block, starts, ends)


def _blocks(path: Path) -> Iterator[tuple[bytes, bool, int]]:
    """Blocks of whole lines of ``path``: (block, last line unterminated, bytes consumed)."""
    with path.open("rb") as stream:
        carry = b""
        at_start = True
        while True:
            chunk = stream.read(BLOCK_SIZE)
            data = carry + chunk
            if at_start and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            at_start = False
            if not chunk:
                if data:  # the last line has no newline: it may be torn
                    yield data, True, len(carry)
                return
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            block, carry = data[:cut], data[cut + 1 :]
            yield block, False, len(chunk)


class _Collector:
    """Accumulates the columns of every block, then groups them per sensor."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.units: dict[int, str] = {}
        self.errors: dict[int, str] = {}
        self.columns: list[tuple[np.ndarray, ...]] = []
        self.lines = 0
        self.torn = 0
        self.malformed = 0
        self.skipped: list[SkippedLine] = []

    def code(self, name: str) -> int:
        return self.codes.setdefault(name, len(self.codes))

    def add_block(
        self, path: Path, block: bytes, first_line: int, unterminated: bool,
        starts: np.ndarray, ends: np.ndarray, plain: PlainLines,
    ) -> int:
        """Take one parsed block of whole lines; returns how many lines it had."""
        remap = np.array([self.code(n) for n in plain.names], dtype=np.int32)
        for local, units in zip(remap.tolist(), plain.units, strict=True):
            self.units[local] = units
        rest = np.flatnonzero(plain.rest)
        rows = self._slow_rows(path, block, starts[rest], ends[rest], rest, first_line,
                               last_line=len(starts) - 1 if unterminated else -1)
        line = plain.line
        ts, value, status = plain.ts, plain.value, plain.status
        sensor = remap[plain.sensor] if len(remap) else plain.sensor
        alarm = plain.alarm
        if rows:
            r_line, r_ts, r_value, r_status, r_alarm, r_sensor = zip(*rows, strict=True)
            line = np.concatenate([line, np.array(r_line, dtype=np.int64)])
            order = np.argsort(line, kind="stable")
            line = line[order]
            ts = np.concatenate([ts, np.array(r_ts, dtype=np.float64)])[order]
            value = np.concatenate([value, np.array(r_value, dtype=np.float64)])[order]
            status = np.concatenate([status, np.array(r_status, dtype=np.int8)])[order]
            alarm = np.concatenate([alarm, np.array(r_alarm, dtype=np.int8)])[order]
            sensor = np.concatenate([sensor, np.array(r_sensor, dtype=np.int32)])[order]
        self.lines += int(np.count_nonzero(ends > starts)) if len(block) else 0
        self.columns.append((ts, value, status, alarm, sensor))
        return len(starts)

    def _slow_rows(
        self, path: Path, block: bytes, starts: np.ndarray, ends: np.ndarray,
        index: np.ndarray, first_line: int, last_line: int,
    ) -> list[tuple]:
        """Decode the lines the fast path left, one record each; skip and count bad ones."""
        texts = [block[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        keep = [i for i, t in enumerate(texts) if t.strip()]
        docs = _decode_many([texts[i] for i in keep])
        rows = []
        for i, doc in zip(keep, docs, strict=True):
            row = self._row(doc)
            if isinstance(row, str):
                at = int(index[i])
                torn = at == last_line and not isinstance(doc, dict)
                self._skip(path, first_line + at, "torn" if torn else "malformed", row)
                continue
            rows.append((int(index[i]), *row))
        return rows

    def _row(self, doc: object) -> tuple | str:
        """(ts, value, status, alarm, sensor code) of a decoded line, or why it is not a reading."""
        if isinstance(doc, _Undecodable):
            return doc.reason
        if not isinstance(doc, dict):
            return "not a JSON object"
        ts, sensor, value = doc.get("ts"), doc.get("sensor"), doc.get("value")
        status, alarm = doc.get("status"), doc.get("alarm")
        if not isinstance(ts, str):
            return "no ts"
        try:
            moment = datetime.fromisoformat(ts)
        except ValueError:
            return f"bad ts {ts!r}"
        if not isinstance(sensor, str) or not sensor:
            return "no sensor"
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"bad value {value!r}"
        if status not in _STATUS_CODE:
            return f"bad status {status!r}"
        if alarm is not None and alarm not in _ALARM_CODE:
            return f"bad alarm {alarm!r}"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # the log contract is UTC
        code = self.code(sensor)
        units = doc.get("units")
        if isinstance(units, str):
            self.units[code] = units
        error = doc.get("error")
        if isinstance(error, str) and error:
            self.errors[code] = error
        number = float("nan") if value is None else float(value)
        return (moment.timestamp(), number, _STATUS_CODE[status], _ALARM_CODE[alarm or "normal"],
                code)

    def _skip(self, path: Path, line: int, reason: str, detail: str) -> None:
        if reason == "torn":
            self.torn += 1
        else:
            self.malformed += 1
        if len(self.skipped) < MAX_REPORTED:
            self.skipped.append(SkippedLine(path, line, reason, detail))

    def finish(
        self, files: list[Path], wanted: set[str] | None, since: float | None, until: float | None
    ) -> LogData:
        """Apply the filters and split the columns per sensor, each in time order."""
        data = LogData(files=files, series={}, lines=self.lines, torn=self.torn,
                       malformed=self.malformed, skipped=self.skipped)
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
        order = np.argsort(sensor, kind="stable")
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


@dataclass(slots=True)
class _Undecodable:
    reason: str


def _decode_many(texts: list[bytes]) -> list[object]:
    """Decode each line, in bulk where possible; a line orjson refuses becomes ``_Undecodable``."""
    if not texts:
        return []
    if len(texts) >= _BISECT_BELOW:
        try:
            docs = orjson.loads(b"[" + b",".join(texts) + b"]")
        except orjson.JSONDecodeError:
            docs = None
        # A garbage line such as ``1,2`` can shift the count; then decode by halves.
        if docs is not None and len(docs) == len(texts) and all(type(d) is dict for d in docs):
            return docs
        half = len(texts) // 2
        return _decode_many(texts[:half]) + _decode_many(texts[half:])
    out: list[object] = []
    for text in texts:
        try:
            out.append(orjson.loads(text))
        except orjson.JSONDecodeError as exc:
            out.append(_Undecodable(f"not JSON ({exc.msg})"))
    return out
