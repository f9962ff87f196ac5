"""Lines with an ``error`` text take the fast path, and mixed with general-path lines in
one block still give each sensor the error text of its last line, and each row its own
(what an archive stores): the same as reading every line by the general path.

Blocks here are long enough (>= the reader's 32 lines) for the fast path to be used.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.archive.rows import read_rows
from sensortop.logs.format import encode_lines
from sensortop.model.readings import Reading, Status
from sensortop.review.fastparse import line_bounds, parse_plain
from sensortop.review.lineparse import parse_line
from sensortop.review.reader import read_logs

# None: no error; texts the fast path takes; escaped ones (quote, newline, control
# character) and over-long ones only the general path reads; "" is written as no error.
_ERRORS = st.sampled_from([None, None, "read timed out", "port closed", "é€😀", "x" * 128,
                           'said "no"', "a\\b", "line\nbreak", "\x1f", "y" * 129, ""])


def _lines(errors: list[str | None], sensors: list[str]) -> bytes:
    readings = [Reading(1.8e9 + i, sensors[i % len(sensors)], None if e else 1.5 + i, "°C",
                        Status.TIMEOUT if e else Status.OK, e)
                for i, e in enumerate(errors)]
    return encode_lines(readings)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(_ERRORS, min_size=32, max_size=80), st.sampled_from([["a"], ["a", "b", "c"]]))
def test_last_error_and_row_errors_match_the_general_path(
        tmp_path_factory, errors: list[str | None], sensors: list[str]) -> None:
    raw = _lines(errors, sensors)
    path = Path(tmp_path_factory.mktemp("err")) / "run.jsonl"
    path.write_bytes(raw)
    records = [parse_line(line) for line in raw.splitlines()]
    data = read_logs([path])
    for name in sensors:
        texts = [r[6] for r in records if not isinstance(r, str) and r[4] == name and r[6]]
        if name in data.series:
            assert data.series[name].last_error == (texts[-1] if texts else None)
    rows = read_rows(path)
    assert rows.error == [r[6] for r in records if not isinstance(r, str)]


def test_plain_error_lines_are_the_fast_paths_and_escaped_or_long_ones_are_not() -> None:
    errors = ["read timed out", "x" * 128, "y" * 129, 'said "no"', None] * 8
    block = _lines(errors, ["a"]).rstrip(b"\n")
    starts, ends = line_bounds(block)
    plain = parse_plain(block, starts, ends)
    assert plain.rest.tolist() == [False, False, True, True, False] * 8
    taken = [plain.error_texts[e] if e >= 0 else None for e in plain.errors.tolist()]
    assert taken == ["read timed out", "x" * 128, None] * 8
