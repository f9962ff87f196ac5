"""``!``: the alarm screen with Textual's Pilot against a real sampling session
(README "The alarm screen"): sorted by priority, acknowledge one or every shown,
shelve with a duration, reset a latch, filter by priority, history, status line."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

from sensortop.config.loader import load_config
from sensortop.model.alarms import AlarmKind, Lifecycle
from sensortop.model.readings import Status
from sensortop.tui.alarm_rows import parse_shelve
from sensortop.tui.app import SensortopApp
from sensortop.tui.screens.alarms import AlarmScreen
from sensortop.tui.screens.shelve import ShelvePrompt
from sensortop.tui.widgets.status_line import StatusLine
from test_tui_app import make_app, until

SIZE = (160, 45)
CONFIG = """\
[monitor]
log_dir = "logs"

[[sensors]]
id = "temp"
interval = 60.0
limits = { hi = 30.0, hihi = 40.0 }
[sensors.alarms]
hihi = { priority = "critical", latch = true }

[[sensors]]
id = "level"
interval = 60.0
limits = { lo = 10.0 }
[sensors.alarms]
priority = "low"
shelve_max = 600
"""


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[SensortopApp]:
    path = tmp_path / "plant.toml"
    path.write_text(CONFIG, encoding="utf-8")
    app = make_app(load_config(path), tmp_path / "logs")
    yield app
    await app.link.stop()


async def feed(app: SensortopApp, sensor: str, value: float) -> None:
    """One good reading through the engine's own path (journal included)."""
    engine = app.link.engine
    state = engine.sensors[sensor]
    await app.link.call_sync(lambda: engine._emit(state, time.time(), value, Status.OK))


