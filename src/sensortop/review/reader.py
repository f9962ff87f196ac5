"""Read JSON Lines logs back into per-sensor numpy columns, fast.

Files are read in blocks of whole lines. Each block goes first through the
vectorised parser (``fastparse``) for lines in the recorder's own layout; the
few left over (lines with an ``error`` field, other layouts) take the general
path: ``orjson`` on each line alone, then ``parse_record``. The general path
is the judge of what a reading is; the fast path takes only lines it would
take, with the same values. A line that is not a reading is skipped and
counted, with its file and line number: a torn last line after a crash is
normal, garbage (an invalid escape, a NUL run, a line over ``MAX_LINE_BYTES``)
is reported, neither is fatal.
"""

from __future__ import annotations

import errno
import os
import stat
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
from sensortop.review.fastparse import PlainLines, all_rest, line_bounds, parse_plain
from sensortop.review.timespec import EARLIEST, LATEST

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)  # code -> text
ALARMS: tuple[str, ...] = tuple(a.value for a in AlarmState)  # code -> text; 0 is normal
_STATUS_CODE = {name: code for code, name in enumerate(STATUSES)}
_ALARM_CODE = {name: code for code, name in enumerate(ALARMS)}
BLOCK_SIZE = 4 << 20
PARSE_THREADS = 2
MAX_LINE_BYTES = 4 << 20  # a longer line is skipped unread: no reading comes near it
_FAST_MIN_LINES = 32  # fewer lines than this go the general path (same answers, see above)
_THREAD_MIN = 256 << 10  # blocks smaller than this are parsed without a thread hop
MAX_REPORTED = 50  # skipped lines listed one by one; beyond that only counted

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
    lines: int = 0  # lines with more than whitespace: readings + torn + malformed
    torn: int = 0
    malformed: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)
    sensor_ids: list[str] = field(default_factory=list)  # every id in the files, before filters

    @property
    def skipped_total(self) -> int:
        return self.torn + self.malformed


class LogPathError(FileNotFoundError):
    """A path given to the reader does not exist or is not a file or folder (bad usage).

    ``strerror`` and ``filename`` are set as for any ``OSError`` (the review
    screen shows those); ``str()`` is ``"<reason>: <path>"``.
    """

    def __init__(self, reason: str, path: Path | str, code: int = errno.ENOENT) -> None:
        super().__init__(code, reason, str(path))

    def __str__(self) -> str:
        return f"{self.strerror}: {self.filename}"


Record = tuple[float, float, int, int, str, str | None, str | None]
"""A reading as the general path reads it: (ts, value, status code, alarm code, sensor,
units or None, error text or None)."""


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
    exist or is neither a regular file nor a folder (a FIFO or a device
    would block or never end), and ``OSError`` for one that cannot be read.
    """
    given = [Path(p) for p in paths]
    for path in given:
        _check_given(path)
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


def _check_given(path: Path) -> None:
    """Refuse, before reading anything, a path that is missing or not a file or folder."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise LogPathError("no such file or folder", path) from None
    except ValueError as exc:  # a NUL byte in the path
        raise LogPathError(f"not a valid path ({exc})", repr(str(path)), errno.EINVAL) from None
    if stat.S_ISDIR(mode):
        os.listdir(path)  # an unreadable folder is an error, not "no log files"
    elif not stat.S_ISREG(mode):
        raise LogPathError("not a regular file or folder", path, errno.EINVAL)


def _read_file(path: Path, pool: ThreadPoolExecutor, collector: _Collector) -> Iterator[int]:
    """Parse ``path``'s blocks on ``pool`` and merge them in order; yield bytes done per block.

    numpy lets go of the GIL for most of the parsing, so the next block is
    parsed while this one is merged; at most a few blocks wait in memory.
    """
    pending: deque[tuple[_Piece, Future | None]] = deque()
    first_line = 1

    def merge(piece: _Piece, future: Future | None) -> int:
        if piece.kind == "long":  # a line over MAX_LINE_BYTES, skipped unread
            collector.skip_long(path, first_line, piece.unterminated)
            return 1
        if future is None:
            return 0
        return collector.add_block(path, piece.block, first_line, piece.unterminated,
                                   *future.result())

    try:
        for piece in _pieces(path):
            future = None
            if piece.kind == "lines":
                # A small block (a short rotated part) is parsed here: handing it to a
                # thread costs more than parsing it, and thousands of parts add up.
                future = pool.submit(_parse, piece.block) if len(piece.block) >= _THREAD_MIN \
                    else _done(_parse(piece.block))
            pending.append((piece, future))
            while len(pending) > PARSE_THREADS:
                piece, future = pending.popleft()
                first_line += merge(piece, future)
                yield piece.consumed
        while pending:
            piece, future = pending.popleft()
            first_line += merge(piece, future)
            yield piece.consumed
    finally:
        for _, future in pending:
            if future is not None:
                future.cancel()


def _done(result: tuple) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def _parse(block: bytes) -> tuple[np.ndarray, np.ndarray, PlainLines]:
    starts, ends = line_bounds(block)
    if len(starts) < _FAST_MIN_LINES:  # the fast path's fixed cost is more than it saves
        return starts, ends, all_rest(len(starts))
    return starts, ends, parse_plain(block, starts, ends)


@dataclass(slots=True)
class _Piece:
    """A stretch of a file: whole ``lines``, one over-``long`` line skipped unread, or
    ``more`` of such a line (only bytes to report)."""

    kind: str
    consumed: int  # bytes of the file read for this piece
    block: bytes = b""
    unterminated: bool = False  # the last line has no newline: it may be torn


