"""Panels repaint line by line (tui/widgets/line_cache.py): each line's strip is the
one Textual's own rendering of the whole panel gives, and only changed lines repaint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual

from sensortop.config.loader import load_config
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.sampling.logfeed import FollowedSource
from sensortop.tui.view_app import ViewApp
from sensortop.tui.view_link import ViewLink
from sensortop.tui.widgets.line_cache import LineCache
from sensortop.tui.widgets.sensor_panel import SensorPanel

DEAD_PUBCHEM = "http://127.0.0.1:9/rest/pug"
CONFIG = """\
[monitor]
history = 600

[[sensors]]
id = "temp_a"
name = "Temp A"
units = "°C"
interval = 1.0
setpoint = 20.0
limits = { lolo = 5.0, lo = 10.0, hi = 30.0, hihi = 35.0 }
"""
NOW = 1_800_000_000.0


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[ViewApp]:
    """A viewer of an empty folder with one sensor of the config's, fed by the test."""
    cfg = tmp_path / "plant.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    config = load_config(cfg)
    link = ViewLink(tmp_path, history=600)
    spec = config.sensors[0]
    link.engine.add(spec, FollowedSource(spec))
    app = ViewApp(link, config, pubchem_url=DEAD_PUBCHEM)
    app.clock = lambda: NOW
    yield app
    await link.stop()


def feed(app: ViewApp, values: list[float], *, failed: int = -1,
         alarm: AlarmState = AlarmState.NORMAL) -> None:
    """Readings into the sensor as the viewer's follower writes them (a NaN at ``failed``)."""
    state = app.view_link.engine.sensors["temp_a"]
    start = NOW - len(values)
    with state.lock:
        for i, value in enumerate(values):
            state.history.append(start + i, float("nan") if i == failed else value)
        state.alarms.level = alarm
        state.last_reading = Reading(NOW - 1, "temp_a", values[-1], "°C", Status.OK, None,
                                     alarm)
        state.readings += len(values)
        state.publish()


def textual_lines(panel: SensorPanel) -> list[Strip]:
    """The panel's lines as Textual renders its whole text at once."""
    lines = panel._lines.lines
    parts: list[Content | str] = []
    for line in lines:
        parts += [line, "\n"]
    whole = Content.assemble(*parts[:-1])
    return Visual.to_strips(panel, whole, panel.size.width, len(lines), panel.visual_style)


def cached_lines(panel: SensorPanel) -> list[Strip]:
    return [panel._lines.strip(panel, y, panel.visual_style)
            for y in range(len(panel._lines.lines))]


async def panel_of(app: ViewApp, pilot: object) -> SensorPanel:
    for _ in range(200):
        await pilot.pause(0.01)  # type: ignore[attr-defined]
        if app.grid.panels and app.grid.panels[0].size.width:
            break
    panel = app.grid.panels[0]
    app.frame()
    await pilot.pause()  # type: ignore[attr-defined]
    return panel


@pytest.mark.parametrize("alarm", [AlarmState.NORMAL, AlarmState.HIHI])
async def test_each_line_is_the_strip_textual_draws_for_the_whole_panel(
        app: ViewApp, alarm: AlarmState) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        panel = await panel_of(app, pilot)
        feed(app, [20 + (i % 17) for i in range(80)], failed=70, alarm=alarm)
        assert panel.frame(NOW)
        ours, theirs = cached_lines(panel), textual_lines(panel)
        assert len(ours) == len(theirs) >= 5
        for y, (mine, textual) in enumerate(zip(ours, theirs, strict=True)):
            assert list(mine) == list(textual), f"line {y}"
        probes = panel._lines._probes  # the sparkline rows and statistics: one segment each
        assert len(probes) >= 3 and None not in probes.values()
        app.theme = "textual-light"  # a new style: every strip made again, still the same
        await pilot.pause()
        assert [list(s) for s in cached_lines(panel)] == [list(s) for s in textual_lines(panel)]


async def test_only_the_lines_that_changed_are_repainted(app: ViewApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        panel = await panel_of(app, pilot)
        feed(app, [20.0] * 300)  # more than the sparkline's width
        panel.frame(NOW)
        await pilot.pause()
        before = list(panel._lines.lines)
        feed(app, [20.5])  # the value, the newest bar, the statistics; not the rest
        assert panel.frame(NOW)
        after = panel._lines.lines
        changed = [y for y, (a, b) in enumerate(zip(before, after, strict=True))
                   if a.plain != b.plain]
        assert 0 < len(changed) < len(after) - 2
        top = panel.content_offset.y  # the styles cache counts the border's row too
        assert panel._styles_cache._dirty_lines == {y + top for y in changed}


def test_a_line_cache_reports_changed_rows_and_a_new_shape() -> None:
    cache = LineCache()
    a, b, c = Content("a"), Content("b"), Content.styled("b", "bold")
    assert cache.update([a, b], Size(4, 2)) is None  # the first lines: all of it
    assert cache.update([a, b], Size(4, 2)) == []
    assert cache.update([a, c], Size(4, 2)) == [1]  # the same text in another style
    assert cache.update([a, c], Size(5, 2)) is None  # another width
    assert cache.update([a], Size(5, 2)) is None  # another height