def rows(screen: AlarmScreen) -> list[list[str]]:
    table = screen.query_one("#alarms-active", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_screen(pilot: Pilot, app: SensortopApp) -> AlarmScreen:
    await pilot.press("exclamation_mark")
    await until(pilot, lambda: isinstance(app.screen, AlarmScreen), "the alarm screen")
    screen = app.screen
    assert isinstance(screen, AlarmScreen)
    return screen


async def test_active_alarms_sorted_by_priority_and_acknowledged_one_at_a_time(
        app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        for sensor, value in [("level", 5.0), ("temp", 45.0)]:
            await feed(app, sensor, value)
        screen = await open_screen(pilot, app)
        await until(pilot, lambda: len(rows(screen)) == 3, "three alarms")
        got = [(r[0], r[1], r[2], r[3]) for r in rows(screen)]
        assert got == [("critical", "temp", "HIHI", "unacknowledged"),
                       ("medium", "temp", "HI", "unacknowledged"),
                       ("low", "level", "LO", "unacknowledged")]
        assert rows(screen)[0][4:6] == ["45.00", "40.00"]
        await pilot.press("k")  # the highlighted (first) row only
        await until(pilot, lambda: rows(screen)[0][3] == "acknowledged", "acked")
        assert [r[3] for r in rows(screen)[1:]] == ["unacknowledged"] * 2


async def test_ack_shown_acknowledges_only_what_the_priority_filter_shows(
        app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        for sensor, value in [("level", 5.0), ("temp", 35.0)]:
            await feed(app, sensor, value)
        screen = await open_screen(pilot, app)
        await pilot.press("p")  # medium and above: the low LO alarm is hidden
        await until(pilot, lambda: [r[2] for r in rows(screen)] == ["HI"], "filtered")
        await pilot.press("K")
        await until(pilot, lambda: rows(screen)[0][3] == "acknowledged", "acked")
        level = app.link.engine.sensors["level"].view.alarm_summary.lines[0]
        assert level.state is Lifecycle.UNACK  # not shown, so not acknowledged
        for _ in range(3):
            await pilot.press("p")  # back round to every priority
        await until(pilot, lambda: len(rows(screen)) == 2, "all again")


async def test_shelve_with_a_duration_and_reset_a_latch(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await feed(app, "level", 5.0)
        screen = await open_screen(pilot, app)
        await until(pilot, lambda: len(rows(screen)) == 1, "the LO alarm")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ShelvePrompt), "the prompt")
        prompt = app.screen
        await pilot.press(*"11m", "enter")  # over shelve_max (600 s): refused in place
        await until(pilot, lambda: "at most" in str(prompt.query_one("#shelve-problem",
                                                                      Label).render()), "no")
        prompt.query_one(Input).value = "5m"
        await pilot.press("enter")
        await until(pilot, lambda: rows(screen)[0][3] == "shelved (active)", "shelved")
        line = app.link.engine.sensors["level"].view.alarm_summary.lines[0]
        assert line.shelved_until == pytest.approx(time.time() + 300, abs=5)
        assert "shelved 4 min" in rows(screen)[0][6]
        await pilot.press("u")
        await until(pilot, lambda: rows(screen)[0][3] == "unacknowledged", "unshelved")
        # a latch: HIHI raised, cleared, still shown latched until r
        await feed(app, "temp", 45.0)
        await feed(app, "temp", 20.0)
        await until(pilot, lambda: rows(screen)[0][2:4] == ["HIHI", "latched"], "latched")
        await pilot.press("up", "up", "up")  # the highlight stayed on LO as rows came above
        await pilot.press("r")
        await until(pilot, lambda: "HIHI" not in [r[2] for r in rows(screen)], "reset")


async def test_history_and_status_line(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        for value in (35.0, 37.0, 33.0, 20.0):
            await feed(app, "temp", value)
        await feed(app, "level", 5.0)
        status = app.query_one(StatusLine)
        app.frame()
        await until(pilot, lambda: "low 1" in status.text and "2 unack" in status.text,
                    "alarm counts in the status line")
        screen = await open_screen(pilot, app)
        table = screen.query_one("#alarms-history", DataTable)
        await until(pilot, lambda: table.row_count == 1, "one episode")
        episode = [str(c) for c in table.get_row_at(0)]
        assert episode[1:] == ["temp", "HI", "medium", "0 s", "33.00", "35.00", "37.00"]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AlarmScreen), "closed")


async def test_a_flood_is_announced(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        engine = app.link.engine
        await app.link.call_sync(lambda: engine.flood.update(time.time(), 11))
        app.frame()
        await until(pilot, lambda: any("ALARM FLOOD" in str(n.message)
                                       for n in app._notifications), "the announcement")
        assert "FLOOD" in app.query_one(StatusLine).text


def test_the_shelve_prompt_reads_durations() -> None:
    assert parse_shelve("90") == (90.0, False)
    assert parse_shelve("10m") == (600.0, False)
    assert parse_shelve(" 2 h ") == (7200.0, False)
    assert parse_shelve("once") == (None, True)
    for bad in ("", "0", "ten", "5 parsecs", "-3m"):
        with pytest.raises(ValueError):
            parse_shelve(bad)


async def test_the_add_form_sets_alarm_settings(app: SensortopApp) -> None:
    from test_tui_app import open_form
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#f-id", Input).value = "watched"
        screen.query_one("#f-alarms-priority", Input).value = "high"
        screen.query_one("#f-alarms-stale-after", Input).value = "ten"
        await pilot.press("enter")
        await pilot.pause()
        assert "must be a number" in str(screen.query_one("#p-alarms-stale-after",
                                                          Label).render())
        screen.query_one("#f-alarms-stale-after", Input).value = "10"
        screen.query_one("#f-alarms-bad_quality-after", Input).value = "3"
        screen.query_one("#f-id", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "watched" in app.link.engine.sensors, "added")
        spec = app.link.engine.sensors["watched"].spec
        assert spec.alarms.stale is not None and spec.alarms.stale.after == 10.0
        assert spec.alarms.bad_quality is not None and spec.alarms.bad_quality.after == 3
        assert spec.alarms.effective(AlarmKind.STALE).priority.value == "high"


async def test_a_panel_names_an_alarm_that_is_not_a_level(tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    path.write_text('[[sensors]]\nid = "quiet"\ninterval = 600.0\n'
                    '[sensors.alarms]\nstale = { after = 1.0, priority = "high" }\n',
                    encoding="utf-8")
    app = make_app(load_config(path), tmp_path / "logs")
    try:
        async with app.run_test(size=SIZE) as pilot:
            panel = app.grid.panels[0]
            await until(pilot, lambda: "STALE alarm!" in str(panel.render())
                        and panel.has_class("-in-alarm"), "the stale alarm, in red")
            await pilot.press("k")
            await until(pilot, lambda: "STALE alarm!" not in str(panel.render()), "acked")
            assert "STALE alarm" in str(panel.render())
    finally:
        await app.link.stop()
