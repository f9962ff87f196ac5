"""The panels as an operator sees them, at 80x24 up to 220x60, from fixed data.

Sampling is never started: histories are filled at fixed timestamps and the
app's clock is frozen, so what is on screen depends only on the terminal size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.cells import cell_len
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from sensortop.config.loader import load_config
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.keys import ACTIONS, FOOTER_HIDDEN
from sensortop.tui.sampling import ThreadedLink
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.screens.help import HelpScreen
from sensortop.tui.widgets.lookup_pane import LookupPane
from sensortop.tui.widgets.sensor_panel import ALARM_VALUE_STYLE, FOCUS_MARK
from sensortop.tui.widgets.status_line import StatusLine

T0 = 1_790_000_000.0
POINTS = 120
LONG_ERROR = "no CPU temperature sensor on this machine (looked in /sys/class/thermal)"
SENSOR = """
[[sensors]]
id = "s{n}"
name = "Sensor {n}"
units = "°C"
interval = 0.5
setpoint = 23.0
limits = {{ lo = 10.0, hi = 30.0 }}
"""


def make_app(tmp_path: Path, count: int) -> SensortopApp:
    path = tmp_path / "plant.toml"
    path.write_text('[monitor]\ntitle = "Panels"\n'
                    + "".join(SENSOR.format(n=n) for n in range(count)), encoding="utf-8")
    config = load_config(path)
    link = ThreadedLink(SamplingSession(config, tmp_path / "logs"))
    link.recorder.path = Path("/var/log/sensortop/sensortop-20260921-141320.jsonl")
    app = SensortopApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug",
                       start_sampling=False)
    app.clock = lambda: T0 + POINTS * 0.5 + 0.2
    return app


def fill(app: SensortopApp, sensor_id: str, values: np.ndarray,
         error: str | None = None) -> None:
    """Give a sensor a history; its last reading fails with ``error`` if given."""
    state = app.link.engine.sensors[sensor_id]
    for i, value in enumerate(values.tolist()):
        ts = T0 + i * state.spec.interval
        last = i == len(values) - 1
        bad = error is not None and last
        alarm = AlarmState.NORMAL if bad else state.alarms.update(value)
        state.history.append(ts, None if bad else value)
        state.last_reading = Reading(ts, sensor_id, None if bad else value, "°C",
                                     Status.ERROR if bad else Status.OK,
                                     error if bad else None, alarm)
        state.readings += 1


def fill_all(app: SensortopApp) -> None:
    rng = np.random.default_rng(7)
    for sensor_id in app.link.engine.sensors:
        fill(app, sensor_id, 23.45 + np.cumsum(rng.normal(0, 0.05, POINTS)))


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    pilot.app.frame()  # type: ignore[attr-defined]
    await pilot.pause()


def covered_fraction(app: SensortopApp) -> float:
    """How much of the grid's area the panels cover."""
    grid = app.grid.content_region
    panels = sum(panel.region.area for panel in app.grid.panels)
    return panels / grid.area


# -- 80x24 -----------------------------------------------------------------------------------

async def test_footer_shows_help_and_quit_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = {key.action: key for key in footer.query(FooterKey)}
        for _key, action, _label, _help in ACTIONS:
            if action in FOOTER_HIDDEN:  # left out so the rest fit; ? lists it
                assert action not in keys
                continue
            region = keys[action].region
            assert region.width > 0 and region.right <= 80, (action, region)
        assert keys["help"].region.x < keys["quit"].region.x


