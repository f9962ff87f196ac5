"""The table view in the running dashboard: v, the keys on its rows, sorting by key and
click, filtering as you type, groups from the config, at 80x24 and at 220x60.

Sampling is never started: histories and readings are set at fixed times and
the app's clock is frozen, so what is on screen depends only on what a test does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from textual.pilot import Pilot
from textual.widgets import Checkbox, Footer, Input
from textual.widgets._footer import FooterKey

from sensortop.config.loader import load_config
from sensortop.model.readings import Reading, Status
from sensortop.model.specs import SensorSpec
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.keys import ACTIONS, FOOTER_HIDDEN
from sensortop.tui.sampling import ThreadedLink
from sensortop.tui.screens.confirm import ConfirmScreen
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.table.index import GroupHeader
from sensortop.tui.table.widget import SensorTable
from sensortop.tui.widgets.sensor_grid import SectionTitle
from sensortop.tui.widgets.sensor_panel import SensorPanel
from support import wait_until

T0 = 1_790_000_000.0
POINTS = 60
GROUPS = ("Reactor", "Reactor", "Feed", "Utilities", "Feed", "")
SENSOR = """
[[sensors]]
id = "s{n}"
name = "Sensor {n}"
{group}units = "°C"
interval = 0.5
setpoint = 23.0
limits = {{ lo = 10.0, hi = 30.0 }}
"""


def make_app(tmp_path: Path, count: int, *, groups: bool = False,
             sampling: bool = False) -> SensortopApp:
    """``count`` sensors with fixed histories; ``sampling``: started (the keys that change
    sensors go through it), then the caller stops it."""
    path = tmp_path / "plant.toml"
    text = "".join(SENSOR.format(n=n, group=f'group = "{GROUPS[n % len(GROUPS)]}"\n'
                                 if groups and GROUPS[n % len(GROUPS)] else "")
                   for n in range(count))
    path.write_text('[monitor]\ntitle = "Table"\n' + text, encoding="utf-8")
    config = load_config(path)
    link = ThreadedLink(SamplingSession(config, tmp_path / "logs"))
    app = SensortopApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug",
                       start_sampling=sampling)
    app.clock = lambda: T0 + POINTS * 0.5
    for n, state in enumerate(link.engine.sensors.values()):
        # Sensor n reads 20 + n (s9 and above: in a HI alarm); s1 fails last.
        for i in range(POINTS):
            value = 20.0 + n + 0.1 * np.sin(i)
            bad = n == 1 and i == POINTS - 1
            alarm = state.alarms.update(value)
            state.history.append(T0 + i * 0.5, None if bad else value)
            state.last_reading = Reading(T0 + i * 0.5, state.id, None if bad else value, "°C",
                                         Status.ERROR if bad else Status.OK,
                                         "no answer" if bad else None, alarm)
            state.readings += 1
    return app


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    pilot.app.frame()  # type: ignore[attr-defined]
    await pilot.pause()


def table_of(app: SensortopApp) -> SensorTable:
    return app.query_one(SensorTable)


def screen_lines(table: SensorTable) -> list[str]:
    """What the table shows, line by line (the column titles first)."""
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


def shown_ids(table: SensorTable) -> list[str]:
    return [line.name if isinstance(line, GroupHeader) else line.spec.id
            for line in table.lines]


async def open_table(pilot: Pilot) -> SensorTable:
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    table = table_of(pilot.app)  # type: ignore[arg-type]
    assert table.has_focus
    return table


async def test_v_shows_the_table_on_the_focused_sensor_and_back(tmp_path: Path) -> None:
    app = make_app(tmp_path, 6)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.grid.panels[2].focus()
        table = await open_table(pilot)
        assert not app.grid.display
        assert table.selected_id == "s2"
        await pilot.press("down", "down")
        assert table.selected_id == "s4"
        await pilot.press("v")
        await settle(pilot)
        assert app.grid.display and not app.query_one("#table").display
        assert isinstance(app.focused, SensorPanel) and app.focused.sensor_id == "s4"


async def until(pilot: Pilot, predicate: Callable[[], bool], message: str) -> None:
    await pilot.pause()
    await wait_until(predicate, 20.0, message)
    await pilot.pause()


async def test_the_keys_act_on_the_sensor_under_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4, sampling=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = await open_table(pilot)
            await pilot.press("down")
            assert table.selected_id == "s1"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
            assert app.screen.state.spec.id == "s1"  # type: ignore[attr-defined]
            await pilot.press("escape")
            await until(pilot, lambda: table.has_focus, "back on the table")
            state = app.link.engine.sensors["s1"]
            await pilot.press("space")
            await until(pilot, lambda: state.paused, "s1 paused")
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            await pilot.press("y")
            await until(pilot, lambda: "s1" not in app.link.engine.sensors, "s1 removed")
            await until(pilot, lambda: shown_ids(table) == ["s0", "s2", "s3"], "the rows")
            assert table.has_focus and table.selected_id == "s2"  # the next one
    finally:
        await app.link.stop()


async def test_enter_on_a_double_click_opens_the_detail_too(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_table(pilot)
        await pilot.click(table, offset=(3, 3), times=2)  # line 3: the third sensor
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.state.spec.id == "s2"


async def test_sorting_by_keys_and_by_clicking_titles_with_the_direction_shown(
        tmp_path: Path) -> None:
    app = make_app(tmp_path, 5)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_table(pilot)
        await pilot.press("greater_than_sign", "greater_than_sign")  # name, then value
        assert table.query_state.sort == "value" and not table.query_state.descending
        assert "Value▲" in screen_lines(table)[0]
        assert shown_ids(table) == ["s0", "s2", "s3", "s4", "s1"]  # s1 failed: no value, last
        await pilot.press("r")
        assert "Value▼" in screen_lines(table)[0]
        assert shown_ids(table) == ["s4", "s3", "s2", "s0", "s1"]
        title = screen_lines(table)[0]
        await pilot.click(table, offset=(title.index("Max") + 1, 0))
        assert table.query_state.sort == "max" and not table.query_state.descending
        await pilot.click(table, offset=(title.index("Max") + 1, 0))
        assert table.query_state.descending and "Max▼" in screen_lines(table)[0]
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign")  # min, trend
        assert table.query_state.sort == "alarm"


async def test_sorting_keeps_the_cursor_on_its_sensor(tmp_path: Path) -> None:
    app = make_app(tmp_path, 5)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_table(pilot)
        await pilot.press("down", "down", "down")
        assert table.selected_id == "s3"
        table.sort_by("value", descending=True)
        await pilot.pause()
        assert table.selected_id == "s3" and table.cursor == 1


async def test_filter_as_you_type_and_the_two_toggles(tmp_path: Path) -> None:
    app = make_app(tmp_path, 12)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_table(pilot)
        count = app.query_one("#table-count")
        await pilot.press("slash")
        await pilot.pause()
        box = app.query_one("#table-filter", Input)
        assert box.has_focus
        await pilot.press("1")
        assert shown_ids(table) == ["s1", "s10", "s11"]
        await pilot.press("1")
        assert shown_ids(table) == ["s11"]
        assert "1 of 12" in str(count.render())
        await pilot.press("backspace", "backspace")
        assert len(shown_ids(table)) == 12
        await pilot.press("enter")
        await pilot.pause()
        assert table.has_focus
        await pilot.press("A")  # only alarms: 20 + n > 30 from s11 on... and s10's 30.x
        await pilot.pause()
        assert app.query_one("#only-alarms", Checkbox).value
        assert shown_ids(table) == ["s10", "s11"]
        await pilot.press("A", "F")  # only failing: s1's last read failed
        await pilot.pause()
        assert shown_ids(table) == ["s1"]
        await pilot.press("F")
        await pilot.pause()
        assert len(shown_ids(table)) == 12 and "12 sensors" in str(count.render())


async def test_groups_from_the_config_collapse_and_count(tmp_path: Path) -> None:
    app = make_app(tmp_path, 12, groups=True)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_table(pilot)
        assert shown_ids(table) == ["Reactor", "s0", "s1", "s6", "s7", "Feed", "s2", "s4", "s8",
                                    "s10", "Utilities", "s3", "s9", "", "s5", "s11"]
        lines = screen_lines(table)
        assert lines[1].startswith("▼ Reactor  4 sensors  1 failing")
        assert lines[6].startswith("▼ Feed  4 sensors  1 alarm")
        assert "(no group)" in lines[14]
        table.select("s6")
        await pilot.press("left")  # from any row: its group closes, the cursor on its header
        assert shown_ids(table)[:2] == ["Reactor", "Feed"]
        assert screen_lines(table)[1].startswith("▶ Reactor  4 sensors  1 failing")
        assert table.selected_id is None and table.cursor == 0
        await pilot.press("enter")  # on a header: opens it (no detail screen)
        await pilot.pause()
        assert len(app.screen_stack) == 1 and shown_ids(table)[1] == "s0"
        await pilot.click(table, offset=(2, 6))  # the Feed header
        assert "Feed" in table.query_state.collapsed
        await pilot.press("v")  # the grid: titled sections in the same order
        await settle(pilot)
        titles = [title.group for title in app.grid.query(SectionTitle)]
        assert titles == ["Reactor", "Feed", "Utilities", ""]


async def test_a_sensor_added_with_a_group_joins_it_in_table_and_grid(tmp_path: Path) -> None:
    app = make_app(tmp_path, 6, groups=True, sampling=True)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = await open_table(pilot)
            app.add_sensor(SensorSpec("new_one", group="Feed", interval=0.5))
            await until(pilot, lambda: table.selected_id == "new_one", "the new row selected")
            assert shown_ids(table)[3:7] == ["Feed", "s2", "s4", "new_one"]
            children = [getattr(c, "sensor_id", getattr(c, "group", None))
                        for c in app.grid.children if c.id != "grid-empty"]
            assert children[:8] == ["Reactor", "s0", "s1", "Feed", "s2", "s4", "new_one",
                                    "Utilities"]
    finally:
        await app.link.stop()


async def test_a_frame_repaints_only_changed_visible_lines(tmp_path: Path) -> None:
    app = make_app(tmp_path, 120)
    async with app.run_test(size=(120, 30)) as pilot:
        table = await open_table(pilot)
        await settle(pilot)
        before = table.repaints
        app.frame()
        assert table.repaints == before  # nothing changed: nothing repainted
        state = app.link.engine.sensors["s3"]
        state.history.append(T0 + POINTS * 0.5, 25.0)
        state.last_reading = Reading(T0 + POINTS * 0.5, "s3", 25.0, "°C", Status.OK)
        app.link.engine.sensors["s100"].history.append(T0 + POINTS * 0.5, 1.0)  # off screen
        app.frame()
        assert table.repaints == before + 1
        await pilot.pause()
        assert "25.00" in screen_lines(table)[4]


async def test_every_column_fits_80x24_and_the_footer_leaves_room(tmp_path: Path) -> None:
    app = make_app(tmp_path, 30, groups=True)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_table(pilot)
        assert table.virtual_size.width <= table.size.width  # no scrolling sideways
        titles = screen_lines(table)[0]
        for title in ("Name", "Value", "Units", "Status", "Alarm", "Trend", "Min", "Max",
                      "Mean", "Age"):
            assert title in titles
        assert "Sensor 0" in screen_lines(table)[2] and "°C" in screen_lines(table)[2]
        keys = {key.action: key for key in app.screen.query_one(Footer).query(FooterKey)}
        for _key, action, _label, _help in ACTIONS:
            if action not in FOOTER_HIDDEN:
                assert keys[action].region.right <= 80, action  # every shown key fits
        await pilot.press("pagedown", "pagedown", "end")
        assert table.selected_id == "s29" or table.selected_id == "s11"
        assert table.scroll_offset.y > 0


async def test_a_big_terminal_shows_wide_trends(tmp_path: Path) -> None:
    app = make_app(tmp_path, 30)
    async with app.run_test(size=(220, 60)) as pilot:
        table = await open_table(pilot)
        lines = screen_lines(table)
        assert len([line for line in lines[1:] if line.startswith("Sensor")]) == 30
        assert any(char in lines[1] for char in "▁▂▃▄▅▆▇█")
        assert lines[1].rstrip().endswith("s")  # the age column, right-aligned


async def test_grid_sections_count_only_panels_on_screen_as_visible(tmp_path: Path) -> None:
    """A panel row starting right at the bottom edge is off screen: refreshing it would make
    Textual re-arrange every widget each frame (seconds of lag at 2,000 sensors)."""
    app = make_app(tmp_path, 40, groups=True)
    async with app.run_test(size=(120, 25)) as pilot:
        await settle(pilot)
        grid = app.grid
        visible = grid.visible_panels()
        assert visible and len(visible) < len(grid.panels)
        assert grid.size.height == 22  # title at 0, panel rows at 1, 8, 15 - and 22
        bottom = grid.region.bottom
        assert all(panel.region.y < bottom for panel in visible)
        seen = [panel for panel in grid.panels if panel.region.y < bottom]
        assert visible == seen
