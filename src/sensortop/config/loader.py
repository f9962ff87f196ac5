"""TOML config -> validated, typed specs; every problem reported with its place.

Unknown keys are errors (a typo must not silently do nothing); relative paths
are relative to the config file. ``ConfigError`` carries every problem found,
not just the first, so one run of ``check-config`` shows them all. Finding and
reading the file safely is ``config.files``; the problems' form is ``config.problems``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from sensortop.config.alarms import parse_alarms
from sensortop.config.fields import Field, show
from sensortop.config.files import parse_toml, read_config_text
from sensortop.config.kinds import KindUnavailable, kind_names, source_class
from sensortop.config.problems import ConfigError, Problem, printable
from sensortop.model.specs import Config, Limits, MonitorSpec, OutputSpec, SensorSpec

ID_PATTERN = re.compile(r"[a-z0-9_]{1,64}")
"""A whole id (``fullmatch``: a trailing newline is not part of a valid id)."""
HISTORY_POINT_BYTES = 16
"""Memory one history point costs per sensor: a float64 time and a float64 value."""
MAX_HISTORY = 1_000_000
"""Points per sensor: 16 MB of memory each, allocated at start."""
MAX_HISTORY_BYTES = 1_000_000_000
"""All sensors' history together (history x sensors x 16 bytes) stays within 1 GB."""


MONITOR_FIELDS: tuple[Field, ...] = (
    Field("log_dir", str, "logs", "folder for the JSON Lines logs, relative to the config file"),
    Field("history", int, 600, "points kept per sensor in memory (16 bytes each; at most "
          f"{MAX_HISTORY:,} points, {MAX_HISTORY * HISTORY_POINT_BYTES // 10**6} MB, per sensor)",
          minimum=2, maximum=MAX_HISTORY),
    Field("rotate_mb", float, 100.0, "start a new numbered log file past this size",
          minimum=0.001, maximum=1_000_000),
    Field("title", str, "", "title shown in the dashboard header", one_line=True),
    Field("keep_jsonl_days", float, 7.0, "days a JSON Lines log is kept once archived as "
          "Parquet (0: removed as soon as its archive is verified)", minimum=0.0,
          maximum=36_500),
    Field("retain_days", float, None, "days logs and archives are kept (default: forever)",
          minimum=0.0, exclusive_minimum=True, maximum=36_500, optional=True),
    Field("retain_gb", float, None, "GB the logs and archives may fill; the oldest go "
          "first (default: no limit)", minimum=0.0, exclusive_minimum=True,
          maximum=1_000_000, optional=True),
    Field("retain_events_days", float, None, "days alarm journals are kept "
          "(default: forever)", minimum=0.0, exclusive_minimum=True, maximum=36_500,
          optional=True),
)

SENSOR_FIELDS: tuple[Field, ...] = (
    Field("id", str, help="unique, lower case letters, digits and _ (used in the log)"),
    Field("name", str, "", "a label for the panel", one_line=True),
    Field("kind", str, "simulated", "which source reads it"),
    Field("units", str, "", "units shown and logged, e.g. °C", one_line=True),
    Field("group", str, "", "a section of the grid and table, e.g. Reactor", one_line=True),
    Field("interval", float, 1.0, "seconds between readings", minimum=0.001,
          maximum=86_400),
    Field("timeout", float, None, "seconds a read may take before it counts as a timeout",
          minimum=0.0, exclusive_minimum=True, maximum=86_400, optional=True),
    Field("retries", int, 0, "extra attempts after a failed read, within the interval",
          minimum=0, maximum=100),
    Field("setpoint", float, None, "target value (charts draw it)", optional=True),
    Field("limits", dict, None, "alarm limits: { lo, hi, lolo, hihi, deadband }",
          optional=True),
    Field("alarms", dict, None, "[sensors.alarms]: priorities, delays, latch, shelving and "
          "the rate, deviation, stale, flatline and bad_quality alarms", optional=True),
)
LIMIT_KEYS = ("lolo", "lo", "hi", "hihi", "deadband")
LIMIT_FIELDS: tuple[Field, ...] = (
    *(Field(k, float, None, f"alarm limit {k}", optional=True) for k in LIMIT_KEYS[:4]),
    Field("deadband", float, 0.0, "how far back past a limit a value must go to clear it",
          minimum=0.0),
)


