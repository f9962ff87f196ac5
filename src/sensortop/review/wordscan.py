"""Checks and decoding on 8-byte words loaded at any byte offset of a block, for ``fastparse``.

Gathering each line's bytes as rows (``n`` by the field's width) and comparing
them byte by byte is what made the vectorised parser slow; one unaligned
64-bit load per 8 bytes, compared with a constant, does the same work in a
fraction of the time. :func:`words` views a padded buffer as ``uint64`` with
a stride of one byte, so ``words(buf)[p]`` is the 8 bytes from ``p``
(little-endian: byte ``k`` is bits ``8k`` to ``8k + 7``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_ONES = 0xFFFFFFFFFFFFFFFF
LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
"""``LOW_BYTES[k]``: a word's low ``k`` bytes set (its first ``k`` bytes in memory)."""
_TS_WIDTH = 24  # 2026-11-24T14:03:07.512Z: three words
_TS_WORDS = ("####-##-", "##T##:##", ":##.###Z")  # YYYY-mm- ddTHH:MM :SS.fffZ; # a digit
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def words(buf: np.ndarray) -> np.ndarray:
    """``buf`` (uint8, with at least 8 bytes of padding past anything read) as the
    little-endian 8-byte word starting at each byte."""
    return np.ndarray((max(len(buf) - 7, 0),), dtype="<u8", buffer=buf, strides=(1,))


