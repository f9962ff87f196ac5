"""The review screen opens, loads a log in a worker, tabulates and charts it."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, ProgressBar, Select

from sensortop.tui.screens.review import ReviewScreen
from sensortop.tui.widgets.range_chart import RangeChart

T0 = 1_795_000_000.0


def write_run(path: Path, sensors: list[str], n: int, value: float) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            moment = datetime.fromtimestamp(T0 + i, UTC)
            ts = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
            rec = {"ts": ts, "sensor": sensors[i % len(sensors)], "value": value + i % 7,
                   "units": "bar", "status": "ok"}
            out.write(json.dumps(rec) + "\n")
    return path


class ReviewApp(App[None]):
    def __init__(self, log_dir: Path, current: Path | None) -> None:
        super().__init__()
        self.log_dir, self.current = log_dir, current

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.log_dir, self.current))


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)


async def test_screen_loads_the_current_run_and_charts_first_sensor(tmp_path: Path) -> None:
    write_run(tmp_path / "sensortop-20261118-100000.jsonl", ["old_sensor"], 10, 1.0)
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a", "press_b"],
                        200, 5.0)
    write_run(tmp_path / "sensortop-20261118-120000.jsonl", ["newer"], 10, 1.0)
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        assert screen.query_one(Select).value == "sensortop-20261118-110640"
        assert screen.query_one(ProgressBar).percentage == 1.0
        chart = screen.query_one("#review-chart", RangeChart)
        await wait_for(pilot, lambda: "press_a (bar)" in str(chart.render()))
        status = str(screen.query_one("#review-status").render())
        assert status == "200 lines in 1 file · following", status


async def test_moving_to_a_row_charts_that_sensor(tmp_path: Path) -> None:
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a", "press_b"],
                        200, 5.0)
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        table.focus()
        await pilot.press("down")
        chart = screen.query_one("#review-chart", RangeChart)
        await wait_for(pilot, lambda: "press_b (bar)" in str(chart.render()))
        assert screen.chart_sensor == "press_b"


async def test_picking_another_run_loads_it(tmp_path: Path) -> None:
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a"], 50, 5.0)
    write_run(tmp_path / "sensortop-20261118-100000.jsonl", ["old_a", "old_b", "old_c"], 30, 1.0)
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        screen.query_one(Select).value = "sensortop-20261118-100000"
        await wait_for(pilot, lambda: table.row_count == 3)


async def test_empty_log_dir_says_so(tmp_path: Path) -> None:
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        status = app.screen.query_one("#review-status")
        assert "no log files" in str(status.render())


async def test_escape_closes_the_screen(tmp_path: Path) -> None:
    write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a"], 20, 5.0)
    app = ReviewApp(tmp_path, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen))
        await asyncio.sleep(0)


async def test_summaries_are_computed_off_the_ui_thread(tmp_path: Path, monkeypatch) -> None:
    import threading

    import sensortop.review.live as live_module

    threads: list[threading.Thread] = []
    real = live_module.summarise_series

    def recording(data: object) -> object:
        threads.append(threading.current_thread())
        return real(data)

    monkeypatch.setattr(live_module, "summarise_series", recording)
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a"], 50, 5.0)
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
    assert threads and threading.main_thread() not in threads


async def test_every_sensor_row_and_the_chart_fit_80x24(tmp_path: Path) -> None:
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl",
                        ["a1", "a2", "a3", "a4"], 40, 1.0)
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.pause()
        # header + four rows (+ a horizontal scrollbar): no row hidden behind a scroll
        assert table.region.height >= 5 and table.max_scroll_y == 0
        chart = screen.query_one("#review-chart")
        assert chart.region.height >= 8 and chart.region.bottom <= 23