def load_config(path: Path | str, *, need_sensors: bool = False) -> Config:
    """Read and validate ``path``; raise ConfigError listing every problem.

    ``need_sensors``: a config with no sensors at all is a problem too (``record`` and
    ``check-config``; the dashboard starts empty, since sensors can be added there).
    """
    path = Path(path)
    file = printable(str(path))
    text = read_config_text(path, file)
    data = parse_toml(text, file)
    config, problems = parse_config(data, file, base_dir=_absolute_parent(path))
    if need_sensors and "sensors" not in data and not problems:
        problems.append(Problem(file, "top level", None, "no sensors: there is nothing to read",
                                "add at least one [[sensors]] table with an id"))
    elif need_sensors and not problems and not config.sensors:
        problems.append(Problem(file, "top level", "sensors", "no sensors: the list is empty",
                                "add at least one [[sensors]] table with an id"))
    if problems:
        raise ConfigError(problems)
    config.path = path
    return config


def _absolute_parent(path: Path) -> Path:
    return path.absolute().parent


def parse_config(data: dict[str, Any], file: str,
                 base_dir: Path | None = None) -> tuple[Config, list[Problem]]:
    """Validate a parsed TOML document; return the config and the problems found."""
    problems: list[Problem] = []
    for key in data:
        if key not in ("monitor", "sensors", "outputs", "actions"):
            problems.append(Problem(file, "top level", key, "unknown key",
                                    "only [monitor], [[sensors]], [[outputs]] and [[actions]] "
                                    "are allowed"))
    monitor = _parse_monitor(data.get("monitor", {}), file, problems)
    if base_dir is not None and not monitor.log_dir.is_absolute():
        monitor.log_dir = base_dir / monitor.log_dir
    raw_sensors = data.get("sensors", [])
    sensors: list[SensorSpec] = []
    if not isinstance(raw_sensors, list):
        problems.append(Problem(file, "top level", "sensors", "must be an array of tables",
                                "write each sensor as [[sensors]]"))
        raw_sensors = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sensors):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str) and raw_id in seen:
            problems.append(Problem(file, _where(index, raw_id), "id",
                                    f"duplicate id, also used by sensors[{seen[raw_id]}]",
                                    "every sensor needs its own id"))
        elif isinstance(raw_id, str):
            seen[raw_id] = index
        spec = parse_sensor(raw, file, index, problems, base_dir)
        if spec is not None:
            sensors.append(spec)
    needed = monitor.history * len(raw_sensors) * HISTORY_POINT_BYTES
    if needed > MAX_HISTORY_BYTES:
        problems.append(Problem(
            file, "[monitor]", "history",
            f"{monitor.history:,} points x {len(raw_sensors):,} sensors x "
            f"{HISTORY_POINT_BYTES} bytes is {needed / 10**6:,.0f} MB of memory; "
            f"the cap is {MAX_HISTORY_BYTES // 10**6:,} MB",
            "keep fewer points per sensor; the log keeps everything anyway"))
    outputs = _parse_outputs(data.get("outputs", []), file, base_dir, problems)
    from sensortop.config.actions import parse_actions  # it uses check_fields from here

    actions = parse_actions(data.get("actions", []), file, base_dir, problems,
                            sensor_ids=set(seen))
    return Config(None, monitor, sensors, outputs, actions), problems


