"""The batch a worker sends (sampling/batch.py) and the writer's ``put_lines`` that takes it:
lines byte for byte as the log format writes them, columns that agree with them, and a
damaged or cut message refused whole."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import numpy as np
import pytest

from sensortop.logs.format import encode_lines
from sensortop.logs.writer import Recorder
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.sampling.batch import decode_batch, encode_batch, is_batch

T0 = 1_764_000_000.0
READINGS = [Reading(T0, "a", 1.5, "degC", Status.OK),
            Reading(T0 + 0.1, "b", None, "bar", Status.TIMEOUT, "no answer within 0.2 s"),
            Reading(T0 + 0.2, "a", 99.0, "degC", Status.OK, None, AlarmState.HI)]


def test_a_batch_carries_the_log_lines_and_columns_that_agree_with_them() -> None:
    data = encode_batch(7, READINGS, {"a": 0, "b": 1})
    assert is_batch(data)
    batch = decode_batch(data)
    assert batch.seq == 7 and batch.count == 3
    assert batch.lines == encode_lines(READINGS)
    assert batch.index.tolist() == [0, 1, 0] and batch.failed.tolist() == [0, 1, 0]
    assert batch.ts.tolist() == [r.ts for r in READINGS]
    assert batch.value[0] == 1.5 and math.isnan(batch.value[1]) and batch.value[2] == 99.0


@pytest.mark.parametrize("cut", [0, 5, 20, -1])
def test_a_cut_or_foreign_message_is_refused_whole(cut: int) -> None:
    data = encode_batch(1, READINGS, {"a": 0, "b": 1})
    with pytest.raises(ValueError):
        decode_batch(data[:cut])
    with pytest.raises(ValueError):
        decode_batch(b"XXXX" + data[4:])


def test_put_lines_writes_the_chunks_in_order_and_counts_their_readings(
        tmp_path: Path) -> None:
    chunks = [encode_lines(READINGS[:1]), encode_lines(READINGS[1:]), encode_lines(READINGS)]

    async def main() -> Recorder:
        recorder = Recorder(tmp_path, batch_lines=2)
        await recorder.start()
        recorder.put_lines(chunks[0], 1)
        recorder.put_lines(b"", 0)  # nothing: no-op
        recorder.put_lines(chunks[1], 2)
        assert recorder.backlog == 3
        await asyncio.sleep(0.05)
        recorder.put_lines(chunks[2], 3)
        await recorder.stop()
        return recorder

    recorder = asyncio.run(main())
    assert recorder.written == 6 and recorder.backlog == 0 and recorder.error is None
    assert b"".join(p.read_bytes() for p in recorder.paths) == b"".join(chunks)
    assert np.sum([p.read_bytes().count(b"\n") for p in recorder.paths]) == 6