def _open_regular(path: Path) -> int:
    """Open without blocking (a FIFO would wait for a writer) and insist on a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LogPathError("not a regular file", path, errno.EINVAL)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _pieces(path: Path) -> Iterator[_Piece]:
    """Blocks of whole lines of ``path``. A line longer than ``MAX_LINE_BYTES`` is passed
    over chunk by chunk (never held whole) and stands as one skipped line."""
    with os.fdopen(_open_regular(path), "rb", buffering=0) as stream:
        carry = b""
        at_start = True
        skipping = False  # inside an over-long line, looking for its end
        while True:
            chunk = stream.read(BLOCK_SIZE)
            read, eof = len(chunk), not chunk
            if skipping:
                cut = chunk.find(b"\n")
                if not eof and cut < 0:
                    yield _Piece("more", read)
                    continue
                skipping = False
                yield _Piece("long", cut + 1 if not eof else 0, unterminated=eof)
                if eof:
                    return
                chunk = chunk[cut + 1 :]
                read -= cut + 1
            data = carry + chunk
            if at_start and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            at_start = False
            if eof:
                if data:  # the last line has no newline: it may be torn
                    yield _Piece("lines", read, data, unterminated=True)
                return
            cut = data.rfind(b"\n")
            if cut < 0:
                skipping = len(data) > MAX_LINE_BYTES
                carry = b"" if skipping else data
                yield _Piece("more", read)
                continue
            block, carry = data[:cut], data[cut + 1 :]
            yield _Piece("lines", read, block)


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
        # Units are those of each sensor's last line, whichever path read it.
        latest = dict(zip(remap.tolist(), zip(plain.last.tolist(), plain.units, strict=True),
                          strict=True))
        rest = np.flatnonzero(plain.rest & (ends > starts))  # empty lines need no look
        rows = self._slow_rows(path, block, starts[rest], ends[rest], rest, first_line,
                               last_line=len(starts) - 1 if unterminated else -1, latest=latest)
        for code, (_, units) in latest.items():
            self.units[code] = units
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

    def skip_long(self, path: Path, line: int, unterminated: bool) -> None:
        """A line over ``MAX_LINE_BYTES``: counted and located, never read whole."""
        self.lines += 1
        self._skip(path, line, "torn" if unterminated else "malformed", _too_long())

    def _slow_rows(
        self, path: Path, block: bytes, starts: np.ndarray, ends: np.ndarray,
        index: np.ndarray, first_line: int, last_line: int,
        latest: dict[int, tuple[int, str]],
    ) -> list[tuple]:
        """Read the lines the fast path left, each alone by the general path; skip bad ones."""
        rows = []
        for at, s, e in zip(index.tolist(), starts.tolist(), ends.tolist(), strict=True):
            text = block[s:e]
            if not text.strip():
                self.lines -= e > s  # only blanks: not a line that counts (see ``LogData``)
                continue
            doc: object = None
            if e - s > MAX_LINE_BYTES:
                record: Record | str = _too_long()
            else:
                doc = _loads(text)
                record = parse_record(doc)
            if isinstance(record, str):
                torn = at == last_line and not isinstance(doc, dict)
                self._skip(path, first_line + at, "torn" if torn else "malformed", record)
                continue
            ts, number, status, alarm, sensor, units, error = record
            code = self.code(sensor)
            if units is not None and at >= latest.get(code, (-1, ""))[0]:
                latest[code] = (at, units)
            if error:
                self.errors[code] = error
            rows.append((at, ts, number, status, alarm, code))
        return rows

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


def _too_long() -> str:
    return f"line longer than {MAX_LINE_BYTES:,} bytes"


class _Undecodable:
    """A line orjson refuses, with its reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _loads(text: bytes) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _Undecodable(f"not JSON ({exc.msg})")


def parse_line(text: bytes) -> Record | str:
    """The general path for one line (no newline): its reading, or why it is not one."""
    if len(text) > MAX_LINE_BYTES:
        return _too_long()
    return parse_record(_loads(text))


def parse_record(doc: object) -> Record | str:
    """A decoded line as a reading, or why it is not one (the general path's rules).

    ``ts`` must be an ISO time that ``datetime`` takes, within the years
    1-9999 once in UTC (no zone means UTC, as the log contract is UTC);
    ``sensor`` a non-empty string; ``value`` a number or null; ``status``
    and ``alarm`` the documented words.
    """
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
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp()
    except (ValueError, OverflowError):
        return f"bad ts {_clip(ts)}"
    if not EARLIEST <= seconds <= LATEST:
        return f"bad ts {_clip(ts)} (outside the years 1-9999 in UTC)"
    if not isinstance(sensor, str) or not sensor:
        return "no sensor"
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"bad value {_clip(value)}"
    if status not in _STATUS_CODE:
        return f"bad status {_clip(status)}"
    if alarm is not None and alarm not in _ALARM_CODE:
        return f"bad alarm {_clip(alarm)}"
    units = doc.get("units")
    error = doc.get("error")
    return (seconds, float("nan") if value is None else float(value), _STATUS_CODE[status],
            _ALARM_CODE[alarm or "normal"], sensor, units if isinstance(units, str) else None,
            error if isinstance(error, str) and error else None)


def _clip(value: object, width: int = 60) -> str:
    """A value for a skip reason: its repr, cut short so a huge field cannot flood stderr."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
