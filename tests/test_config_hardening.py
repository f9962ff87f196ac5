"""Config values and files that are not what they seem: each gets a located error.

README "Configuration": every number finite and within range, a config file is a
regular UTF-8 file of at most 4 MB, ids are whole matches of [a-z0-9_]{1,64}.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from sensortop.config.files import MAX_CONFIG_BYTES
from sensortop.config.kinds import BUILTIN_KINDS, source_class
from sensortop.config.loader import (
    LIMIT_FIELDS,
    MONITOR_FIELDS,
    SENSOR_FIELDS,
    load_config,
    make_sensor,
    parse_config,
)
from sensortop.config.problems import ConfigError
from sensortop.model.specs import SensorSpec
from sensortop.sampling.engine import Engine

# The fields each kind needs before any other field can be judged.
MINIMAL: dict[str, dict[str, Any]] = {
    "simulated": {},
    "system": {},
    "http": {"url": "http://127.0.0.1:9/x"},
    "command": {"argv": ["true"]},
    "mqtt": {"topic": "plant/a"},
    "modbus": {"host": "127.0.0.1", "address": 0},
    "opcua": {"endpoint": "opc.tcp://127.0.0.1:4840/", "node": "ns=2;i=2"},
    "visa": {"resource": "TCPIP0::127.0.0.1::5025::SOCKET", "query": "MEAS?"},
}


def write(tmp_path: Path, text: str, name: str = "plant.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(data: dict[str, Any]) -> list[str]:
    _, problems = parse_config(data, "plant.toml")
    return [str(p) for p in problems]


def number_fields() -> list[tuple[str, str, type]]:
    """(where, field name, type) of every number field of every kind and table."""
    found = [("monitor", f.name, f.type) for f in MONITOR_FIELDS if f.type in (int, float)]
    found += [("sensor", f.name, f.type) for f in SENSOR_FIELDS if f.type in (int, float)]
    found += [("limits", f.name, f.type) for f in LIMIT_FIELDS]
    for kind in BUILTIN_KINDS:
        found += [(kind, f.name, f.type) for f in source_class(kind).FIELDS
                  if f.type in (int, float)]
    return found


def place(where: str, name: str, value: Any) -> dict[str, Any]:
    """A document with ``value`` in field ``name`` of table ``where``, all else valid."""
    if where == "monitor":
        return {"monitor": {name: value}, "sensors": [{"id": "a"}]}
    sensor: dict[str, Any] = {"id": "a"}
    if where == "limits":
        sensor["limits"] = {name: value}
    elif where == "sensor":
        sensor[name] = value
    else:
        sensor.update(kind=where, **MINIMAL[where])
        sensor[name] = value
    return {"sensors": [sensor]}


def test_the_minimal_tables_are_valid() -> None:
    for kind in BUILTIN_KINDS:
        assert problems_of(place(kind, "units", "x")) == [], kind


@pytest.mark.parametrize(("where", "name", "kind"), number_fields(),
                         ids=[f"{w}.{n}" for w, n, _ in number_fields()])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e300, 10**400])
def test_every_number_field_refuses_nan_infinity_and_absurd_sizes(
        where: str, name: str, kind: type, bad: float) -> None:
    if kind is int and isinstance(bad, float):
        bad = 10**30  # TOML has no integer NaN; an absurd integer stands in
    problems = problems_of(place(where, name, bad))
    assert len(problems) == 1, problems
    field = f"limits.{name}" if where == "limits" else name
    assert f"field '{field}'" in problems[0]
    assert "finite" in problems[0] or "at most" in problems[0] or "at least" in problems[0]
    assert "plant.toml" in problems[0]


def test_nan_interval_in_a_file_fails_check_with_file_sensor_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "a"\ninterval = nan\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert str(problem) == (f"{path}: sensors[0] 'a': field 'interval': must be a finite "
                            "number; got nan (hint: seconds between readings)")


def test_rotate_mb_nan_and_timeout_nan_are_config_errors(tmp_path: Path) -> None:
    path = write(tmp_path, '[monitor]\nrotate_mb = nan\n[[sensors]]\nid = "a"\n'
                           'timeout = nan\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    fields = sorted(p.field or "" for p in info.value.problems)
    assert fields == ["rotate_mb", "timeout"]


def test_the_add_form_refuses_nan_and_infinity_typed_as_text() -> None:
    interval = next(f for f in SENSOR_FIELDS if f.name == "interval")
    for text in ("nan", "inf", "-inf", "1e999"):
        with pytest.raises(ValueError, match="finite"):
            interval.parse_text(text)


def test_a_nul_in_any_string_is_refused_with_its_field() -> None:
    problems = problems_of({"monitor": {"log_dir": "a\0b"},
                            "sensors": [{"id": "c", "kind": "command",
                                         "argv": ["echo", "x\0y"]}]})
    assert len(problems) == 2
    assert "field 'log_dir'" in problems[0] and "NUL" in problems[0]
    assert "field 'argv'" in problems[1] and "NUL" in problems[1]


def test_an_id_with_a_trailing_newline_is_not_valid() -> None:
    (problem,) = problems_of({"sensors": [{"id": "abc\n"}]})
    assert "field 'id'" in problem and "not a valid id" in problem
    assert "\n" not in problem  # the message stays on one line


def test_an_id_longer_than_64_characters_is_not_valid() -> None:
    assert problems_of({"sensors": [{"id": "a" * 64}]}) == []
    (problem,) = problems_of({"sensors": [{"id": "a" * 65}]})
    assert "not a valid id" in problem


def test_history_above_a_million_points_is_refused_saying_the_memory() -> None:
    (problem,) = problems_of({"monitor": {"history": 10_000_000}, "sensors": [{"id": "a"}]})
    assert "field 'history'" in problem and "at most 1000000" in problem
    assert "16 MB" in problem


def test_history_times_sensors_is_capped_at_1_gb() -> None:
    sensors = [{"id": f"s{i}"} for i in range(80)]
    (problem,) = problems_of({"monitor": {"history": 1_000_000}, "sensors": sensors})
    assert "field 'history'" in problem
    assert "1,000,000 points x 80 sensors" in problem and "the cap is 1,000 MB" in problem
    assert problems_of({"monitor": {"history": 1_000_000}, "sensors": sensors[:50]}) == []


def test_cross_field_rules_are_reported_alongside_other_field_errors() -> None:
    problems = problems_of({"sensors": [{"id": "c", "kind": "command", "interval": -1,
                                         "argv": ["a"], "command": "b"}]})
    assert len(problems) == 2
    assert "field 'interval'" in problems[0]
    assert "exactly one of argv" in problems[1]


def test_a_cross_field_rule_is_skipped_when_a_field_it_involves_is_invalid() -> None:
    problems = problems_of({"sensors": [{"id": "c", "kind": "command", "command": 5}]})
    assert len(problems) == 1 and "field 'command'" in problems[0]


@pytest.mark.parametrize("command", ["echo 'abc", 'echo "abc', "echo abc\\"])
def test_a_command_with_an_unbalanced_quote_fails_validation(command: str) -> None:
    (problem,) = problems_of({"sensors": [{"id": "c", "kind": "command",
                                           "command": command}]})
    assert "command cannot be split into arguments" in problem


def test_a_shell_command_with_an_unbalanced_quote_fails_but_a_quoted_comment_does_not() -> None:
    (problem,) = problems_of({"sensors": [{"id": "c", "kind": "command", "shell": True,
                                           "command": "echo 'abc | wc"}]})
    assert "not valid shell" in problem
    assert problems_of({"sensors": [{"id": "c", "kind": "command", "shell": True,
                                     "command": "echo 1 # don't mind me"}]}) == []


def test_a_command_of_only_spaces_has_no_program() -> None:
    (problem,) = problems_of({"sensors": [{"id": "c", "kind": "command", "command": "  "}]})
    assert "no program" in problem


def test_an_empty_config_has_no_sensors_for_check_and_record(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing yet\n")
    assert load_config(path).sensors == []  # the dashboard may start empty
    with pytest.raises(ConfigError, match="no sensors"):
        load_config(path, need_sensors=True)
    with pytest.raises(ConfigError, match="no sensors"):
        load_config(write(tmp_path, "sensors = []\n", "b.toml"), need_sensors=True)


def test_deeply_nested_arrays_are_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sensors]]\nid = "a"\nsetpoint = ' + "[" * 600 + "]" * 600 + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "nested too deeply" in str(info.value) and str(path) in str(info.value)


def test_deeply_nested_inline_tables_are_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "x = " + "{a = " * 400 + "1" + "}" * 400 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


def test_a_value_nested_a_little_deep_is_shown_short() -> None:
    value: Any = 1
    for _ in range(200):
        value = [value]
    (problem,) = problems_of({"sensors": [{"id": "a", "setpoint": value}]})
    assert "must be a number" in problem and len(problem) < 300


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(device)


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_config(fifo)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(30)
    if thread.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("load_config blocked on a FIFO")
    assert isinstance(outcome[0], ConfigError) and "not a regular file" in str(outcome[0])


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_a_file_over_4_mb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(ConfigError, match="larger than 4 MB"):
        load_config(path)


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[[sensors]]\nid = "a"\nunits = "\xb0C"\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(line 3"):
        load_config(path)


def test_an_empty_log_dir_is_refused() -> None:
    (problem,) = problems_of({"monitor": {"log_dir": "  "}, "sensors": [{"id": "a"}]})
    assert "field 'log_dir'" in problem and "empty" in problem


def test_a_key_with_control_characters_is_shown_escaped_on_one_line() -> None:
    (problem,) = problems_of({"sensors": [{"id": "a", "bad\nkey": 1}]})
    assert "bad\\nkey" in problem and "\n" not in problem


@pytest.mark.parametrize("bad", [math.nan, math.inf, 0.0, -1.0])
@pytest.mark.parametrize("name", ["interval", "timeout"])
def test_the_engine_refuses_a_spec_whose_timing_would_spin(name: str, bad: float) -> None:
    spec = make_sensor({"id": "a"})
    setattr(spec, name, bad)
    engine = Engine()
    with pytest.raises(ValueError, match=f"{name} must be a positive, finite number"):
        engine.add(spec)
    assert engine.sensors == {}


def test_the_engine_accepts_an_ordinary_spec() -> None:
    engine = Engine()
    engine.add(SensorSpec(id="a", interval=0.5, timeout=0.5))
    assert list(engine.sensors) == ["a"]


@pytest.mark.parametrize(("options", "message"), [
    ({"url": "ftp://host/x"}, "url must be http://host/"),
    ({"url": "http://"}, "url must be http://host/"),
    ({"url": "http://h/x", "headers": {"A": {"b": 1}}}, "headers.A must be a string"),
    ({"url": "http://h/x", "headers": {"A": "x\r\nInjected: 1"}}, "must be on one line"),
])
def test_http_settings_every_read_would_fail_on_are_found_by_check(
        options: dict[str, Any], message: str) -> None:
    (problem,) = problems_of({"sensors": [{"id": "h", "kind": "http", **options}]})
    assert message in problem and "sensors[0] 'h'" in problem


def test_duplicate_ids_are_reported_with_both_places() -> None:
    (problem,) = problems_of({"sensors": [{"id": "a"}, {"id": "b"}, {"id": "a"}]})
    assert "sensors[2] 'a'" in problem and "also used by sensors[0]" in problem


def test_a_deadband_as_wide_as_the_normal_band_is_refused() -> None:
    (problem,) = problems_of({"sensors": [{"id": "a", "limits": {"lo": 0, "hi": 1,
                                                                 "deadband": 1}}]})
    assert "field 'limits.deadband'" in problem and "smaller than hi - lo (1)" in problem
    assert problems_of({"sensors": [{"id": "a", "limits": {"lo": 0, "hi": 1,
                                                           "deadband": 0.5}}]}) == []


@pytest.mark.parametrize("name", ["name", "units"])
def test_a_label_with_a_line_break_is_refused(name: str) -> None:
    (problem,) = problems_of({"sensors": [{"id": "a", name: "two\nlines"}]})
    assert f"field '{name}'" in problem and "one line" in problem


@pytest.mark.parametrize(("kind", "options", "message"), [
    ("opcua", {"endpoint": "http://127.0.0.1:4840/", "node": "ns=2;i=2"},
     "endpoint must be opc.tcp://"),
    ("mqtt", {"topic": ""}, "topic must not be empty"),
    ("mqtt", {"topic": "plant/#/temp"}, "not a valid MQTT filter"),
    ("mqtt", {"topic": "plant/te+mp"}, "not a valid MQTT filter"),
])
def test_peer_addresses_every_connect_would_fail_on_are_found_by_check(
        kind: str, options: dict[str, Any], message: str) -> None:
    table = {"id": "p", "kind": kind, **MINIMAL[kind], **options}
    (problem,) = problems_of({"sensors": [table]})
    assert message in problem


def test_valid_mqtt_filters_pass() -> None:
    for topic in ("plant/+/temp", "plant/#", "#", "a/b/c"):
        assert problems_of(place("mqtt", "topic", topic)) == [], topic
