"""Property tests of the log reader: any bytes are readings or counted skips, and the
fast path (``fastparse``) takes only lines the general path (``parse_line``) takes, with
the same values to the bit.

Lines start as the recorder writes them (``logformat.encode_lines`` on random
Readings) and are then damaged the ways disks, editors and adversaries damage
them: bytes flipped, inserted or deleted, NULs, quotes, backslashes, surrogate
escapes, huge numbers, odd years. Derandomised and bounded (README "Reviewing
the logs" promises both paths count a line the same way).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensortop.logs.format import encode_lines
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.review import blocks, collector, lineparse
from sensortop.review.fastparse import line_bounds, parse_plain
from sensortop.review.lineparse import parse_line
from sensortop.review.logdata import STATUSES
from sensortop.review.reader import read_logs

SETTINGS = settings(derandomize=True, max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Strings as sensor ids and units really are (mostly), plus what an adversary tries.
_plain = st.one_of(
    st.sampled_from(["reactor_temp", "feed_flow", "°C", "bar", "L/min", "µS/cm", "", "x"]),
    st.text(alphabet=st.sampled_from("abcXYZ019_-./ °µé€😀"), max_size=12),
)
_text = st.one_of(
    _plain, _plain, _plain,
    st.text(min_size=0, max_size=12),
    st.text(alphabet=st.sampled_from('ab"\\\x00\x1f\x7f\u00e9\u2028\ud7ff\ue000\U0001f600'),
            max_size=6),
)
_value = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1.7976931348623157e308, 2.0**53 + 1]),
    st.integers(min_value=-(2**70), max_value=2**70),
)
_ts = st.one_of(
    st.floats(min_value=-62135596800.0, max_value=253402300799.0),  # years 1-9999
    st.floats(min_value=1.7e9, max_value=1.9e9),
)


@st.composite
def readings(draw: st.DrawFn) -> Reading:
    status = draw(st.sampled_from(list(Status)))
    return Reading(
        ts=draw(_ts), sensor=draw(_text.filter(bool)), value=draw(_value), units=draw(_text),
        status=status, error=draw(st.one_of(st.none(), st.none(), st.none(), _text)),
        alarm=draw(st.sampled_from(list(AlarmState))),
    )


_INSERTS = [b"\x00", b'"', b"\\", b"\\q", b"\\ud800", b"\\udc00\\ud800", b"\\u00b0", b"\n",
            b"\r", b"\xff", b"\xed\xa0\x80", b"\xc3", b"0000", b"10000", b"9999", b"1e400",
            b"-0", b"123456789012345678901234567890", b"1.7976931348623157e309", b"nan",
            b"NaN", b"Infinity", b"null", b"true", b", ", b"}", b"{", b"[1]", b" ", b"\t",
            b'", "alarm": "hi', b"+01:00", b"Z", b"\x00" * 64]


_FIELDS = [b'"ts": "', b'"sensor": "', b'"value": ', b'"units": "', b'"status": "', b'"alarm": "']


@st.composite
def damaged(draw: st.DrawFn, line: bytes) -> bytes:
    """``line`` with a few random edits, anywhere or inside one field's value."""
    data = bytearray(line)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "replace", "year", "field",
                                   "field", "field"]))
        if op == "field":
            key = draw(st.sampled_from(_FIELDS))
            found = bytes(data).find(key)
            if found >= 0:
                at = found + len(key) + draw(st.integers(0, 6))
                op = draw(st.sampled_from(["insert", "replace", "flip"]))
        if op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(_INSERTS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 4))]
        elif op == "replace":
            data[at : at + draw(st.integers(1, 8))] = draw(st.sampled_from(_INSERTS))
        elif op == "year" and data.startswith(b'{"ts": "'):
            data[8:12] = draw(st.sampled_from([b"0000", b"0001", b"9999", b"1000", b"10000"]))
    return bytes(data)


@st.composite
def log_lines(draw: st.DrawFn) -> list[bytes]:
    """Recorder lines, most of them damaged; never containing a newline."""
    out = []
    for reading in draw(st.lists(readings(), min_size=1, max_size=8)):
        line = encode_lines([reading]).rstrip(b"\n")
        if draw(st.booleans()):
            line = draw(damaged(line))
        out.extend(part for part in line.split(b"\n"))
    return out


def _same_number(a: float, b: float) -> bool:
    """Equal to the bit (NaN equals NaN; 0.0 and -0.0 differ)."""
    return struct.pack("<d", a) == struct.pack("<d", b)


def _fast(block: bytes):
    starts, ends = line_bounds(block)
    return starts, ends, parse_plain(block, starts, ends)


def _check_fast_agrees(block: bytes) -> int:
    """Every line the fast path takes, the general path takes with the same values.
    Returns how many lines the fast path took."""
    starts, ends, plain = _fast(block)
    names = np.array(plain.names, dtype=object)
    errors = np.array([*plain.error_texts, None], dtype=object)
    for k, at in enumerate(plain.line.tolist()):
        text = block[starts[at] : ends[at]]
        general = parse_line(text)
        assert not isinstance(general, str), (text, general)
        ts, value, status, alarm, sensor, _, error = general
        assert errors[plain.errors[k]] == error, (text, errors[plain.errors[k]], error)
        assert _same_number(plain.ts[k], ts), (text, plain.ts[k], ts)
        assert _same_number(plain.value[k], value), (text, plain.value[k], value)
        assert (plain.status[k], plain.alarm[k], names[plain.sensor[k]]) == \
            (status, alarm, sensor), text
    # Units: those of each sensor's last line in the block.
    for code, last in enumerate(plain.last.tolist()):
        text = block[starts[last] : ends[last]]
        assert plain.units[code] == parse_line(text)[5], text
    return len(plain.line)


