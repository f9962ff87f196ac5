"""``group`` in a sensor table: loaded, checked with a located error, saved back, and set
by the add-sensor form (README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from sensortop.config.loader import load_config, make_sensor
from sensortop.config.problems import ConfigError
from sensortop.config.writer import save_sensors
from sensortop.model.specs import Config, MonitorSpec
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import ThreadedLink
from sensortop.tui.screens.add_sensor import AddSensorScreen
from support import wait_until
from test_config_save import write

GROUPED = """\
# two groups and a loner
[[sensors]]
id = "r_temp"
group = "Reactor R-101"   # the hot side
units = "°C"

[[sensors]]
id = "loner"

[[sensors]]
id = "cw_flow"
group = "Utilities"
"""


def test_group_is_loaded_and_absent_means_none(tmp_path: Path) -> None:
    sensors = load_config(write(tmp_path, GROUPED)).sensors
    assert [s.group for s in sensors] == ["Reactor R-101", "", "Utilities"]


@pytest.mark.parametrize(("value", "words"), [
    ("3", "must be a string"),
    ('"two\\nlines"', "one line of printable text"),
    ('["a", "b"]', "must be a string"),
])
def test_a_bad_group_is_a_located_error(tmp_path: Path, value: str, words: str) -> None:
    path = write(tmp_path, f'[[sensors]]\nid = "ok_one"\n\n[[sensors]]\nid = "bad"\n'
                           f"group = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    text = str(problem)
    assert "sensors[1] 'bad'" in text and "field 'group'" in text and words in text


def test_saving_keeps_groups_and_writes_a_new_sensors_group(tmp_path: Path) -> None:
    path = write(tmp_path, GROUPED)
    added = make_sensor({"id": "level", "group": "Tank farm"})
    save_sensors(path, [*load_config(path).sensors, added])
    text = path.read_text(encoding="utf-8")
    assert text.startswith(GROUPED)  # unchanged tables keep their bytes, comment included
    assert 'group = "Tank farm"' in text
    assert [s.group for s in load_config(path).sensors] == \
        ["Reactor R-101", "", "Utilities", "Tank farm"]


def test_a_sensor_without_a_group_saves_no_group_key(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    save_sensors(path, [make_sensor({"id": "plain"})])
    assert "group" not in path.read_text(encoding="utf-8")


async def test_the_add_form_sets_the_group(tmp_path: Path) -> None:
    config = Config(None, MonitorSpec(log_dir=tmp_path / "logs"), [])
    link = ThreadedLink(SamplingSession(config, tmp_path / "logs"))
    app = SensortopApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("a")
            await wait_until(lambda: isinstance(app.screen, AddSensorScreen), 20.0, "the form")
            await pilot.pause()
            form = app.screen
            form.query_one("#f-id", Input).value = "feed_pump"
            form.query_one("#f-group", Input).value = "Feed"
            form.query_one("#f-id", Input).focus()
            await pilot.press("enter")
            await wait_until(lambda: "feed_pump" in app.link.engine.sensors, 20.0, "added")
            assert app.link.engine.sensors["feed_pump"].spec.group == "Feed"
    finally:
        await link.stop()
