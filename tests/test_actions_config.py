"""``[[actions]]`` validation: located problems for every bad field, ``check-config`` style."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sensortop.config.loader import load_config
from sensortop.config.problems import ConfigError
from sensortop.model.actions import ActionKind
from sensortop.model.alarms import EventKind, Priority

SENSOR = '[[sensors]]\nid = "t"\n'


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.toml"
    path.write_text(text + "\n" + SENSOR)  # a bare key after [[sensors]] would be its
    return load_config(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return [str(p).split(": ", 1)[1] for p in info.value.problems]


def test_every_kind_loads_with_its_defaults(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "page"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    config = load(tmp_path, f"""
[[actions]]
kind = "bell"
[[actions]]
kind = "notify"
on = ["raise", "clear"]
priority = ["critical"]
title = "Plant 4"
[[actions]]
kind = "command"
argv = ["bin/page", "--team", "night; rm -rf /"]
sensors = ["t"]
timeout = 2.5
[[actions]]
kind = "command"
argv = ["{Path(sys.executable).name}"]
[[actions]]
kind = "webhook"
url = "https://hooks.example.com/a?k=secret"
headers = {{ Authorization = "Bearer x" }}
""")
    bell, notify, page, on_path, hook = config.actions
    assert (bell.kind, bell.on, bell.priority) == (ActionKind.BELL, {EventKind.RAISE},
                                                   set(Priority))
    assert notify.on == {EventKind.RAISE, EventKind.CLEAR} and notify.title == "Plant 4"
    assert notify.priority == {Priority.CRITICAL}
    assert page.argv == (str(script), "--team", "night; rm -rf /")  # relative to the file
    assert page.sensors == {"t"} and page.timeout == 2.5
    assert Path(on_path.argv[0]).is_absolute()  # found on PATH once, at load
    assert (hook.timeout, hook.retries, hook.backoff) == (5.0, 2, 1.0)
    assert hook.headers == {"Authorization": "Bearer x"}
    assert hook.label == "actions[4] (webhook https://hooks.example.com/a)"  # no secrets


def test_problems_are_located_and_all_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, """
[[actions]]
kind = "command"
argv = ["no-such-program-here"]
on = ["raise", "boom"]
url = "https://x"
[[actions]]
kind = "webhook"
url = "ftp://x"
retries = -1
headers = { "A:b" = "c" }
[[actions]]
kind = "belll"
[[actions]]
kind = "notify"
priority = []
[[actions]]
on = ["raise"]
[[actions]]
kind = "command"
argv = []
timeout = 0
""")
    assert found == [
        "actions[0] (command): field 'url': unknown key (hint: allowed: kind, on, priority, "
        "sensors, argv, timeout)",
        "actions[0] (command): field 'on': unknown value 'boom' (hint: one or more of raise, "
        "clear, realarm, ack, shelve, unshelve, reset, out_of_service, in_service)",
        "actions[0] (command): field 'argv': no program 'no-such-program-here' that can be "
        "run (hint: an executable file: a path (relative to the config file) or a name on "
        "PATH)",
        "actions[1] (webhook): field 'retries': must be at least 0; got -1 (hint: extra "
        "attempts after a failed one)",
        "actions[1] (webhook): field 'url': not an http(s) URL: 'ftp://x' (hint: e.g. "
        "https://hooks.example.com/alarms)",
        "actions[1] (webhook): field 'headers': 'A:b': a header name and value are one line "
        "of printable text, and a name has no ':'",
        "actions[2]: field 'kind': must be one of bell, notify, command, webhook; got 'belll' "
        "(hint: what the action does: bell, notify, command, webhook)",
        "actions[3] (notify): field 'priority': must not be empty (hint: one or more of low, "
        "medium, high, critical)",
        "actions[4]: field 'kind': is required (hint: what the action does: bell, notify, "
        "command, webhook)",
        "actions[5] (command): field 'timeout': must be greater than 0; got 0 (hint: seconds "
        "one attempt may take before it is killed or abandoned)",
        "actions[5] (command): field 'argv': must name a program (hint: e.g. argv = "
        "[\"/usr/local/bin/page-operator\"])",
    ]


def test_actions_must_be_an_array_of_tables(tmp_path: Path) -> None:
    assert problems(tmp_path, 'actions = "bell"\n') == [
        "top level: field 'actions': must be an array of tables (hint: write each action "
        "as [[actions]])"]
    assert problems(tmp_path, "actions = [1]\n") == ["actions[0]: must be a table"]


def test_a_file_that_is_not_executable_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert problems(tmp_path, '[[actions]]\nkind = "command"\nargv = ["./notes.txt"]\n') == [
        "actions[0] (command): field 'argv': no program './notes.txt' that can be run (hint: "
        "an executable file: a path (relative to the config file) or a name on PATH)"]


def test_sensors_must_be_the_configs_own(tmp_path: Path) -> None:
    assert problems(tmp_path, '[[actions]]\nkind = "bell"\nsensors = ["t", "tt", "zzz"]\n') == [
        "actions[0] (bell): field 'sensors': no sensor 'tt' in this config (hint: did you "
        "mean 't'?)",
        "actions[0] (bell): field 'sensors': no sensor 'zzz' in this config (hint: the ids "
        "of [[sensors]] tables)"]
