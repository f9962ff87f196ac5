"""The review screen's filters, jump, zoom and follow, and its load worker, driven by keys
and the mouse (README, "The review screen (`l`)")."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Footer, Input, ProgressBar, Select, TabbedContent

import sensortop.review.live as live_module
import sensortop.tui.screens.review_feed as feed_module
from sensortop.review.selection import status_mask
from sensortop.tui.screens.review import ReviewScreen
from sensortop.tui.widgets.range_chart import RangeChart
from sensortop.tui.widgets.readings_view import ReadingsView
from sensortop.tui.widgets.summary_table import SummaryTable
from support import wait_until
from test_review_follow import T0, lines
from test_review_screen import ReviewApp

RUN = "sensortop-20261118-082640"


def table_sensors(screen: ReviewScreen) -> list[str]:
    table = screen.query_one(SummaryTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def status_line(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-status").render())


async def opened(pilot, app: ReviewApp, sensors: int) -> ReviewScreen:  # type: ignore[no-untyped-def]
    await wait_until(lambda: isinstance(app.screen, ReviewScreen), message="the screen")
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    await wait_until(lambda: screen.query_one(SummaryTable).row_count == sensors,
                     message=f"{sensors} rows")
    await pilot.pause()
    return screen


async def test_filter_by_sensor_and_by_status(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.jsonl").write_text(lines(0, 300).replace('"sensor": "c"', '"sensor": "cc"'))
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, app, 3)
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        await pilot.press("c", "c")  # typed into the box, not taken as keys
        await wait_until(lambda: table_sensors(screen) == ["cc"], message="only cc")
        assert screen.chart_sensor == "cc"
        await pilot.press("escape")  # leaves the box, keeps the filter
        assert not isinstance(screen.focused, Input)
        screen.query_one("#review-filter", Input).value = ""
        await wait_until(lambda: len(table_sensors(screen)) == 3, message="all back")
        await pilot.press("s", "s")  # all -> ok -> timeout
        assert screen.status_filter == "timeout"
        readings = screen.query_one(ReadingsView)
        await wait_until(lambda: readings.series is not None and len(readings.rows) > 0)
        assert readings.series is not None
        mask = status_mask(readings.series, "timeout")
        assert mask is not None and len(readings.rows) == int(mask.sum())
        assert all(readings.series.status[i] == 1 for i in readings.rows.tolist())
        await pilot.press("s", "s", "s")  # error (no sensor has one) -> alarm -> all
        assert screen.status_filter == "all"
        for _ in range(4):  # as fast as keys come, not waiting for the screen between them
            app.simulate_key("s")
        await wait_until(lambda: screen.query_one("#review-which", Select).value == "alarm",
                         message="four steps on")
        assert screen.status_filter == "alarm"


async def test_an_error_filter_with_no_match_says_so(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.jsonl").write_text(lines(0, 60))
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, 3)
        await pilot.press("s", "s", "s")
        assert screen.status_filter == "error"
        await wait_until(lambda: screen.query_one(SummaryTable).row_count == 0)
        assert screen.chart_sensor is None


async def test_jump_to_a_time_moves_the_cursor_and_the_readings(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.jsonl").write_text(lines(0, 3600))
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, 3)
        await pilot.press("g")
        jump = screen.query_one("#review-jump", Input)
        assert jump.has_focus
        await pilot.pause()
        footer = screen.query_one(Footer)  # the box is seen, not under the footer
        assert jump.region.height == 1 and jump.region.bottom <= footer.region.y
        await pilot.press(*"-30m", "enter")
        readings = screen.query_one(ReadingsView)
        assert readings.series is not None
        target = T0 + 3599 - 1800
        at = float(readings.series.ts[readings.rows[readings.cursor]])
        assert target <= at < target + 3  # the first reading of sensor a at or after it
        assert screen.query_one(RangeChart).cursor == target
        assert screen.query_one("#review-tabs", TabbedContent).active == "tab-readings"
        assert "local" in status_line(screen)
        await pilot.click(readings, offset=(3, 2))  # the second reading on screen
        row = int(readings.scroll_offset.y) + 1
        assert readings.cursor == row
        assert screen.query_one(RangeChart).cursor == float(
            readings.series.ts[readings.rows[row]])
        at = float(readings.series.ts[readings.rows[row]])
        await pilot.press("g", *"nonsense", "enter")
        assert "jump: not a time: 'nonsense'" in status_line(screen)
        assert float(readings.series.ts[readings.rows[readings.cursor]]) == at  # unmoved


async def test_zoom_to_a_range_by_keys_and_by_dragging_then_back(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.jsonl").write_text(lines(0, 900))
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, 3)
        chart = screen.query_one(RangeChart)
        readings = screen.query_one(ReadingsView)
        whole = chart.window
        assert whole is not None and not chart.zoomed
        chart.focus()
        await pilot.press("home", *["shift+right"] * 20, "enter")
        assert chart.zoomed and chart.window is not None
        low, high = chart.window
        assert low == whole[0] and whole[0] < high < whole[1]
        assert readings.series is not None
        shown = readings.series.ts[readings.rows]
        assert shown.min() >= low and shown.max() <= high and len(shown) < 300
        assert "zoom" in status_line(screen)
        # Drag across the middle of the plot area: a zoom inside the zoom.
        await wait_until(lambda: chart.is_drawn, message="the zoom drawn")
        _, frame, _ = chart._drawn()
        assert frame is not None
        row = (frame.top + frame.bottom) // 2
        await pilot.mouse_down(chart, offset=(frame.left + 10, row))
        await pilot.hover(chart, offset=(frame.left + 30, row))
        await pilot.mouse_up(chart, offset=(frame.left + 30, row))
        assert len(chart.stack) == 2
        inner = chart.window
        assert inner is not None and low < inner[0] < inner[1] < high
        await pilot.press("backspace")
        assert chart.window == (low, high)
        await pilot.press("escape")
        assert not chart.zoomed and chart.window == whole
        assert len(readings.rows) == 300
        await pilot.press("escape")  # nothing left to zoom out of: the screen closes
        await wait_until(lambda: not isinstance(app.screen, ReviewScreen), message="closed")


async def test_the_running_log_is_followed_as_the_recorder_appends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "REFRESH_SECONDS", 0.0)
    monkeypatch.setattr(feed_module, "POLL_SECONDS", 0.02)
    current = tmp_path / f"{RUN}.jsonl"
    current.write_text(lines(0, 30))
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, 3)
        table = screen.query_one(SummaryTable)
        assert "following" in status_line(screen)
        more = lines(30, 60)
        half = more.index("\n", len(more) // 2) + 10
        with current.open("a") as out:  # a flush that ends mid-line
            out.write(more[:half])
            out.flush()
            await wait_until(lambda: screen.data is not None and screen.data.lines > 30,
                             message="the complete new lines")
            await pilot.pause()
            got = screen.data
            assert got is not None and got.torn == 0 and 30 < got.lines < 60
            out.write(more[half:])
        await wait_until(lambda: screen.data is not None and screen.data.lines == 60,
                         message="the rest")
        await wait_until(lambda: table.get_row_at(0)[2] == "20", message="a's count")
        assert screen.data is not None and screen.data.skipped_total == 0
        readings = screen.query_one(ReadingsView)
        assert readings.series is not None and len(readings.rows) == 20
        follower = [w for w in app.workers if w.group == "review-load" and w.is_running]
        assert len(follower) == 1
        await pilot.press("escape")  # leaving the screen stops following
        await wait_until(lambda: not isinstance(app.screen, ReviewScreen), message="closed")
        await wait_until(lambda: follower[0].is_finished, message="the follower stopped")


async def test_a_big_log_loads_in_a_worker_with_progress_and_keys_work_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sensortop.review.blocks.BLOCK_SIZE", 64 << 10)
    (tmp_path / f"{RUN}.jsonl").write_text(lines(0, 20_000))  # ~2 MB: 30 blocks
    halfway, go_on = threading.Event(), threading.Event()
    real = live_module.read_logs

    def held(paths, progress=None):  # type: ignore[no-untyped-def]
        def report(done: int, total: int) -> None:
            assert progress is not None
            progress(done, total)
            if done > total // 2 and not halfway.is_set():
                halfway.set()
                go_on.wait(10)  # the test looks at the screen while the worker waits here

        return real(paths, progress=report)

    monkeypatch.setattr(live_module, "read_logs", held)
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(halfway.is_set, message="half the file read")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        bar = screen.query_one(ProgressBar)
        await wait_until(lambda: 0.4 < (bar.percentage or 0) < 1.0, message="partial progress")
        tabs = screen.query_one("#review-tabs", TabbedContent)
        await pilot.press("v")  # the screen answers keys while the worker reads
        assert tabs.active == "tab-readings"
        assert screen.data is None
        go_on.set()
        await wait_until(lambda: screen.data is not None, message="loaded")
        await wait_until(lambda: bar.percentage == 1.0)
        assert screen.data is not None and screen.data.lines == 20_000


async def test_torn_and_non_json_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.jsonl").write_text(
        lines(0, 30) + "\x00\x00 garbage\n" + "[1, 2]\n" + lines(30, 60) + '{"ts": "2026-')
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot, app, 3)
        text = status_line(screen)
        assert "63 lines in 1 file, skipped 3 lines (1 torn)" in text
        assert f"first skipped: {RUN}.jsonl:31 malformed" in text
        assert sum(int(table_row) for table_row in screen.query_one(SummaryTable)
                   .get_column_at(2)) == 60