async def test_footer_keeps_help_and_quit_while_the_lookup_covers_the_grid_at_80x24(
        tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        # In the rows (not the input, which takes letters as text) every app key works.
        app.query_one(LookupPane).query_one("#lookup-table").focus()
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = {key.action: key for key in footer.query(FooterKey)}
        for action in ("help", "quit", "app.focus_panels"):
            region = keys[action].region
            assert region.width > 0 and region.right <= 80, (action, region)
        assert "remove_sensor" not in keys  # the panels are out of sight: their keys too


async def test_status_line_shows_the_sensor_count_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.screen.query_one(StatusLine)
        text = status.render().plain
        assert text.endswith("4 sensors")
        assert cell_len(text) <= status.content_region.width
        assert "readings/s" in text


async def test_help_fits_80x24_and_scrolls_to_its_end(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        assert box.region.x >= 0 and box.region.right <= 80 and box.region.bottom <= 24
        assert box.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        offered = {key.action for key in app.screen.query_one(Footer).query(FooterKey)}
        assert "close" in offered and "quit" not in offered  # q closes the help


async def test_panel_numbers_fit_without_a_dangling_point_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill(app, "s0", np.full(POINTS, 23.45))
    fill(app, "s1", np.full(POINTS, 0.73))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for panel in app.grid.panels[:2]:
            width = panel.content_region.width
            for line in panel.render().plain.splitlines():
                assert cell_len(line) <= width, line
                assert not any(word.endswith(".") for word in line.split()), line
        stats = app.grid.panels[1].render().plain.splitlines()[-2]
        assert "mean 0.73" in stats


async def test_a_long_error_ends_in_an_ellipsis_and_is_whole_in_the_detail(
        tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill(app, "s0", np.full(POINTS, 23.0), error=LONG_ERROR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.grid.panels[0]
        last = panel.render().plain.splitlines()[-1]
        assert last.startswith("✖ ERROR no CPU") and last.endswith("…")
        assert cell_len(last) <= panel.content_region.width
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        stats = app.screen.query_one("#detail-stats", Static).render()
        assert LONG_ERROR in str(stats).replace("\n", "")


# -- focus and alarms ------------------------------------------------------------------------

async def test_a_focused_panel_in_alarm_keeps_the_alarm_colour(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    fill(app, "s0", np.linspace(25.0, 35.0, POINTS))  # climbs over hi = 30
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        panel = app.grid.panels[0]
        assert app.focused is panel and panel.state.alarms.state is AlarmState.HI
        error = Color.parse(app.theme_variables["error"])
        for edge in (panel.styles.border_top, panel.styles.border_left):
            assert edge[1] == error, edge
        assert str(panel.border_title).startswith(FOCUS_MARK)
        content = panel.render()
        value_spans = [span for span in content.spans if span.start == 0]
        assert any(span.style == ALARM_VALUE_STYLE for span in value_spans)


async def test_focus_moves_its_mark_and_leaves_the_border_colour(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first, second = app.grid.panels[:2]
        colour = first.styles.border_top[1]
        await pilot.press("right")
        await settle(pilot)
        assert app.focused is second
        assert str(second.border_title) == FOCUS_MARK + "Sensor 1"
        assert str(first.border_title) == "Sensor 0"
        assert first.styles.border_top[1] == colour == second.styles.border_top[1]


async def test_an_alarm_stays_red_through_a_timeout(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    fill(app, "s0", np.linspace(25.0, 35.0, POINTS))
    state = app.link.engine.sensors["s0"]
    assert state.last_reading is not None
    state.last_reading = Reading(state.last_reading.ts + 0.5, "s0", None, "°C",
                                 Status.TIMEOUT, "timed out after 1 s", AlarmState.NORMAL)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        panel = app.grid.panels[0]
        assert panel.has_class("-timeout")
        assert panel.styles.border_top[1] == Color.parse(app.theme_variables["error"])


# -- filling the screen ---------------------------------------------------------------------

async def test_two_sensors_at_160x45_fill_the_width(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    fill_all(app)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        grid = app.grid.content_region
        for panel in app.grid.panels:
            assert panel.region.x <= grid.x + 1 and panel.region.right >= grid.right - 1
        assert covered_fraction(app) > 0.9


async def test_four_sensors_at_220x60_fill_the_grid(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        grid = app.grid.content_region
        assert max(panel.region.right for panel in app.grid.panels) >= grid.right - 1
        assert max(panel.region.bottom for panel in app.grid.panels) >= grid.bottom - 1
        assert covered_fraction(app) > 0.9


async def test_three_sensors_leave_no_empty_cell(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    fill_all(app)
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        assert covered_fraction(app) > 0.9
        first, _, last = app.grid.panels
        await pilot.press("down")  # onto the wide last panel below
        await pilot.pause()
        assert app.focused is last and last.region.width > first.region.width


async def test_many_sensors_scroll_in_columns_of_the_least_width(tmp_path: Path) -> None:
    app = make_app(tmp_path, 40)
    fill_all(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.grid.columns == 2 and app.grid.max_scroll_y > 0
        assert all(panel.region.height in (0, 7) or not panel.region
                   for panel in app.grid.panels)


# -- words ----------------------------------------------------------------------------------

async def test_one_sensor_is_one_sensor_in_header_and_status_line(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    fill_all(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.sub_title == "1 sensor"
        status = app.screen.query_one(StatusLine).render().plain
        assert status.endswith(" 1 sensor") and "sensors" not in status


async def test_sparkline_shows_its_scale_and_the_setpoint_mark(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    fill(app, "s0", np.concatenate((np.full(60, 23.0), np.linspace(20.0, 26.0, 60))))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        lines = app.grid.panels[0].render().plain.splitlines()
        spark = lines[1:-2]
        assert spark[0][:6].strip() == "26.00" and spark[-1][:6].strip() == "20.00"
        assert sum("─" in line[:7] for line in spark) == 1  # setpoint 23 marked once


async def test_the_grid_refills_the_screen_when_a_panel_goes(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    fill_all(app)
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        await app.grid.remove_panel(app.grid.panels[-1])  # 3 left: the third spans its row
        await settle(pilot)
        assert covered_fraction(app) > 0.9
        await app.grid.remove_panel(app.grid.panels[0])  # 2 left: two full-width rows
        await settle(pilot)
        assert covered_fraction(app) > 0.9
        assert all(panel.styles.column_span == 1 for panel in app.grid.panels)
