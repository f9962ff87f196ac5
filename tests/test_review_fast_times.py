"""The fast path decodes a run of lines sharing a date and hour once (``wordscan``): a line
whose time differs from its neighbours' in any one byte is still judged, and timed, alone,
as the general path (``datetime``) would."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.logs.format import encode_lines
from sensortop.model.readings import Reading, Status
from sensortop.review.fastparse import line_bounds, parse_plain
from sensortop.review.lineparse import parse_line

_BYTES = st.sampled_from(list(b"0123456789-T:.Z /\x00\xff"))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.floats(0.0, 253402300000.0), st.integers(1, 4000),  # (the recorder writes no
       # time before 1970 right: ``encode_lines`` starts with second -1 as "none yet")
       st.lists(st.tuples(st.integers(0, 63), st.integers(8, 31), _BYTES), max_size=12))
def test_runs_of_one_hour_time_each_line_as_the_general_path(
        t0: float, step_ms: int, edits: list[tuple[int, int, int]]) -> None:
    readings = [Reading(t0 + i * step_ms / 1000, "reactor_temp", 1.0, "°C", Status.OK)
                for i in range(64)]
    lines = encode_lines(readings).rstrip(b"\n").split(b"\n")
    for line, at, byte in edits:  # one byte of a time changed: a bad, or another, time
        lines[line] = lines[line][:at] + bytes([byte]) + lines[line][at + 1 :]
    block = b"\n".join(lines)
    starts, ends = line_bounds(block)
    plain = parse_plain(block, starts, ends)
    for k, at in enumerate(plain.line.tolist()):
        general = parse_line(lines[at])
        assert not isinstance(general, str), lines[at]
        assert struct.pack("<d", plain.ts[k]) == struct.pack("<d", general[0]), lines[at]
    untouched = set(range(64)) - {line for line, _, _ in edits}
    assert untouched <= set(plain.line.tolist())  # the fast path is used, not only safe
