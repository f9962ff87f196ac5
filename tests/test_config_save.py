"""Saving sensors (`s`): the same sensors give the same bytes; the user's text is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensortop.config.loader import load_config, make_sensor
from sensortop.config.writer import save_sensors
from sensortop.tui.config_saver import save_config

ROOT = Path(__file__).resolve().parents[1]

COMMENTED = """\
# Plant R-101: notes for the night shift
[monitor]
title = "R-101"
history = 50 # enough for the panels

[[sensors]]
id = "reactor_temp"   # the one that matters
units = "°C"
setpoint = 150.0
limits = { lo = 140.0, hi = 160.0 }

# the pressure transmitter was replaced in May
[[sensors]]
id = "press"
kind = "simulated"
units = "bar"
[sensors.limits]
hi = 3.0

[[sensors]]
id = "flow"
units = "m3/h"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_saving_unchanged_sensors_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    save_sensors(path, load_config(path).sensors)
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_saving_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    added = make_sensor({"id": "level", "units": "%", "interval": 2.0})
    save_sensors(path, [*load_config(path).sensors, added])
    first = path.read_bytes()
    for _ in range(3):
        save_sensors(path, load_config(path).sensors)
        assert path.read_bytes() == first


def test_every_sample_config_saves_unchanged(tmp_path: Path) -> None:
    for sample in sorted((ROOT / "sample_configs").glob("*.toml")):
        path = write(tmp_path, sample.read_text(encoding="utf-8"))
        save_sensors(path, load_config(path).sensors)
        assert path.read_text(encoding="utf-8") == sample.read_text(encoding="utf-8"), sample


def test_adding_a_sensor_appends_only_its_table(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    added = make_sensor({"id": "level", "units": "%", "interval": 2.0})
    save_sensors(path, [*load_config(path).sensors, added])
    text = path.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED + "\n[[sensors]]\nid = \"level\"\n")
    assert [s.id for s in load_config(path).sensors] == ["reactor_temp", "press", "flow",
                                                         "level"]


def test_removing_a_sensor_removes_only_its_table_and_its_own_comment(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    kept = [s for s in load_config(path).sensors if s.id != "press"]
    save_sensors(path, kept)
    text = path.read_text(encoding="utf-8")
    start = COMMENTED.index("# the pressure transmitter")
    end = COMMENTED.index('[[sensors]]\nid = "flow"')
    assert text == COMMENTED[:start] + COMMENTED[end:]


def test_changing_a_sensor_rewrites_only_the_changed_key(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    specs = load_config(path).sensors
    specs[0].units = "K"
    save_sensors(path, specs)
    text = path.read_text(encoding="utf-8")
    assert text == COMMENTED.replace('units = "°C"', 'units = "K"')


def test_a_file_without_a_trailing_newline_gets_a_separate_new_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "a" # last line, no newline')
    save_sensors(path, [*load_config(path).sensors, make_sensor({"id": "b"})])
    text = path.read_text(encoding="utf-8")
    assert text.startswith('[[sensors]]\nid = "a" # last line, no newline\n\n[[sensors]]\n')
    assert [s.id for s in load_config(path).sensors] == ["a", "b"]


def test_inline_sensor_arrays_are_still_saved_correctly(tmp_path: Path) -> None:
    path = write(tmp_path, '# keep\nsensors = [{ id = "a" }]\n')
    save_sensors(path, [*load_config(path).sensors, make_sensor({"id": "b"})])
    assert "# keep" in path.read_text(encoding="utf-8")
    assert [s.id for s in load_config(path).sensors] == ["a", "b"]


def test_save_config_twice_from_the_dashboard_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    config = load_config(path)
    added = make_sensor({"id": "level"})
    save_config(config, [*config.sensors, added])
    first = path.read_bytes()
    save_config(load_config(path), load_config(path).sensors)
    assert path.read_bytes() == first


def test_a_file_with_a_byte_order_mark_loads_and_saves_keeping_it(tmp_path: Path) -> None:
    path = tmp_path / "notepad.toml"
    path.write_bytes(b'\xef\xbb\xbf[[sensors]]\nid = "a"\n')
    assert [s.id for s in load_config(path).sensors] == ["a"]
    save_sensors(path, [*load_config(path).sensors, make_sensor({"id": "b"})])
    assert path.read_bytes().startswith(b'\xef\xbb\xbf[[sensors]]\nid = "a"\n\n[[sensors]]')
    assert [s.id for s in load_config(path).sensors] == ["a", "b"]


def test_saving_over_a_file_broken_by_hand_refuses_and_keeps_it(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    specs = load_config(path).sensors
    broken = COMMENTED + "\n[[sensors]\nid = 'half-typed\n"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(OSError, match="no longer valid TOML"):
        save_sensors(path, specs)
    assert path.read_text(encoding="utf-8") == broken


def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path, COMMENTED)
    real.chmod(0o640)
    link = tmp_path / "current.toml"
    link.symlink_to(real)
    save_sensors(link, [*load_config(link).sensors, make_sensor({"id": "level"})])
    assert link.is_symlink()
    assert [s.id for s in load_config(real).sensors][-1] == "level"
    assert real.stat().st_mode & 0o777 == 0o640


def test_saving_the_builtin_config_never_overwrites_an_existing_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sensortop.config.files import default_config_path
    from sensortop.tui import config_saver

    (tmp_path / "sensortop.toml").write_text("# someone else's\n", encoding="utf-8")
    chosen = iter([tmp_path / "sensortop.toml", tmp_path / "sensortop-2.toml"])
    monkeypatch.setattr(config_saver, "new_config_path", lambda folder: next(chosen))
    builtin = load_config(default_config_path())
    path, note = save_config(builtin, builtin.sensors, folder=tmp_path)
    assert path == (tmp_path / "sensortop-2.toml").absolute()
    assert (tmp_path / "sensortop.toml").read_text(encoding="utf-8") == "# someone else's\n"
    assert "read-only" in note
