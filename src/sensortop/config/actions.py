"""``[[actions]]`` tables -> ``ActionSpec``: every problem located, like a sensor's fields.

Each kind takes its own keys (a ``url`` on a ``command`` is a typo, reported as an
unknown key); ``on`` and ``priority`` list the event kinds and priorities it
answers. A program's path is checked here, once, so a typo is found by
``check-config`` and not on the first alarm at 3 a.m.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sensortop.config.fields import Field, show
from sensortop.config.loader import check_fields
from sensortop.config.problems import Problem
from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import EventKind, Priority

_KINDS = tuple(k.value for k in ActionKind)
_EVENTS = tuple(k.value for k in EventKind)
_PRIORITIES = tuple(p.value for p in Priority)
MAX_TIMEOUT = 3600.0

COMMON_FIELDS: tuple[Field, ...] = (
    Field("kind", str, help=f"what the action does: {', '.join(_KINDS)}", choices=_KINDS),
    Field("on", list, ["raise"], f"the alarm events it answers: {', '.join(_EVENTS)}"),
    Field("priority", list, list(_PRIORITIES),
          f"the priorities it answers (default all): {', '.join(_PRIORITIES)}"),
    Field("sensors", list, None, "only these sensors' alarms (default every sensor)",
          optional=True),
)
_TIMEOUT = Field("timeout", float, 5.0, "seconds one attempt may take before it is "
                 "killed or abandoned", minimum=0.0, exclusive_minimum=True,
                 maximum=MAX_TIMEOUT)
KIND_FIELDS: dict[ActionKind, tuple[Field, ...]] = {
    ActionKind.BELL: (),
    ActionKind.NOTIFY: (Field("title", str, "sensortop", "the notification's title",
                              one_line=True),),
    ActionKind.COMMAND: (
        Field("argv", list, help="the program and its fixed arguments, e.g. "
              "[\"/usr/local/bin/page-operator\", \"--team\", \"night\"]; never a shell"),
        _TIMEOUT,
    ),
    ActionKind.WEBHOOK: (
        Field("url", str, help="http:// or https:// URL the event is POSTed to as JSON",
              one_line=True),
        _TIMEOUT,
        Field("retries", int, 2, "extra attempts after a failed one", minimum=0, maximum=10),
        Field("backoff", float, 1.0, "seconds before the first retry, doubled after each",
              minimum=0.0, maximum=600.0),
        Field("headers", dict, {}, "extra request headers, e.g. { Authorization = \"...\" }"),
    ),
}


def parse_actions(raw: Any, file: str, base_dir: Path | None, problems: list[Problem],
                  sensor_ids: set[str] | None = None) -> list[ActionSpec]:
    """Validate the top-level ``actions`` value; bad tables add problems and are left out.

    ``sensor_ids``: the config's sensors; an action's ``sensors`` must name them (a typo
    would otherwise make an action that never runs)."""
    if not isinstance(raw, list):
        problems.append(Problem(file, "top level", "actions", "must be an array of tables",
                                "write each action as [[actions]]"))
        return []
    actions = []
    for index, table in enumerate(raw):
        spec = _parse_action(table, index, file, base_dir, problems, sensor_ids)
        if spec is not None:
            actions.append(spec)
    return actions


def _parse_action(table: Any, index: int, file: str, base_dir: Path | None,
                  problems: list[Problem], sensor_ids: set[str] | None) -> ActionSpec | None:
    where = f"actions[{index}]"
    if not isinstance(table, dict):
        problems.append(Problem(file, where, None, "must be a table"))
        return None
    before = len(problems)
    kind_field = COMMON_FIELDS[0]
    try:
        kind = ActionKind(kind_field.coerce(table["kind"])) if "kind" in table else None
    except ValueError as exc:
        problems.append(Problem(file, where, "kind", str(exc), kind_field.help))
        return None
    if kind is None:
        problems.append(Problem(file, where, "kind", "is required", kind_field.help))
        return None
    where = f"{where} ({kind.value})"
    fields = COMMON_FIELDS + KIND_FIELDS[kind]
    values = {f.name: f.default for f in fields if not f.required}
    values |= check_fields(table, fields, file, where, problems)
    on = _members(values["on"], _EVENTS, file, where, "on", problems)
    priority = _members(values["priority"], _PRIORITIES, file, where, "priority", problems)
    argv = tuple(values.get("argv", ()))
    if kind is ActionKind.COMMAND and "argv" in values:
        argv = _check_argv(argv, base_dir, file, where, problems)
    url = values.get("url", "")
    if kind is ActionKind.WEBHOOK and "url" in values:
        _check_url(url, file, where, problems)
    headers = values.get("headers", {})
    _check_headers(headers, file, where, problems)  # before the early return: all at once
    sensors = values.get("sensors")
    for sensor in sensors or ():
        if sensor_ids is not None and sensor not in sensor_ids:
            close = difflib.get_close_matches(sensor, sorted(sensor_ids), n=1)
            problems.append(Problem(file, where, "sensors", f"no sensor {show(sensor)} in "
                                    "this config", f"did you mean '{close[0]}'?" if close
                                    else "the ids of [[sensors]] tables"))
    if len(problems) > before:
        return None
    return ActionSpec(
        kind=kind, index=index,
        on=frozenset(EventKind(e) for e in on), priority=frozenset(Priority(p) for p in priority),
        sensors=frozenset(sensors) if sensors is not None else None,
        argv=argv, url=url, timeout=values.get("timeout", _TIMEOUT.default),
        retries=values.get("retries", 0), backoff=values.get("backoff", 0.0),
        title=values.get("title", ""), headers=dict(headers))


def _members(items: list[str], allowed: tuple[str, ...], file: str, where: str,
             name: str, problems: list[Problem]) -> list[str]:
    if not items:
        problems.append(Problem(file, where, name, "must not be empty",
                                f"one or more of {', '.join(allowed)}"))
    for item in items:
        if item not in allowed:
            problems.append(Problem(file, where, name, f"unknown value {show(item)}",
                                    f"one or more of {', '.join(allowed)}"))
    return items


def _check_argv(argv: tuple[str, ...], base_dir: Path | None, file: str, where: str,
                problems: list[Problem]) -> tuple[str, ...]:
    """The program resolved to a path that exists and may be run; its arguments as given."""
    if not argv or not argv[0].strip():
        problems.append(Problem(file, where, "argv", "must name a program",
                                "e.g. argv = [\"/usr/local/bin/page-operator\"]"))
        return argv
    program = argv[0]
    if os.sep in program:
        path = Path(program).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        found = str(path) if os.access(path, os.X_OK) and path.is_file() else None
    else:
        found = shutil.which(program)
    if found is None:
        problems.append(Problem(file, where, "argv",
                                f"no program {show(program)} that can be run",
                                "an executable file: a path (relative to the config file) "
                                "or a name on PATH"))
        return argv
    return (found, *argv[1:])


def _check_url(url: str, file: str, where: str, problems: list[Problem]) -> None:
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        problems.append(Problem(file, where, "url", f"not a URL: {exc}"))
        return
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        problems.append(Problem(file, where, "url", f"not an http(s) URL: {show(url)}",
                                "e.g. https://hooks.example.com/alarms"))


def _check_headers(headers: dict[str, Any], file: str, where: str,
                   problems: list[Problem]) -> None:
    for key, value in headers.items():
        if not isinstance(value, str):
            problems.append(Problem(file, where, "headers", f"{show(key)} must be a string; "
                                    f"got {show(value)}"))
        elif not (key.isprintable() and value.isprintable()) or ":" in key or not key:
            problems.append(Problem(file, where, "headers",
                                    f"{show(key)}: a header name and value are one line of "
                                    "printable text, and a name has no ':'"))