@settings(SETTINGS, max_examples=500)
@given(log_lines())
def test_fast_path_takes_only_what_the_general_path_takes_alike(lines: list[bytes]) -> None:
    for line in lines:  # each line alone ...
        _check_fast_agrees(line)
    _check_fast_agrees(b"\n".join(lines))  # ... and all in one block


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(readings(), min_size=1, max_size=20), st.floats(1.7e9, 1.9e9))
def test_recorder_lines_take_the_fast_path_unless_escaped_or_too_long(
        batch: list[Reading], ts: float) -> None:
    """The fast path is not only safe but used: every plain recorder line is its."""
    batch = [Reading(ts + i, r.sensor, r.value, r.units, r.status, r.error, r.alarm)
             for i, r in enumerate(batch)]
    block = encode_lines(batch).rstrip(b"\n")
    starts, ends, plain = _fast(block)
    for at, reading in enumerate(batch):
        text = block[starts[at] : ends[at]]
        error = (reading.error or "").encode()
        general_only = (b"\\" in text or len(error) > 128
                        or len(reading.sensor.encode()) > 64 or len(reading.units.encode()) > 32)
        assert bool(plain.rest[at]) == general_only, text
    assert _check_fast_agrees(block) == len(batch) - int(plain.rest.sum())


def _reference(lines: list[bytes]) -> tuple[dict, int, int]:
    """What the reader must find, by the general path alone, line by line."""
    per: dict[str, list] = {}
    bad = blank = 0
    for n, line in enumerate(lines):
        text = line[:-1] if line.endswith(b"\r") else line
        text = text[3:] if n == 0 and text.startswith(b"\xef\xbb\xbf") else text
        if not text.strip():
            blank += 1
            continue
        record = parse_line(text)
        if isinstance(record, str):
            bad += 1
            continue
        per.setdefault(record[4], []).append(record)
    return per, bad, blank


@SETTINGS
@given(st.lists(log_lines(), min_size=1, max_size=6), st.booleans())
def test_reader_matches_the_general_path_line_by_line(
        tmp_path_factory, chunks: list[list[bytes]], terminated: bool) -> None:
    lines = [line for chunk in chunks for line in chunk]
    path = Path(tmp_path_factory.mktemp("prop")) / "run.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if terminated else b""))
    data = read_logs([path])
    per, bad, _ = _reference(lines)
    assert data.torn + data.malformed == bad
    assert data.lines == bad + sum(len(v) for v in per.values())
    assert set(data.series) == set(per) == set(data.sensor_ids)
    for sensor, records in per.items():
        series = data.series[sensor]
        order = sorted(range(len(records)), key=lambda i: records[i][0])  # stable, by time
        want = [records[i] for i in order]
        assert series.ts.tolist() == [r[0] for r in want]
        assert all(_same_number(a, r[1]) for a, r in zip(series.value.tolist(), want,
                                                         strict=True))
        assert series.status.tolist() == [r[2] for r in want]
        assert series.alarm.tolist() == [r[3] for r in want]
        units = [r[5] for r in records if r[5] is not None]
        assert series.units == (units[-1] if units else "")
        errors = [r[6] for r in records if r[6]]
        assert series.last_error == (errors[-1] if errors else None)


_RAW = st.one_of(
    st.binary(max_size=3000),
    # Bytes that are mostly log lines: the parser's deeper branches, not only its first check.
    st.lists(st.one_of(log_lines().map(b"\n".join), st.binary(max_size=40)), max_size=8)
    .map(b"\n".join),
)


@settings(derandomize=True, max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_RAW, st.sampled_from([64, 1000, 1 << 20]), st.sampled_from([100, 4 << 20]))
def test_any_bytes_give_readings_plus_counted_skipped_lines(
        tmp_path_factory, raw: bytes, block_size: int, max_line: int) -> None:
    path = Path(tmp_path_factory.mktemp("bytes")) / "run.jsonl"
    path.write_bytes(raw)
    saved = blocks.BLOCK_SIZE, lineparse.MAX_LINE_BYTES
    blocks.BLOCK_SIZE, lineparse.MAX_LINE_BYTES = block_size, max_line
    try:
        data = read_logs([path])  # never raises
    finally:
        blocks.BLOCK_SIZE, lineparse.MAX_LINE_BYTES = saved
    found = sum(len(s.ts) for s in data.series.values())
    assert found + data.torn + data.malformed == data.lines
    assert len(data.skipped) == min(data.torn + data.malformed, collector.MAX_REPORTED)
    if not raw or raw.endswith(b"\n"):
        assert data.torn == 0
    else:
        assert data.torn <= 1
    last = raw.count(b"\n") + 1
    assert all(1 <= skip.line <= last for skip in data.skipped)
    assert [s.line for s in data.skipped] == sorted(s.line for s in data.skipped)
    for series in data.series.values():
        assert np.isfinite(series.ts).all() and (np.diff(series.ts) >= 0).all()
        assert set(series.status.tolist()) <= set(range(len(STATUSES)))
