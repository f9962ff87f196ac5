"""Coding the strings of a block's plain lines (sensor ids, units, error texts) for ``fastparse``.

A block holds a million copies of a few strings. Each is hashed from its
bytes, rows with equal hashes are checked byte for byte against their group's
first row (so a collision can only send the block the general way, never
merge two strings), and only each distinct string is decoded: in strict
UTF-8, and refused (None) if it holds a quote, a backslash or a control
character, which the general path alone reads.
"""

from __future__ import annotations

import re

import numpy as np

from sensortop.review.wordscan import LOW_BYTES, words

MAX_WORDS = 16  # strings up to 128 bytes can be coded here

# Bytes a string may not hold on the fast path: a quote, a backslash (escapes go the
# general way), a control character (JSON forbids them raw).
_STRING_BAD_RE = re.compile(rb'[\x00-\x1f"\\]')
def _odd_multipliers(n: int, seed: int = 20261124) -> np.ndarray:
    """Fixed odd 64-bit multipliers (splitmix64): importing numpy.random would cost
    ``review``'s start-up 10 ms for this alone."""
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        out.append((z ^ (z >> 31)) | 1)
    return np.array(out, dtype=np.uint64)


_HASH_MULTIPLIERS = _odd_multipliers(MAX_WORDS)


def group_strings(
    buf: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, list[str | None], np.ndarray] | None:
    """Code each string by hashing its bytes: (code per row, text per code, first row per code).

    A text is None where the bytes are not a string the fast path takes (see
    ``_string_text``); the caller drops those rows. Rows are checked against
    their group's first row, so a hash collision can only send the block to
    the slow path (None), never merge two strings.
    """
    if len(start) == 0:
        return np.empty(0, dtype=np.int32), [], np.empty(0, dtype=np.int64)
    packed = _packed(buf, start, length)
    hashes = length.astype(np.uint64)
    for j in range(packed.shape[1]):
        hashes = hashes * _HASH_MULTIPLIERS[j] + packed[:, j]
    _, first, codes = np.unique(hashes, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    if not (packed == packed[first[codes]]).all() or \
            not (length == length[first[codes]]).all():
        return None
    texts = [_string_text(bytes(buf[start[i] : start[i] + length[i]])) for i in first.tolist()]
    return codes.astype(np.int32), texts, first


def units_by_name(
    buf: np.ndarray, start: np.ndarray, length: np.ndarray,
    names: tuple[np.ndarray, list[str | None], np.ndarray] | None, literal_after: int,
) -> tuple[np.ndarray, list[str | None]] | None:
    """Code the units strings; cheaply when (as always in a recorder's log) each sensor's
    lines share one units string, by comparing each row with its sensor's first row.

    Rows are compared whole up to the longest string: the bytes past a shorter
    one are the literal that follows it (``literal_after`` bytes), the same in
    every row of that length, so equal rows of equal length are equal strings.
    """
    if names is None:
        return None
    codes, _, first = names
    if len(start) == 0:
        return np.empty(0, dtype=np.int32), []
    width = max(-(-int(length.max()) // 8) * 8, 8)
    at_first = first[codes]
    if width - int(length.min()) <= literal_after and (length == length[at_first]).all():
        w = words(buf)
        same = np.ones(len(start), dtype=bool)
        for j in range(0, width, 8):
            row = w[start + j]
            same &= row == row[at_first]
        if same.all():
            texts = [_string_text(bytes(buf[start[i] : start[i] + length[i]]))
                     for i in first.tolist()]
            return codes, texts
    grouped = group_strings(buf, start, length)
    return None if grouped is None else grouped[:2]


def _packed(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Each row's string as whole 8-byte words, zero past its end (one word at least)."""
    w = words(buf)
    packed = np.empty((len(start), max(-(-int(length.max()) // 8), 1)), dtype=np.uint64)
    for j in range(packed.shape[1]):
        packed[:, j] = w[start + 8 * j] & LOW_BYTES[np.clip(length - 8 * j, 0, 8)]
    return packed


def taken(codes: np.ndarray, texts: list[str | None]) -> np.ndarray:
    """Which rows' strings the fast path takes."""
    bad = [code for code, text in enumerate(texts) if text is None]
    return ~np.isin(codes, bad) if bad else np.ones(len(codes), dtype=bool)


def _string_text(raw: bytes) -> str | None:
    """The text of a JSON string body with no quote, backslash (escapes go the general
    way) or control character, in strict UTF-8 as orjson reads it (lone surrogates
    refused); None for any other body."""
    if _STRING_BAD_RE.search(raw):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