def gather_rows(buf: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes from each start, one row each (a gather of rows, not of bytes)."""
    return sliding_window_view(buf, width)[start]


def _word(text: bytes) -> int:
    return int.from_bytes(text.ljust(8, b"\0"), "little")


def matches(w: np.ndarray, pos: np.ndarray, literal: bytes) -> np.ndarray:
    """Which ``pos`` start ``literal`` (any length from 1): whole words, the last one
    overlapping the one before it, or one masked word for a literal under 8 bytes."""
    m = len(literal)
    if m < 8:
        mask = (1 << (8 * m)) - 1
        return (w[pos] & np.uint64(mask)) == np.uint64(_word(literal))
    ok = w[pos] == np.uint64(_word(literal[:8]))
    for at in (*range(8, m - 7, 8), m - 8):
        if at:
            ok &= w[pos + at] == np.uint64(_word(literal[at : at + 8]))
    return ok


def find_byte(w: np.ndarray, pos: np.ndarray, byte: int, width: int) -> np.ndarray:
    """Offset of the first ``byte`` at or after each ``pos`` within ``width`` bytes, else -1.

    A word at a time for the rows not yet found: a byte equal to ``byte`` is a zero
    byte of ``word ^ pattern``, and the lowest bit set by the zero-byte test
    ``(x - 0x01..) & ~x & 0x80..`` is in the first one (a borrow only runs upwards).
    """
    found = np.full(len(pos), -1, dtype=np.int64)
    rows = np.arange(len(pos))
    pattern = np.uint64(byte * 0x0101010101010101)
    for at in range(0, width, 8):
        x = w[pos[rows] + at] ^ pattern
        z = (x - np.uint64(0x0101010101010101)) & ~x & np.uint64(0x8080808080808080)
        hit = z != 0
        z = z[hit]
        lowest = (z & (~z + np.uint64(1))).astype(np.float64)  # a power of two: exact
        found[rows[hit]] = at + (np.log2(lowest).astype(np.int64) >> 3)
        rows = rows[~hit]
        if len(rows) == 0:
            break
    found[found >= width] = -1
    return found


def _masks(shape: str) -> tuple[int, ...]:
    """(separator mask, separator bytes, digit mask, ``0x30`` in each digit byte)."""
    sep_mask = sum(0xFF << (8 * k) for k, c in enumerate(shape) if c != "#")
    sep = sum(ord(c) << (8 * k) for k, c in enumerate(shape) if c != "#")
    return sep_mask, sep, _ONES ^ sep_mask, sum(0x30 << (8 * k) for k, c in
                                                   enumerate(shape) if c == "#")


_TS_MASKS = [_masks(shape) for shape in _TS_WORDS]
_HOUR_MASKS = tuple(m & int(LOW_BYTES[5]) for m in _TS_MASKS[1])  # ddTHH of word 1
_MINUTE_MASKS = tuple(m & (_ONES ^ int(LOW_BYTES[5])) for m in _TS_MASKS[1])  # :MM of word 1
_HIGH_NIBBLES = 0xF0F0F0F0F0F0F0F0
_SIX = 0x0606060606060606


def _digits(word: np.ndarray, masks: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(separators right and every digit byte a digit, the word less ``'0'`` in each digit
    byte and zero in the others). A digit byte is ``0x30``-``0x39``: its high nibble is 3,
    and still is after adding 6 (no carry crosses a byte once every high nibble is 3)."""
    sep_mask, sep, digit_mask, zeros = masks
    ok = (word & np.uint64(sep_mask)) == np.uint64(sep)
    digits = word & np.uint64(digit_mask)
    ok &= (digits & np.uint64(_HIGH_NIBBLES & digit_mask)) == np.uint64(zeros)
    ok &= ((digits + np.uint64(_SIX & digit_mask)) & np.uint64(_HIGH_NIBBLES & digit_mask)) \
        == np.uint64(zeros)
    return ok, digits - np.uint64(zeros)


def _two(d: np.ndarray, at: int) -> np.ndarray:
    """The two-digit number in bytes ``at`` and ``at + 1`` of ``d`` (digit values 0-9)."""
    pair = (d >> np.uint64(8 * at)).astype(np.int64)
    return (pair & 0xFF) * 10 + ((pair >> 8) & 0xFF)


def decode_timestamps(w: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds from ``YYYY-mm-ddTHH:MM:SS.fffZ`` at each start, and which were valid
    (years 1-9999, real dates and times; the general path's ``datetime`` agrees).

    A log's lines come in time order, so the date and hour change seldom: they are
    checked and turned into seconds once for each run of lines that share them
    (their bytes equal), and only minutes, seconds and milliseconds line by line.
    """
    n = len(start)
    w0, w1, w2 = w[start], w[start + 8], w[start + 16]
    hour_key = w1 & LOW_BYTES[5]  # ddTHH
    new_run = np.ones(n, dtype=bool)
    np.not_equal(w0[1:], w0[:-1], out=new_run[1:])
    new_run[1:] |= hour_key[1:] != hour_key[:-1]
    heads = np.flatnonzero(new_run)
    run = np.cumsum(new_run) - 1
    hour_start, hour_ok = _hour_starts(w0[heads], w1[heads])
    ok, d1 = _digits(w1, _MINUTE_MASKS)
    ok2, d2 = _digits(w2, _TS_MASKS[2])
    ok &= ok2 & hour_ok[run]
    minute = _two(d1, 6)
    second = _two(d2, 1)
    millis = _two(d2, 4) * 10 + ((d2 >> np.uint64(48)) & np.uint64(0xFF)).astype(np.int64)
    ok &= (minute < 60) & (second < 60)
    seconds = hour_start[run] + (minute * 60 + second)
    # One division of whole milliseconds: correctly rounded, as datetime.timestamp() is.
    return (seconds * 1000 + millis) / 1000.0, ok


def _hour_starts(w0: np.ndarray, w1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds of ``YYYY-mm-ddTHH`` (words 0 and 1 of a time), and which are valid."""
    ok, d0 = _digits(w0, _TS_MASKS[0])
    ok1, d1 = _digits(w1, _HOUR_MASKS)
    ok &= ok1
    year = _two(d0, 0) * 100 + _two(d0, 2)
    month = _two(d0, 5)
    day = _two(d1, 0)
    hour = _two(d1, 3)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    dim = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + ((month == 2) & leap)
    ok &= (year >= 1) & month_ok & (day >= 1) & (day <= dim)  # year 0: datetime refuses it too
    ok &= hour < 24
    # Days from the civil date (H. Hinnant's algorithm), valid for years >= 0.
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + hour * 3600, ok
