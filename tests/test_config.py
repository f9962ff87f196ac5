"""Config validation: every problem reported with file, sensor and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sensortop.config.loader import load_config, make_sensor
from sensortop.config.problems import ConfigError
from sensortop.config.writer import save_sensors

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_reactor_loads_with_four_sensors_and_limits() -> None:
    config = load_config(ROOT / "sample_configs" / "reactor.toml")
    assert [s.id for s in config.sensors] == ["reactor_temp", "reactor_press", "feed_flow",
                                              "coolant_temp"]
    temp = config.sensors[0]
    assert temp.setpoint == 150.0 and temp.units == "°C"
    assert temp.limits.hi == 160.0 and temp.limits.deadband == 1.0


def test_every_sample_config_is_valid() -> None:
    for path in sorted((ROOT / "sample_configs").glob("*.toml")):
        load_config(path)


def test_errors_name_file_sensor_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[sensors]]
id = "ok_one"

[[sensors]]
id = "reactor_temp"
interval = -1
""")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    text = str(problem)
    assert str(path) in text and "sensors[1] 'reactor_temp'" in text
    assert "field 'interval'" in text and "at least" in text


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, """
[monitor]
histroy = 10

[[sensors]]
id = "Bad Id"
kind = "telepathy"

[[sensors]]
id = "dup"
intervall = 1.0

[[sensors]]
id = "dup"
""")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    messages = [str(p) for p in info.value.problems]
    assert any("field 'histroy'" in m and "did you mean 'history'" in m for m in messages)
    assert any("field 'kind'" in m and "telepathy" in m for m in messages)
    assert any("field 'intervall'" in m and "did you mean 'interval'" in m for m in messages)
    assert any("duplicate id" in m for m in messages)


def test_unknown_kind_specific_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "x"\nnoise = 1\nnoize = 2\n')
    with pytest.raises(ConfigError, match="noize"):
        load_config(path)


def test_limits_out_of_order_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "x"\nlimits = { lo = 5.0, hi = 4.0 }\n')
    with pytest.raises(ConfigError, match=r"lo .5. must be below hi .4."):
        load_config(path)


def test_toml_syntax_error_has_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "x\n')
    with pytest.raises(ConfigError, match="line 2"):
        load_config(path)


def test_relative_log_dir_is_relative_to_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[monitor]\nlog_dir = "here"\n')
    assert load_config(path).monitor.log_dir == tmp_path / "here"


def test_check_config_prints_problems_and_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "x"\ninterval = "fast"\n')
    result = subprocess.run([sys.executable, "-m", "sensortop", "check-config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "field 'interval'" in result.stderr and "must be a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_record_with_bad_config_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[[sensors]]\n")
    result = subprocess.run([sys.executable, "-m", "sensortop", "record", "--config", str(path),
                             "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "field 'id'" in result.stderr and "is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_save_round_trips_and_keeps_comments(tmp_path: Path) -> None:
    path = write(tmp_path, """# plant notes stay here
[monitor]
history = 50 # keep this comment

[[sensors]]
id = "kept" # a comment on a sensor nobody changed
units = "bar"
""")
    config = load_config(path)
    new = make_sensor({"id": "added", "units": "°C", "interval": 0.25, "setpoint": 3.0})
    save_sensors(path, [*config.sensors, new])
    text = path.read_text(encoding="utf-8")
    assert "# plant notes stay here" in text and "# keep this comment" in text
    assert "# a comment on a sensor nobody changed" in text
    reloaded = load_config(path)
    assert [s.to_toml_dict() for s in reloaded.sensors] == \
        [s.to_toml_dict() for s in [*config.sensors, new]]
    assert reloaded.monitor.history == 50


def test_rules_spanning_several_kind_fields_are_config_errors(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "cmd"\nkind = "command"\n'
                           'argv = ["echo", "1"]\ncommand = "echo 2"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "sensors[0] 'cmd'" in text and "argv" in text and "command" in text
