"""Vectorised parsing of log lines in the recorder's own layout.

Decoding a million dicts is what makes a plain ``json.loads`` loop slow. The
recorder always writes the same shape::

    {"ts": "2026-11-24T14:03:07.512Z", "sensor": "x", "value": 1.5, "units": "°C", "status": "ok"}

(with ``, "error": "..."`` and then ``, "alarm": "hi"`` after the status where
set), so a whole block of such lines can be cut into columns with numpy: line
positions from the byte buffer, fields and literals checked on 8-byte words
(``wordscan``), the fixed-width timestamp decoded with integer arithmetic, the
strings coded by hash (``stringcodes``), the numbers handed to one
``orjson.loads`` call. Lines in any other shape (another key order, an escape,
garbage, a torn line) are flagged for the slower per-record path in
``lineparse``; this module never decides that a line is bad, only that it is
not plain.

A line it does take must be one the general path (``orjson`` per line, then
``lineparse.parse_record``) also takes, with the same values to the bit: so it
takes strings only without quotes, backslashes or control characters and in
valid UTF-8, years 1-9999, and numbers ``orjson`` parses. Anything else,
however close, goes to the general path, which is the one judge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import orjson

from sensortop.review.stringcodes import group_strings, taken, units_by_name
from sensortop.review.wordscan import (
    LOW_BYTES,
    decode_timestamps,
    find_byte,
    gather_rows,
    matches,
    words,
)

# Literal bytes between the values, for both separator styles
# (``json.dumps`` writes ``": "`` and ``", "``; ``orjson.dumps`` writes neither).
_SPACED = (b'{"ts": "', b'", "sensor": "', b'", "value": ', b', "units": "', b'", "status": "',
           b'"}', b', "alarm": "', b', "error": "')
_COMPACT = (b'{"ts":"', b'","sensor":"', b'","value":', b',"units":"', b'","status":"',
            b'"}', b',"alarm":"', b',"error":"')
_TS_WIDTH = 24  # 2026-11-24T14:03:07.512Z
_MAX_VALUE_WIDTH = 32
_MAX_UNITS_WIDTH = 32
_MAX_NAME_WIDTH = 64  # longer sensor ids and units take the slow path
_MAX_ERROR_WIDTH = 128  # and longer error texts (at most stringcodes.MAX_WORDS words)
_PAD = bytes(_MAX_ERROR_WIDTH + 64)
_STATUS_BYTES = (b"ok", b"timeout", b"error")  # index is the status code
_ALARM_BYTES = (b"lolo", b"lo", b"hi", b"hihi")  # index + 1 is the alarm code (0 is normal)
_STATUS_BY_FIRST = np.full(256, -1, dtype=np.int8)
for _code, _word in enumerate(_STATUS_BYTES):
    _STATUS_BY_FIRST[_word[0]] = _code
_VALUE_FIRST = np.zeros(256, dtype=bool)
_VALUE_FIRST[list(b"-0123456789n")] = True
# Bytes no value may hold, besides a comma: with none of them a value is one
# token (a number, null, or a syntax error), never a string or container.
_NOT_IN_VALUE = (b'"', b"[", b"{")
_SPACES = np.uint64(0x2020202020202020)
_COMMA_LAST = np.uint64(ord(",") << 56)


@dataclass(slots=True)
class PlainLines:
    """Columns of the plain lines of one block; ``rest`` marks the lines left over."""

    line: np.ndarray  # int64 index of each plain line within the block
    ts: np.ndarray  # float64 epoch seconds
    value: np.ndarray  # float64, NaN for null
    status: np.ndarray  # int8 code, index into _STATUS_BYTES
    alarm: np.ndarray  # int8 code, 0 normal, else index + 1 into _ALARM_BYTES
    sensor: np.ndarray  # int32 index into ``names``
    names: list[str | None]  # None: not valid text; its lines are in ``rest``
    units: list[str]  # units of each name's last plain line in the block
    rest: np.ndarray  # bool per line of the block: not plain, needs the slow path
    last: np.ndarray  # int64 line (within the block) of each name's last plain line
    row_units: np.ndarray  # int32 per plain line: index into ``unit_texts`` (the archiver's)
    unit_texts: list[str | None]
    errors: np.ndarray  # int32 per plain line: index into ``error_texts``, -1 for none
    error_texts: list[str | None]


def line_bounds(block: bytes | bytearray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, ``\\r`` dropped) of each line; the block has no last newline."""
    buf = np.frombuffer(block, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.empty(len(newlines) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = newlines + 1
    ends = np.empty_like(starts)
    ends[:-1] = newlines
    ends[-1] = len(block)
    carriage = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13) if len(buf) else ends > starts
    ends -= carriage
    return starts, ends


def parse_plain(block: bytes | bytearray, starts: np.ndarray, ends: np.ndarray) -> PlainLines:
    """Parse every line of ``block`` that is in the recorder's layout; flag the rest."""
    n = len(starts)
    long_enough = np.flatnonzero(ends - starts > 60)
    if len(long_enough) == n:
        return _parse_rows(block, starts, ends)
    # Blank or short lines (a file of newlines, say) are not worth the column work.
    found = _parse_rows(block, starts[long_enough], ends[long_enough])
    rest = np.ones(n, dtype=bool)
    rest[long_enough] = found.rest
    found.line, found.last, found.rest = long_enough[found.line], long_enough[found.last], rest
    return found


def _parse_rows(block: bytes | bytearray, starts: np.ndarray, ends: np.ndarray) -> PlainLines:
    n = len(starts)
    if n == 0 or not block:
        return all_rest(n)
    style = _COMPACT if block.startswith(_COMPACT[0]) else _SPACED
    lit_ts, lit_sensor, lit_value, lit_units, lit_status, lit_end, lit_alarm, lit_error = style
    buf = np.frombuffer(block + _PAD, dtype=np.uint8)
    limit = len(block)
    w = words(buf)

    def expect(pos: np.ndarray, literal: bytes) -> np.ndarray:
        return matches(w, pos, literal)

    def length_until(pos: np.ndarray, literal: bytes, width: int) -> np.ndarray:
        """Bytes from ``pos`` to ``literal`` at its first byte within ``width``; -1 if none.

        A ``\\"`` inside a string could fake the end, but a field holding a backslash
        is refused later anyway (a string by ``stringcodes``, a number by orjson).
        """
        length = find_byte(w, pos, literal[0], width + 1)
        rows = np.flatnonzero(length >= 0)
        length[rows[~expect(pos[rows] + length[rows], literal)]] = -1
        return length

    ok = ends - starts > 60
    ts_start = np.minimum(starts, limit) + len(lit_ts)
    ok &= expect(starts, lit_ts)
    ts, ts_ok = decode_timestamps(w, ts_start)
    ok &= ts_ok & expect(ts_start + _TS_WIDTH, lit_sensor)
    name_start = np.minimum(ts_start + _TS_WIDTH + len(lit_sensor), limit)
    name_len = length_until(name_start, lit_value, _MAX_NAME_WIDTH)
    ok &= name_len > 0
    value_start = np.minimum(name_start + name_len + len(lit_value), limit)
    value_len = length_until(value_start, lit_units, _MAX_VALUE_WIDTH)
    ok &= (value_len > 0) & _VALUE_FIRST[buf[value_start]]
    units_start = np.minimum(value_start + value_len + len(lit_units), limit)
    units_len = length_until(units_start, lit_status, _MAX_UNITS_WIDTH)
    ok &= units_len >= 0
    status_start = np.minimum(units_start + units_len + len(lit_status), limit)
    ok &= status_start < ends  # no field may run on into the next line
    # The status word is told by its first letter, then checked whole (closing quote included).
    status = _STATUS_BY_FIRST[buf[status_start]]
    tail_start = np.zeros(n, dtype=np.int64)
    for code, word in enumerate(_STATUS_BYTES):
        rows = np.flatnonzero(status == code)
        fits = expect(status_start[rows], word + b'"')
        status[rows[~fits]] = -1
        tail_start[rows] = status_start[rows] + len(word) + 1
    ok &= status >= 0
    # What follows the status: an error text (as the recorder writes it, before any alarm)
    # and then the end of the object, or an alarm state and then the end.
    tail = np.minimum(tail_start, limit)
    err_start, err_len = _error_texts(buf, tail, ok & (ends - tail > len(lit_error) + 1),
                                      lit_error, expect)
    ok[(err_len == 0) & (err_start > 0)] = False  # no closing quote near: not plain
    err_rows = np.flatnonzero(err_len)
    tail[err_rows] = err_start[err_rows] + err_len[err_rows] + 1
    tail_len = ends - tail
    alarm = np.where((tail_len == 1) & (buf[tail] == lit_end[-1]), 0, -1).astype(np.int8)
    longer = np.flatnonzero(ok & (tail_len > 1))
    for code, word in enumerate(_ALARM_BYTES, start=1):
        literal = lit_alarm + word + lit_end
        rows = longer[tail_len[longer] == len(literal)]
        alarm[rows[expect(tail[rows], literal)]] = code
    ok &= alarm >= 0

    idx = np.flatnonzero(ok)
    values, parsed = _decode_values(buf, value_start[idx], value_len[idx])
    for _ in range(2):  # again only if some string is not one the fast path takes
        if not parsed.all():
            ok[idx[~parsed]] = False
            idx, values = idx[parsed], values[parsed]
        names_ = group_strings(buf, name_start[idx], name_len[idx])
        units_ = units_by_name(buf, units_start[idx], units_len[idx], names_, len(lit_status))
        with_error = np.flatnonzero(err_len[idx])
        errors_ = group_strings(buf, err_start[idx[with_error]], err_len[idx[with_error]])
        if names_ is None or units_ is None or errors_ is None:  # a hash collision: the
            return all_rest(n)  # slow path takes all
        parsed = taken(*names_[:2]) & taken(*units_)
        parsed[with_error] &= taken(*errors_[:2])
        if parsed.all():
            break
    else:  # cannot happen (what a string is, is a property of its bytes), but stay exact
        return all_rest(n)
    (codes, names, _), (unit_codes, unit_texts) = names_, units_
    row_errors = np.full(len(idx), -1, dtype=np.int32)
    row_errors[with_error] = errors_[0]
    last = np.zeros(len(names), dtype=np.int64)
    np.maximum.at(last, codes, np.arange(len(codes)))  # each name's last row
    return PlainLines(
        line=idx.astype(np.int64),
        ts=ts[idx],
        value=values,
        status=status[idx],
        alarm=alarm[idx],
        sensor=codes,
        names=names,
        units=[unit_texts[code] for code in unit_codes[last].tolist()],
        rest=~ok,
        last=idx[last].astype(np.int64),
        row_units=unit_codes.astype(np.int32),
        unit_texts=unit_texts,
        errors=row_errors,
        error_texts=errors_[1],
    )


def all_rest(n: int) -> PlainLines:
    """No plain lines: all ``n`` go the general path."""
    empty_f = np.empty(0, dtype=np.float64)
    return PlainLines(
        line=np.empty(0, dtype=np.int64), ts=empty_f, value=empty_f,
        status=np.empty(0, dtype=np.int8), alarm=np.empty(0, dtype=np.int8),
        sensor=np.empty(0, dtype=np.int32),
        names=[], units=[], rest=np.ones(n, dtype=bool), last=np.empty(0, dtype=np.int64),
        row_units=np.empty(0, dtype=np.int32), unit_texts=[],
        errors=np.empty(0, dtype=np.int32), error_texts=[],
    )


def _error_texts(buf: np.ndarray, tail: np.ndarray, may: np.ndarray, literal: bytes,
                 expect: Callable[[np.ndarray, bytes], np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(start, length) of the error text after each ``tail`` that starts with ``literal``
    (the error key) where ``may``; 0 where there is none. A start with a length of 0: the
    key is there but no closing quote within ``_MAX_ERROR_WIDTH`` (or the text is empty).

    The text ends at the next quote: one escaped inside it leaves a backslash in the
    text, which ``stringcodes`` refuses.
    """
    n = len(tail)
    start, length = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(may)
    rows = rows[expect(tail[rows], literal)]
    if len(rows):
        start[rows] = tail[rows] + len(literal)
        quote = gather_rows(buf, start[rows], _MAX_ERROR_WIDTH + 1) == ord('"')
        length[rows] = np.where(quote.any(axis=1), quote.argmax(axis=1), 0)
    return start, length


def _decode_values(
    buf: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The numbers (or nulls) as float64, and which rows held one number orjson takes.

    One ``orjson.loads`` of them all as an array when no value holds a comma,
    quote or bracket (so each row is at most one token of its own and the
    batch cannot shift); otherwise, or if that fails, each row is parsed alone
    and only the bad rows drop out.
    """
    n = len(start)
    if n == 0:
        return np.empty(0, dtype=np.float64), np.ones(0, dtype=bool)
    width = int(length.max())
    # Each row: the value, spaces, and a comma as its last byte; built a word at a time.
    w = words(buf)
    table = np.empty((n, (width + 8) // 8), dtype="<u8")
    for j in range(table.shape[1]):
        mask = LOW_BYTES[np.clip(length - 8 * j, 0, 8)]
        table[:, j] = (w[start + 8 * j] & mask) | (_SPACES & ~mask)
    table[:, -1] = (table[:, -1] & LOW_BYTES[7]) | _COMMA_LAST
    joined = table.tobytes()[:-1]
    if joined.count(b",") == n - 1 and not any(c in joined for c in _NOT_IN_VALUE):
        try:
            parsed = orjson.loads(b"[" + joined + b"]")
        except orjson.JSONDecodeError:
            pass  # one bad value in the block: fall through to value by value
        else:
            return np.array(parsed, dtype=np.float64), np.ones(n, dtype=bool)
    values = np.full(n, np.nan)
    good = np.zeros(n, dtype=bool)
    for i in range(n):
        row = table[i].tobytes()[:width]
        if b"," in row or any(c in row for c in _NOT_IN_VALUE):
            continue
        try:
            number = orjson.loads(row)
        except orjson.JSONDecodeError:
            continue
        if number is None or type(number) in (int, float):
            values[i] = np.nan if number is None else float(number)
            good[i] = True
    return values, good


