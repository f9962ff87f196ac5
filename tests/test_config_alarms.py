"""``[sensors.alarms]``: validated with located errors, saved back as written (README "Alarms")."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensortop.config.loader import load_config, make_sensor
from sensortop.config.problems import ConfigError
from sensortop.config.writer import save_sensors
from sensortop.model.alarm_specs import Effective
from sensortop.model.alarms import AlarmKind, Priority

ROOT = Path(__file__).resolve().parents[1]


def problems_of(table: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_sensor({"id": "t", **table})
    return [str(p) for p in caught.value.problems]


def test_every_kind_and_setting_is_read_with_its_defaults() -> None:
    spec = make_sensor({"id": "t", "setpoint": 5.0, "limits": {"hi": 9.0, "hihi": 10.0},
                        "alarms": {"priority": "high", "on_delay": 2.0, "shelve_max": 60,
                                   "hihi": {"priority": "critical", "latch": True},
                                   "rate": {"max": 1.0}, "deviation": {"max": 2.0},
                                   "stale": {"after": 3.0}, "flatline": {"after": 4.0},
                                   "bad_quality": {"after": 2}}})
    rules = spec.alarms
    assert rules.effective(AlarmKind.HIHI) == Effective(Priority.CRITICAL, 2.0, 0.0, True, 0.0)
    assert rules.effective(AlarmKind.HI) == Effective(Priority.HIGH, 2.0, 0.0, False, 0.0)
    assert rules.rate is not None and (rules.rate.per, rules.rate.window) == ("s", 10.0)
    assert rules.flatline is not None and rules.flatline.within == 0.0
    assert rules.shelve_max == 60.0
    plain = make_sensor({"id": "p", "limits": {"lolo": 0.0, "lo": 1.0}})
    assert plain.alarms.effective(AlarmKind.LOLO).priority is Priority.HIGH
    assert plain.alarms.effective(AlarmKind.LO).priority is Priority.MEDIUM


@pytest.mark.parametrize(("table", "expected"), [
    ({"alarms": {"priority": "urgent"}},
     "field 'alarms.priority': must be one of low, medium, high, critical"),
    ({"alarms": {"on_delay": -1}}, "field 'alarms.on_delay': must be at least 0"),
    ({"alarms": {"rate": {"max": 1, "per": "h"}}}, "field 'alarms.rate.per': must be one of s"),
    ({"alarms": {"rate": {"per": "s"}}}, "field 'alarms.rate.max': is required"),
    ({"alarms": {"stale": {"after": 0}}}, "field 'alarms.stale.after': must be greater than 0"),
    ({"alarms": {"bad_quality": {"after": 1.5}}},
     "field 'alarms.bad_quality.after': must be a whole number"),
    ({"alarms": {"flatline": {"after": 5, "within": -1}}},
     "field 'alarms.flatline.within': must be at least 0"),
    ({"alarms": {"deviation": {"max": 3}}},
     "field 'alarms.deviation': a deviation alarm needs the sensor's setpoint"),
    ({"alarms": {"hi": {"latch": True}}}, "field 'alarms.hi': settings for the hi alarm, but no"),
    ({"alarms": {"shelve_max": 0}}, "field 'alarms.shelve_max': must be at least 1"),
    ({"alarms": {"stale": {"after": 5, "colour": 1}}},
     "field 'alarms.stale.colour': unknown key"),
    ({"alarms": "loud"}, "field 'alarms': must be a table"),
])
def test_bad_alarm_settings_are_located(table: dict[str, object], expected: str) -> None:
    found = problems_of(table)
    assert any(f"<new sensor>: sensor 't': {expected}" in p for p in found), found


def test_check_config_reports_every_alarm_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[sensors]]\nid = "a"\n[sensors.alarms]\npriority = "loud"\n'
                    'stale = { after = -1 }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [p.field for p in caught.value.problems] == ["alarms.priority", "alarms.stale.after"]


def test_saving_keeps_the_alarms_and_changes_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "alarms.toml"
    sample = (ROOT / "sample_configs" / "alarms.toml").read_text(encoding="utf-8")
    path.write_text(sample, encoding="utf-8")
    config = load_config(path)
    save_sensors(path, config.sensors)
    assert path.read_text(encoding="utf-8") == sample
    config.sensors[1].alarms.realarm = 600.0
    save_sensors(path, config.sensors)
    again = load_config(path)
    assert again.sensors[1].alarms == config.sensors[1].alarms
    assert again.sensors[0].alarms == load_config(ROOT / "sample_configs" /
                                                  "alarms.toml").sensors[0].alarms
    assert path.read_text(encoding="utf-8").startswith(sample.split("# The signal")[0])