def _parse_outputs(raw: Any, file: str, base_dir: Path | None,
                   problems: list[Problem]) -> list[OutputSpec]:
    """The shape of ``[[outputs]]``: tables, each with a string ``kind``."""
    if not isinstance(raw, list):
        problems.append(Problem(file, "top level", "outputs", "must be an array of tables",
                                "write each output as [[outputs]]"))
        return []
    outputs = []
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            problems.append(Problem(file, f"outputs[{index}]", None, "must be a table"))
            continue
        kind = table.get("kind", "")  # a missing kind is reported with the kinds' fields
        if not isinstance(kind, str):
            problems.append(Problem(file, f"outputs[{index}]", "kind",
                                    f"must be a name; got {show(kind)}",
                                    "which output, e.g. kind = \"jsonl\" or \"mqtt\""))
            continue
        options = {k: v for k, v in table.items() if k != "kind"}
        outputs.append(OutputSpec(kind, options, index, file, base_dir))
    return outputs


def _parse_monitor(raw: Any, file: str, problems: list[Problem]) -> MonitorSpec:
    if not isinstance(raw, dict):
        problems.append(Problem(file, "top level", "monitor", "must be a table"))
        return MonitorSpec()
    values = check_fields(raw, MONITOR_FIELDS, file, "[monitor]", problems)
    log_dir = values.get("log_dir", "logs")
    if not log_dir.strip():
        problems.append(Problem(file, "[monitor]", "log_dir", "must not be empty",
                                "a folder name, e.g. logs"))
        log_dir = "logs"
    return MonitorSpec(
        log_dir=Path(log_dir).expanduser(),
        history=values.get("history", 600),
        rotate_mb=values.get("rotate_mb", 100.0),
        title=values.get("title", ""),
        keep_jsonl_days=values.get("keep_jsonl_days", 7.0),
        retain_days=values.get("retain_days"),
        retain_gb=values.get("retain_gb"),
        retain_events_days=values.get("retain_events_days"),
    )


def parse_sensor(raw: Any, file: str, index: int | None, problems: list[Problem],
                 base_dir: Path | None = None) -> SensorSpec | None:
    """Validate one sensor table; append problems and return None when it is unusable."""
    where = _where(index, raw.get("id") if isinstance(raw, dict) else None)
    if not isinstance(raw, dict):
        problems.append(Problem(file, where, None, "must be a table"))
        return None
    before = len(problems)
    kind = raw.get("kind", "simulated")
    kind_fields: tuple[Field, ...] = ()
    check_options = None
    kind_class: Any = None
    unavailable = False
    if isinstance(kind, str):
        try:
            kind_class = source_class(kind)
        except KeyError:
            pass  # an unknown kind: reported below, with the known ones
        except KindUnavailable as exc:
            problems.append(Problem(file, where, "kind", f"kind {kind!r} is not available: {exc}"))
            unavailable = True
    if kind_class is not None:
        kind_fields = kind_class.FIELDS
        check_options = getattr(kind_class, "check_options", None)
    elif not unavailable:
        problems.append(Problem(file, where, "kind", f"unknown kind {kind!r}",
                                f"one of: {', '.join(kind_names())}"))
    kind_ok = kind_class is not None
    allowed = SENSOR_FIELDS + kind_fields
    values = check_fields(raw, allowed, file, where, problems, check_unknown=kind_ok)
    sensor_id = values.get("id")
    if isinstance(sensor_id, str) and not ID_PATTERN.fullmatch(sensor_id):
        problems.append(Problem(file, where, "id", f"{show(sensor_id)} is not a valid id",
                                "1 to 64 lower case letters, digits and _, e.g. reactor_temp"))
    limits = _parse_limits(values.get("limits"), file, where, problems)
    alarms = parse_alarms(values.get("alarms"), file, where, problems,
                          values.get("setpoint"), limits)
    interval = values.get("interval", 1.0)
    timeout = values.get("timeout")
    if timeout is None:
        timeout = max(min(interval, 5.0), 0.001)
    options = {f.name: values[f.name] for f in kind_fields if f.name in values}
    for f in kind_fields:
        options.setdefault(f.name, f.default)
    own_names = {f.name for f in kind_fields}
    kind_fields_ok = not any(p.field in own_names for p in problems[before:])
    if check_options is not None and kind_fields_ok:
        # Rules that span several of the kind's fields: checked whenever those fields
        # are valid, even if others are not, so one run shows every problem.
        try:
            messages = list(check_options(options))
        except Exception as exc:  # a plugin kind's own check failing: say so, in place
            messages = [f"kind {kind!r} could not check its fields: "
                        f"{type(exc).__name__}: {exc}"]
        for message in messages:
            problems.append(Problem(file, where, None, str(message)))
    if len(problems) > before or not isinstance(sensor_id, str):
        return None
    return SensorSpec(
        id=sensor_id,
        name=values.get("name", "") or sensor_id,
        kind=kind,
        units=values.get("units", ""),
        group=values.get("group", "").strip(),
        interval=interval,
        timeout=timeout,
        retries=values.get("retries", 0),
        setpoint=values.get("setpoint"),
        limits=limits,
        alarms=alarms,
        options=options,
        base_dir=base_dir,
    )


