"""Following a growing log, filtering what the review screen shows, and where a jump goes.

The review screen (README, "The review screen") reads the running log as it
grows: only complete lines, each once, with the same answers as ``read_logs``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sensortop.review.follow import FileReplaced, Follower
from sensortop.review.growing import GrowingLog
from sensortop.review.jumptime import parse_jump
from sensortop.review.live import LiveRun
from sensortop.review.reader import read_logs
from sensortop.review.selection import row_at, rows, sensor_matches, status_count, status_mask
from sensortop.review.summary import summarise
from sensortop.review.timespec import TimeSpecError

T0 = 1_795_000_000.0  # 2026-11-18T08:26:40Z


def line(i: int, sensor: str = "a", status: str = "ok", alarm: str | None = None) -> str:
    moment = datetime.fromtimestamp(T0 + i, UTC)
    rec: dict = {"ts": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
                 "sensor": sensor, "value": None if status != "ok" else float(i % 50),
                 "units": "bar", "status": status}
    if status != "ok":
        rec["error"] = f"failure {i}"
    if alarm:
        rec["alarm"] = alarm
    return json.dumps(rec) + "\n"


def lines(start: int, stop: int) -> str:
    """Readings of three sensors; every 7th a timeout, every 11th in a hi alarm."""
    return "".join(line(i, "abc"[i % 3], "timeout" if i % 7 == 0 else "ok",
                        "hi" if i % 11 == 0 else None) for i in range(start, stop))


def same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert sorted(a.series) == sorted(b.series)
    for name in a.series:
        for column in ("ts", "value", "status", "alarm"):
            assert np.array_equal(getattr(a.series[name], column),
                                  getattr(b.series[name], column), equal_nan=True), column
        assert a.series[name].units == b.series[name].units
        assert a.series[name].last_error == b.series[name].last_error
    assert (a.lines, a.torn, a.malformed) == (b.lines, b.torn, b.malformed)


def test_a_follower_reads_complete_lines_only_and_each_once(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    text = lines(0, 300) + "not json\n" + lines(300, 600)
    cut = text.index("\n", len(text) // 2) + 20  # mid-line
    path.write_text(text[:cut])
    follower = Follower(path)
    grown = GrowingLog(follower.poll() or read_logs([]))
    assert follower.poll() is None  # nothing new: the half line waits
    with path.open("a") as out:
        out.write(text[cut:])
    more = follower.poll()
    assert more is not None
    grown.extend(more)
    same(grown.snapshot(), read_logs([path]))
    assert grown.snapshot().skipped[0].line == 301  # numbered across polls


def test_an_unterminated_last_line_is_torn_only_once_the_file_is_finished(
        tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(0, 100) + '{"ts": "2026-11-18T08:28')
    follower = Follower(path)
    first = follower.poll()
    assert first is not None and first.torn == 0 and first.lines == 100
    last = follower.poll(final=True)
    assert last is not None and last.torn == 1 and last.skipped[0].line == 101
    whole = GrowingLog(first)
    whole.extend(last)
    same(whole.snapshot(), read_logs([path]))


def test_a_follower_says_when_the_file_was_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(0, 50))
    follower = Follower(path)
    follower.poll()
    path.write_text(lines(0, 10))
    with pytest.raises(FileReplaced):
        follower.poll()


def test_a_growing_log_keeps_earlier_snapshots_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(0, 90))
    grown = GrowingLog(read_logs([path]))
    before = grown.snapshot()
    kept = {n: s.ts.copy() for n, s in before.series.items()}
    for start in range(90, 3000, 90):
        path.write_text(lines(start, start + 90))
        grown.extend(read_logs([path]))
    for name, ts in kept.items():
        assert np.array_equal(before.series[name].ts, ts)
    assert len(grown.snapshot().series["a"].ts) == len(range(0, 3060, 3))


def test_a_live_run_follows_the_recorder_into_its_next_part(tmp_path: Path) -> None:
    first = tmp_path / "sensortop-20261118-082640.jsonl"
    first.write_text(lines(0, 200))
    run = LiveRun([first], follow=True)
    view = run.load()
    assert sum(s.count for s in view.summaries) == 200
    assert not run.poll()
    with first.open("a") as out:
        out.write(lines(200, 250) + '{"ts": "cut off')
    second = tmp_path / "sensortop-20261118-082640.1.jsonl"
    second.write_text(lines(250, 400))
    assert run.poll()
    view = run.view()
    assert view.following == second
    assert view.data.torn == 1  # the part it left ends in a torn line, for good
    expected = read_logs([first, second])
    same(view.data, expected)
    assert view.summaries == summarise(expected)


def test_status_and_sensor_filters(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(lines(0, 231))
    series = read_logs([path]).series["a"]  # i % 3 == 0
    assert status_mask(series, "all") is None
    assert status_count(series, "timeout") == sum(1 for i in range(0, 231, 3) if i % 7 == 0)
    assert status_count(series, "alarm") == sum(1 for i in range(0, 231, 3) if i % 11 == 0)
    assert status_count(series, "error") == 0
    chosen = rows(series, (T0 + 30, T0 + 90), "timeout")
    assert [round(series.ts[i] - T0) for i in chosen] == [42, 63, 84]
    assert row_at(series, chosen, T0 + 43) == 1
    assert row_at(series, chosen, T0 + 1000) == 2  # past the end: the last row
    ids = ["reactor_temp", "reactor_press", "coolant_temp", "Feed_Flow"]
    assert sensor_matches(ids, "") == ids
    assert sensor_matches(ids, "TEMP") == ["reactor_temp", "coolant_temp"]
    assert sensor_matches(ids, "reactor_*, flow") == ["reactor_temp", "reactor_press", "Feed_Flow"]
    with pytest.raises(ValueError, match="unknown status filter"):
        status_mask(series, "bogus")


BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2026, 11, 23, 22, 0, tzinfo=UTC).timestamp()
LAST = datetime(2026, 11, 24, 9, 30, tzinfo=UTC).timestamp()  # 10:30 in Berlin


@pytest.mark.parametrize(("text", "expected"), [
    ("14:05", datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN)),  # after 10:30: the day before
    ("09:15:30", datetime(2026, 11, 24, 9, 15, 30, tzinfo=BERLIN)),
    ("09:15Z", datetime(2026, 11, 24, 9, 15, tzinfo=UTC)),
    ("2026-11-24 08:00", datetime(2026, 11, 24, 8, 0, tzinfo=BERLIN)),
    ("2026-11-24T08:00:00+00:00", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
    ("-2h", datetime(2026, 11, 24, 7, 30, tzinfo=UTC)),
    ("+90m", datetime(2026, 11, 23, 23, 30, tzinfo=UTC)),
])
def test_jump_times(text: str, expected: datetime) -> None:
    assert parse_jump(text, FIRST, LAST, BERLIN) == expected.timestamp()


@pytest.mark.parametrize("text", ["", "soon", "25:00", "-2x", "2h", "-800000000d", "12:61"])
def test_jump_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(TimeSpecError):
        parse_jump(text, FIRST, LAST, BERLIN)


def test_a_big_read_parses_in_a_thread_with_the_readers_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a long running log: many blocks, an over-long line among them (skipped
    unread), a torn end. The follower's pipelined read gives what ``read_logs`` gives."""
    import sensortop.review.follow as follow

    monkeypatch.setattr(follow, "BLOCK_SIZE", 64 << 10)
    path = tmp_path / "run.jsonl"
    path.write_text(lines(0, 3000) + '{"junk": "' + "x" * (5 << 20) + '"}\n'
                    + lines(3000, 6000) + '{"ts": "2026')
    follower = Follower(path)
    first = follower.poll()
    assert first is not None and first.malformed == 1 and first.torn == 0
    assert first.skipped[0].line == 3001
    whole = GrowingLog(first)
    whole.extend(follower.poll(final=True) or read_logs([]))
    same(whole.snapshot(), read_logs([path]))
