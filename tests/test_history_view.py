"""``sensortop view`` following a real recorder, dashboard backfill, and detail look-back,
driven with Textual's Pilot (README "History from the logs", "sensortop view")."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.cli.main import main
from sensortop.config.loader import load_config
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status
from sensortop.model.specs import Config
from sensortop.review.minmax import envelope, minmax_columns
from sensortop.review.reader import read_logs
from sensortop.review.recent import run_files
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import ThreadedLink
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.view_app import READ_ONLY, ViewApp
from sensortop.tui.view_link import ViewLink
from support import wait_until

DEAD_PUBCHEM = "http://127.0.0.1:9/rest/pug"
SIZE = (160, 45)
CONFIG = """\
[monitor]
log_dir = "logs"

[[sensors]]
id = "temp_a"
units = "°C"
interval = 0.1
setpoint = 20.0
"""


def config(tmp_path: Path) -> Config:
    path = tmp_path / "plant.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path)


def reading(i: int, sensor: str, t0: float) -> Reading:
    if i % 9 == 4:
        return Reading(t0 + i * 0.01, sensor, None, "V", Status.ERROR, "bad frame")
    return Reading(t0 + i * 0.01, sensor, math.cos(i / 7) * 10 + i * 1e-3, "V", Status.OK)


async def write_run(log_dir: Path, start: int, stop: int, t0: float) -> Recorder:
    """A real recorder run, in small parts, flushed a slice at a time while a viewer reads."""
    recorder = Recorder(log_dir, rotate_bytes=20_000, batch_lines=200, batch_seconds=0.02)
    await recorder.start()
    for i in range(start, stop):
        recorder.put(reading(i, f"s{i % 3}", t0))
        if i % 500 == 0:
            await wait_until(lambda: recorder.backlog == 0, message="a flush")
    await recorder.stop()
    return recorder


async def test_a_viewer_follows_a_recorder_across_rotation_and_a_restart(tmp_path: Path) -> None:
    t0 = time.time() - 120
    first = await write_run(tmp_path, 0, 1_500, t0)  # history from before the viewer came
    link = ViewLink(tmp_path, history=10_000, poll_seconds=0.01)
    await link.start()
    try:
        await wait_until(link.loaded.is_set, message="the backfill")
        second = await write_run(tmp_path, 1_500, 4_000, t0)  # rotates, then a new run
        assert len(first.paths) > 3 and len(second.paths) > 3 and second.stem != first.stem
        third = await write_run(tmp_path, 4_000, 6_000, t0)
        assert third.stem != second.stem
        logged = read_logs([tmp_path]).series
        def caught_up() -> bool:
            sensors = link.engine.sensors
            return all(name in sensors and len(sensors[name].history) == logged[name].ts.size
                       for name in logged)
        await wait_until(caught_up, message="the viewer catching up")
        for name, series in logged.items():
            view = link.engine.sensors[name].view
            times, values = view.snapshot()
            np.testing.assert_array_equal(times, series.ts)  # nothing missed or doubled
            np.testing.assert_array_equal(values, series.value)
            assert view.spec.units == "V"
            assert view.failures == int(np.count_nonzero(series.status[series.ts >= t0 + 14.995]))
            assert view.readings + int(np.count_nonzero(series.ts < t0 + 14.995)) == series.ts.size
        assert link.engine.readings_total == 4_500
    finally:
        await link.stop()
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {p.name for p in run_files(tmp_path)}  # the viewer wrote nothing


async def test_the_view_app_shows_sensors_as_they_appear_and_is_read_only(
        tmp_path: Path) -> None:
    cfg = config(tmp_path)
    link = ViewLink(tmp_path / "logs", history=600, poll_seconds=0.02)
    (tmp_path / "logs").mkdir()
    app = ViewApp(link, cfg, pubchem_url=DEAD_PUBCHEM)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(link.loaded.is_set, message="loaded")
        await pilot.pause(0.1)
        assert "waiting for `sensortop record`" in str(
            app.query_one("#grid-empty").render())
        await write_run(tmp_path / "logs", 0, 90, time.time() - 1)
        await wait_until(lambda: len(app.grid.panels) == 3, message="three panels")
        for key in ("a", "d", "space", "k", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert app._notifications and list(app._notifications)[-1].message == READ_ONLY
            app.clear_notifications()
        assert [p.sensor_id for p in app.grid.panels] == ["s0", "s1", "s2"]
        assert not (tmp_path / "plant.toml").read_text().count("s0")  # s saved nothing
        await pilot.press("q")
        await wait_until(lambda: link.stopped, message="quit")


async def test_dashboard_panels_start_backfilled_from_the_logs(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    t0 = time.time() - 60
    recorder = Recorder(log_dir)
    await recorder.start()
    for i in range(900):
        recorder.put(Reading(t0 + i * 0.05, "temp_a", 10 + i % 17, "°C", Status.OK))
    await recorder.stop()
    link = ThreadedLink(SamplingSession(cfg, log_dir))
    app = SensortopApp(link, cfg, pubchem_url=DEAD_PUBCHEM)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.grid.panels[0]
        await wait_until(lambda: len(panel.state.history) >= 600, message="the backfill")
        await wait_until(lambda: not panel.history_loading, message="loading over")
        view = panel.state.view
        times, values = view.snapshot()
        logged = times < t0 + 900 * 0.05
        assert logged.any() and np.all(np.diff(times) > 0)  # logged points, then live ones
        live = np.count_nonzero(~np.isnan(values[~logged]))
        # The statistics take every logged point read (the newest 600 in the folder, less
        # any of this run's own, already live), also those the live ones pushed out.
        assert 600 - live <= view.running_stats.count - live <= 600
        expected = np.array([10 + i % 17 for i in range(900)], float)[-int(logged.sum()):]
        np.testing.assert_array_equal(values[logged], expected)
        await pilot.press("q")
        await wait_until(lambda: link.flushed.is_set(), message="flushed")


async def test_a_panel_says_it_is_loading_until_its_history_is_in(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    link = ThreadedLink(SamplingSession(cfg, tmp_path / "logs"))
    app = SensortopApp(link, cfg, pubchem_url=DEAD_PUBCHEM, start_sampling=False)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.grid.panels[0]
        await wait_until(lambda: panel.content_region.width > 30, message="laid out")
        panel.history_loading = True
        assert panel.frame(app.clock())  # a change the frame clock repaints
        await pilot.pause()
        assert "loading history…" in str(panel.render())
        panel.history_loading = False
        assert panel.frame(app.clock())
        assert "loading history…" not in str(panel.render())


async def test_minus_and_plus_step_the_look_back_and_read_older_points_from_the_logs(
        tmp_path: Path) -> None:
    cfg = config(tmp_path)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    now = float(int(time.time()))  # whole seconds: the journal's times are exact
    recorder = Recorder(log_dir)
    await recorder.start()
    for i in range(3000):  # an hour back, one a second... with one spike in it
        recorder.put(Reading(now - 3000 + i, "temp_a", 999.0 if i == 1234 else 20.0,
                             "°C", Status.OK))
    await recorder.stop()
    (log_dir / "events-20260101-000000.jsonl").write_text(
        f'{{"ts": "{_iso(now - 1800)}", "sensor": "temp_a", "alarm": "hi", "event": "raise", '
        '"from": "normal", "to": "unack"}\n'
        f'{{"ts": "{_iso(now - 1700)}", "sensor": "temp_a", "alarm": "hi", "event": "clear", '
        '"from": "unack", "to": "rtn_unack"}\n', encoding="utf-8")
    link = ThreadedLink(SamplingSession(cfg, log_dir))
    app = SensortopApp(link, cfg, pubchem_url=DEAD_PUBCHEM, start_sampling=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, DetailScreen), message="detail")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        shown = {key: active.binding.description for key, active in app.active_bindings.items()
                 if active.binding.show}
        assert shown["minus"] == "Further" and shown["plus"] == "Nearer"  # in the footer
        await pilot.press("minus")
        assert screen.span == 60.0  # memory is empty: the first window
        await pilot.press("minus", "minus")
        assert screen.span == 3600.0
        await wait_until(lambda: screen.logged is not None, message="the logs read")
        assert screen.logged is not None and screen.logged.ts.size == 3000
        assert [(e.alarm, round(e.start - now)) for e in screen.logged.episodes] == \
            [("hi", -1800)]
        await pilot.pause(0.1)
        screen.redraw()
        assert "999" in str(screen.stats_text())  # the spike survives the reduction
        assert "HI " in str(screen.stats_text())
        await pilot.press("plus")
        assert screen.span == 600.0


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def test_view_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["view", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(-1e6, 1e6) | st.just(math.nan)),
                min_size=1, max_size=300),
       st.integers(1, 50))
def test_min_max_reduction_keeps_every_extreme(points: list[tuple[float, float]],
                                               columns: int) -> None:
    ts = np.array(sorted(t for t, _ in points))
    values = np.array([v for _, v in points])
    centres, low, high = minmax_columns(ts, values, 0.0, 1000.0, columns)
    width = 1000.0 / columns
    for c in range(columns):
        inside = (ts >= c * width) & ((ts < (c + 1) * width) | (c == columns - 1))
        good = values[inside & ~np.isnan(values)]
        if good.size:
            assert low[c] == good.min() and high[c] == good.max()
        else:
            assert np.isnan(low[c]) and np.isnan(high[c])
    times, line = envelope(centres, low, high)
    assert set(times.tolist()) == set(centres[~np.isnan(low)].tolist())
    good = values[~np.isnan(values)]
    if good.size:  # every extreme is a point of the line drawn
        assert line.max() == good.max() and line.min() == good.min()
