"""Pictures of every screen an operator meets, at four terminal sizes, from fixed data.

Main screen, add-sensor form, detail, help, log review and compound lookup, each
at 80x24, 100x30, 160x45 and 220x60 (the sizes the README promises readable).
Sampling is never started: each history is filled from a seeded generator at
fixed timestamps and the app's clock is frozen. The process runs in a temporary
folder with a relative config and log folder, so every path on screen is a fixed
string; the review reads a small log written there, and the lookup asks the PUG
REST stand-in on 127.0.0.1 (no network). The time zone is UTC, except for the
detail screen, which is drawn in Europe/Berlin so the chart's local-time axis is
seen outside UTC. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from pubchem_standin import PubChemStandin
from sensortop.config.loader import load_config
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.review.plots import render_chart
from sensortop.review.reader import read_logs
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import ThreadedLink
from sensortop.tui.screens.add_sensor import AddSensorScreen
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.screens.help import HelpScreen
from sensortop.tui.screens.review import ReviewScreen
from sensortop.tui.widgets.lookup_pane import LOOKING_UP, LookupPane
from sensortop.tui.widgets.range_chart import RangeChart

pytest_plugins = ["pubchem_fixtures"]

T0 = 1_790_000_000.0  # 2026-09-21T14:13:20Z
POINTS = 240
RUN = "sensortop-20260921-141320"
SIZES = pytest.mark.parametrize(
    "size", [(80, 24), (100, 30), (160, 45), (220, 60)],
    ids=lambda size: f"{size[0]}x{size[1]}")
CONFIG = """\
[monitor]
title = "Reactor R-101 (snapshot)"

[[sensors]]
id = "reactor_temp"
name = "Reactor_Temp"
units = "°C"
interval = 0.5
setpoint = 150.0
limits = { lo = 140.0, hi = 160.0, hihi = 170.0, deadband = 1.0 }

[[sensors]]
id = "reactor_press"
name = "Reactor_Press"
units = "bar"
interval = 0.5
setpoint = 5.0
limits = { lo = 4.0, hi = 6.0, hihi = 6.5 }

[[sensors]]
id = "feed_flow"
name = "Feed_Flow"
units = "L/min"
interval = 0.5
setpoint = 10.0

[[sensors]]
id = "coolant_temp"
name = "Coolant_Temp"
units = "°C"
interval = 0.5
setpoint = 25.0

[[sensors]]
id = "agitator"
name = "Agitator speed"
units = "rpm"
interval = 0.5
setpoint = 300.0
"""


def _fill(app: SensortopApp) -> None:
    """Fixed histories: a random walk per sensor, one failing, one paused, one in alarm."""
    rng = np.random.default_rng(1234)
    for n, state in enumerate(app.link.engine.sensors.values()):
        setpoint = state.spec.setpoint or 0.0
        walk = setpoint + np.cumsum(rng.normal(0, 0.02 * setpoint, POINTS))
        if state.id == "reactor_temp":
            walk += np.linspace(0, 25, POINTS)  # climbs into a hi alarm
        timestamps = T0 + np.arange(POINTS) * state.spec.interval
        for ts, value in zip(timestamps.tolist(), walk.tolist(), strict=True):
            bad = state.id == "feed_flow" and ts > timestamps[-8]
            state.history.append(ts, None if bad else value)
            alarm = state.alarms.update(value) if state.alarms.active and not bad else \
                AlarmState.NORMAL
            state.last_reading = Reading(
                ts, state.id, None if bad else value, state.spec.units,
                Status.ERROR if bad else Status.OK,
                "Modbus exception 2: illegal data address" if bad else None, alarm)
            state.readings += 1
        state.paused = n == 3


def _write_log(path: Path) -> None:
    """A short run of two sensors: a hi alarm, a timeout and a gap of ten seconds."""
    rng = np.random.default_rng(99)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(120):
        if 60 <= i < 80:
            continue  # the gap
        moment = datetime.fromtimestamp(T0 + i * 0.5, UTC)
        ts = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        temp = round(150.0 + i * 0.1 + float(rng.normal(0, 0.5)), 2)
        record: dict[str, object] = {"ts": ts, "sensor": "reactor_temp", "value": temp,
                                     "units": "°C", "status": "ok"}
        if temp > 160.0:
            record["alarm"] = "hi"
        lines.append(record)
        press: dict[str, object] = {"ts": ts, "sensor": "reactor_press",
                                    "value": round(5.0 + float(rng.normal(0, 0.1)), 3),
                                    "units": "bar", "status": "ok"}
        if i in (30, 31):
            press.update(value=None, status="timeout", error="no answer within 1 s")
        lines.append(press)
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")


@pytest.fixture
def zone() -> Iterator[Callable[[str], None]]:
    """Set the process's time zone; the one before is back (and in force) afterwards."""
    before = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    use("UTC")
    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             zone: Callable[[str], None]) -> Callable[..., SensortopApp]:
    """The dashboard over the seeded sensors, run from ``tmp_path`` with relative paths."""
    monkeypatch.chdir(tmp_path)
    Path("plant.toml").write_text(CONFIG, encoding="utf-8")

    def make(pubchem_url: str = "http://127.0.0.1:9/rest/pug",
             config_text: str = CONFIG) -> SensortopApp:
        Path("plant.toml").write_text(config_text, encoding="utf-8")
        config = load_config(Path("plant.toml"))
        link = ThreadedLink(SamplingSession(config, Path("logs")))
        link.recorder.path = Path("logs") / f"{RUN}.jsonl"
        app = SensortopApp(link, config, pubchem_url=pubchem_url, start_sampling=False)
        app.clock = lambda: T0 + POINTS * 0.5 + 0.2
        _fill(app)
        return app

    return make


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``condition`` between rounds of the app's message loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)