def make_sensor(raw: dict[str, Any], file: str = "<new sensor>") -> SensorSpec:
    """Validate one sensor table from anywhere (the add-sensor form); ConfigError if bad."""
    problems: list[Problem] = []
    spec = parse_sensor(raw, file, None, problems)
    if problems or spec is None:
        raise ConfigError(problems)
    return spec


def _parse_limits(raw: dict[str, Any] | None, file: str, where: str,
                  problems: list[Problem]) -> Limits:
    if not raw:
        return Limits()
    found: list[Problem] = []
    values = check_fields(raw, LIMIT_FIELDS, file, where, found)
    for problem in found:  # name the field as the add form and the README do: limits.lo
        problems.append(Problem(problem.file, problem.where, f"limits.{problem.field}",
                                problem.message, problem.hint))
    limits = Limits(**{k: v for k, v in values.items() if v is not None})
    order = [(k, getattr(limits, k)) for k in ("lolo", "lo", "hi", "hihi")]
    present = [(k, v) for k, v in order if v is not None]
    in_order = True
    for (k1, v1), (k2, v2) in itertools.pairwise(present):
        if v1 >= v2:
            in_order = False
            problems.append(Problem(file, where, "limits",
                                    f"{k1} ({v1:g}) must be below {k2} ({v2:g})",
                                    "order is lolo < lo < hi < hihi"))
    low = next(((k, v) for k, v in present[::-1] if k in ("lo", "lolo")), None)
    high = next(((k, v) for k, v in present if k in ("hi", "hihi")), None)
    if in_order and low and high and limits.deadband >= high[1] - low[1]:
        # In alarm at hi, a value must fall below hi - deadband to clear: past lo it
        # would still show hi, hiding the low alarm.
        problems.append(Problem(
            file, where, "limits.deadband",
            f"{limits.deadband:g} must be smaller than {high[0]} - {low[0]} "
            f"({high[1] - low[1]:g}), or a value past {low[0]} still shows {high[0]}",
            "the deadband is a small margin for noise at one limit"))
    return limits


def check_fields(raw: dict[str, Any], fields: tuple[Field, ...], file: str, where: str,
                  problems: list[Problem], check_unknown: bool = True) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        spec = by_name.get(key)
        if spec is None:
            if check_unknown:
                close = closest(key[:100], by_name)
                hint = f"did you mean '{close}'?" if close else f"allowed: {', '.join(by_name)}"
                problems.append(Problem(file, where, key, "unknown key", hint))
            continue
        try:
            values[key] = spec.coerce(value)
        except ValueError as exc:
            problems.append(Problem(file, where, key, str(exc), spec.help))
    for spec in fields:
        if spec.required and spec.name not in values and spec.name not in raw:
            problems.append(Problem(file, where, spec.name, "is required", spec.help))
    return values


def closest(key: str, names: dict[str, Field]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return match[0] if match else None


def _where(index: int | None, sensor_id: Any) -> str:
    place = f"sensors[{index}]" if index is not None else "sensor"
    if isinstance(sensor_id, str) and sensor_id:
        place += f" '{printable(sensor_id, 64)}'"
    return place

