"""The review screen's alarm KPI section (``a``): the chosen run's journal, the same
report as ``sensortop alarms``, in place of the chart."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Select

from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.alarm_report import report_text
from sensortop.review.journal import read_journal
from sensortop.tui.widgets.alarm_kpis import AlarmKpisPanel
from sensortop.tui.widgets.range_chart import RangeChart
from test_review_screen import ReviewApp, wait_for, write_run

JOURNAL = [("2026-11-18T11:07:00.000Z", "raise", "unack"),
           ("2026-11-18T11:07:02.000Z", "clear", "rtn_unack"),
           ("2026-11-18T11:08:00.000Z", "raise", "unack")]


def write_journal(path: Path, sensor: str) -> Path:
    path.write_text("".join(json.dumps({"ts": ts, "sensor": sensor, "alarm": "hi",
                                        "priority": "high", "event": event, "from": "normal",
                                        "to": to, "value": 9.0, "limit": 8.0}) + "\n"
                            for ts, event, to in JOURNAL))
    return path


async def test_a_shows_the_runs_alarm_kpis_in_place_of_the_chart(tmp_path: Path) -> None:
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a"], 50, 5.0)
    write_run(tmp_path / "sensortop-20261118-100000.jsonl", ["old"], 5, 1.0)
    mine = write_journal(tmp_path / "events-20261118-110640.jsonl", "press_a")
    write_journal(tmp_path / "events-20261118-100000.jsonl", "old")
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        panel = screen.query_one(AlarmKpisPanel)
        chart = screen.query_one("#review-chart", RangeChart)
        assert chart.display and not panel.display
        await pilot.press("a")
        assert panel.display and not chart.display
        await wait_for(pilot, lambda: panel.text.startswith("alarm KPIs from"))
        assert panel.text == report_text(compute_kpis(read_journal([mine]).entries))
        assert "press_a hi (high): 2 (100.0%)" in panel.text and " old " not in panel.text
        await pilot.press("a")
        assert chart.display and not panel.display


async def test_all_runs_and_a_run_without_a_journal(tmp_path: Path) -> None:
    current = write_run(tmp_path / "sensortop-20261118-110640.jsonl", ["press_a"], 50, 5.0)
    write_run(tmp_path / "sensortop-20261118-100000.jsonl", ["old"], 5, 1.0)
    write_journal(tmp_path / "events-20261118-100000.jsonl", "old")
    app = ReviewApp(tmp_path, current)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        panel = screen.query_one(AlarmKpisPanel)
        await pilot.press("a")
        await wait_for(pilot, lambda: panel.text.startswith("no alarm journal"))
        assert panel.text == f"no alarm journal for sensortop-20261118-110640 in {tmp_path}"
        screen.query_one(Select).value = "*"
        await wait_for(pilot, lambda: panel.text.startswith("alarm KPIs from"))
        assert "old hi (high): 2 (100.0%)" in panel.text