async def settle(pilot: Pilot) -> None:
    """One whole frame painted, with nothing left pending."""
    app = pilot.app
    assert isinstance(app, SensortopApp)
    await pilot.pause()
    app.frame()
    await pilot.pause()


def still_cursor(pilot: Pilot) -> None:
    """Inputs on the current screen stop blinking: a picture must not catch half a blink."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


@SIZES
def test_main_screen(snap_compare, make_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


@SIZES
def test_add_sensor_form(snap_compare, make_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_form(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AddSensorScreen))
        await pilot.pause()
        still_cursor(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_form)


@SIZES
def test_detail_screen(snap_compare, make_app, zone, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    zone("Europe/Berlin")  # the axis shows Berlin time: 16:13:20 - 16:15:20 CEST
    app = make_app()

    async def open_detail(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.pause()
        app.screen.redraw()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_detail)


@SIZES
def test_help_screen(snap_compare, make_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_help(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=open_help)


@SIZES
def test_review_screen(snap_compare, make_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    _write_log(Path("logs") / f"{RUN}.jsonl")
    app = make_app()

    async def open_review(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await wait_for(pilot, lambda: screen.chart_sensor is not None)  # the first row's
        await pilot.pause()
        screen.show_chart(screen.chart_sensor)  # type: ignore[arg-type]  # sized as laid out now
        chart = screen.query_one(RangeChart)
        await wait_for(pilot, lambda: chart.is_drawn)  # drawn in a thread
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_review)


@SIZES
def test_lookup(snap_compare, make_app, standin: PubChemStandin,  # type: ignore[no-untyped-def]
                size: tuple[int, int]) -> None:
    app = make_app(standin.url)

    async def look_up(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("c")
        pane = app.query_one(LookupPane)
        box = pane.query_one(Input)
        await wait_for(pilot, lambda: box.has_focus)
        box.cursor_blink = False
        table = pane.query_one(DataTable)
        pane.lookup(["water", "caffeine", "acetic acid", "srthrthsr"])

        def answered() -> bool:
            column = table.get_column("status") if table.row_count == 4 else []
            return all(str(cell) not in ("", LOOKING_UP) for cell in column) and bool(column)

        await wait_for(pilot, answered)
        await pilot.press("down")  # into the rows: the first row's details show below
        await wait_for(pilot, lambda: table.has_focus)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=look_up)


def test_review_chart_has_the_size_asked_for_not_the_terminals(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The review screen asks for a chart as big as its widget; plotext must not shrink it
    to its own idea of the terminal (80x24 under pytest), which made pictures depend on
    where the tests ran."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    log = tmp_path / f"{RUN}.jsonl"
    _write_log(log)
    series = read_logs([log]).series["reactor_temp"]
    lines = Text.from_ansi(render_chart(series, 150, 40)).plain.splitlines()
    assert len(lines) == 40
    assert max(len(line) for line in lines) == 150


async def test_l_on_the_review_screen_opens_its_runs_not_another_review_screen(
        make_app: Callable[..., SensortopApp]) -> None:
    _write_log(Path("logs") / f"{RUN}.jsonl")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("l")
        await pilot.pause()
        assert len(app.screen_stack) == 2  # the dashboard and one review screen
        assert app.screen.query_one("#review-run", Select).expanded
        await pilot.press("escape", "escape")  # the list closes, then the screen
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
