"""What a worker process sends its parent: readings in batches, ready to write.

A worker encodes its readings as the log's own JSON lines (``logs.format``),
so the parent, the one writer of the run's log, only appends bytes. Next to
the lines travel four columns the parent counts with numpy, never parsing a
line: which sensor (its index in the worker's list), failed or not, the time
and the value. One batch is one pipe message: the parent gets all of it or,
if the worker dies mid-send, none of it, so a batch is never written twice
or in part.

    header  <4sIQI  magic b"STB1", count, sequence number, length of the lines
    columns uint32 sensor index, uint8 1 = failed, float64 ts, float64 value (NaN
            when failed), each ``count`` long
    lines   the JSON lines, UTF-8
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensortop.logs.format import encode_lines
from sensortop.model.readings import Reading, Status

MAGIC = b"STB1"
_HEADER = struct.Struct("<4sIQI")


@dataclass(frozen=True, slots=True)
class Batch:
    """Readings of one worker, in the order they were taken."""

    seq: int
    index: np.ndarray
    failed: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    lines: bytes

    @property
    def count(self) -> int:
        return int(self.index.size)


def encode_batch(seq: int, readings: Sequence[Reading], index_of: dict[str, int]) -> bytes:
    """One message for ``readings``; ``index_of`` maps a sensor id to its index."""
    count = len(readings)
    lines = encode_lines(readings)
    index = np.fromiter((index_of[r.sensor] for r in readings), np.uint32, count)
    failed = np.fromiter((r.status is not Status.OK for r in readings), np.uint8, count)
    ts = np.fromiter((r.ts for r in readings), np.float64, count)
    value = np.fromiter((np.nan if r.value is None else r.value for r in readings),
                        np.float64, count)
    return b"".join((_HEADER.pack(MAGIC, count, seq, len(lines)), index.tobytes(),
                     failed.tobytes(), ts.tobytes(), value.tobytes(), lines))


def decode_batch(data: bytes) -> Batch:
    """The batch in one message; ValueError if it is not one, or not whole."""
    if len(data) < _HEADER.size:
        raise ValueError("a batch shorter than its header")
    magic, count, seq, size = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not a reading batch")
    offset = _HEADER.size
    need = offset + count * (4 + 1 + 8 + 8) + size
    if len(data) != need:
        raise ValueError(f"a batch of {len(data)} bytes, expected {need}")
    index = np.frombuffer(data, np.uint32, count, offset)
    offset += 4 * count
    failed = np.frombuffer(data, np.uint8, count, offset)
    offset += count
    ts = np.frombuffer(data, np.float64, count, offset)
    offset += 8 * count
    value = np.frombuffer(data, np.float64, count, offset)
    offset += 8 * count
    return Batch(seq, index, failed, ts, value, data[offset:])


def is_batch(data: bytes) -> bool:
    return data[:4] == MAGIC
