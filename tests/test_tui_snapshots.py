"""Pictures of the main screen and the detail screen, from fixed data.

Sampling is never started: each history is filled from a seeded generator at
fixed timestamps, the app's clock is frozen and the time zone is UTC, so the
picture is the same on every run. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from textual.pilot import Pilot

from sensortop.config import load_config
from sensortop.readings import AlarmState, Reading, Status
from sensortop.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import ThreadedLink

T0 = 1_790_000_000.0  # 2026-09-21T14:13:20Z
POINTS = 240
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


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SensortopApp:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    path = tmp_path / "plant.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    link = ThreadedLink(SamplingSession(config, tmp_path / "logs"))
    link.recorder.path = Path("/var/log/sensortop/sensortop-20260921-141320.jsonl")
    app = SensortopApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug",
                       start_sampling=False)
    app.clock = lambda: T0 + POINTS * 0.5 + 0.2
    _fill(app)
    return app


def test_main_screen(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, monkeypatch)

    async def settle(pilot: Pilot) -> None:
        await pilot.pause()
        app.frame()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 45), run_before=settle)


def test_detail_screen(snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                       monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, monkeypatch)

    async def open_detail(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        app.screen.redraw()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 45), run_before=open_detail)
