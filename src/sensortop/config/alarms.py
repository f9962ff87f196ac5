"""``[sensors.alarms]`` -> ``AlarmsSpec``, every problem located like any other field.

Fields are named as the README writes them (``alarms.rate.window``), so
``check-config`` and the add form point at the exact key. The cross-field rules
(a deviation alarm needs a setpoint, a level's own table needs that limit) are here
too, next to the fields they join.
"""

from __future__ import annotations

from typing import Any

from sensortop.config.fields import Field
from sensortop.config.problems import Problem
from sensortop.model.alarm_specs import (
    LEVELS,
    AlarmRule,
    AlarmsSpec,
    BadQualityRule,
    DeviationRule,
    FlatlineRule,
    RateRule,
    StaleRule,
)
from sensortop.model.alarms import Priority
from sensortop.model.specs import Limits

PRIORITIES = tuple(p.value for p in Priority)
DAY = 86_400.0
MAX_SHELVE = 30 * DAY

COMMON_FIELDS: tuple[Field, ...] = (
    Field("priority", str, None, "low, medium, high or critical", choices=PRIORITIES,
          optional=True),
    Field("on_delay", float, None, "seconds past the limit before the alarm raises",
          minimum=0.0, maximum=DAY, optional=True),
    Field("off_delay", float, None, "seconds back inside before the alarm clears",
          minimum=0.0, maximum=DAY, optional=True),
    Field("latch", bool, None, "hold the alarm after it clears until the operator resets it",
          optional=True),
    Field("realarm", float, None, "re-announce an acknowledged alarm still active after "
          "this many seconds (0: never)", minimum=0.0, maximum=30 * DAY, optional=True),
)
TABLE_FIELDS: tuple[Field, ...] = (
    *COMMON_FIELDS,
    Field("shelve_max", float, 3600.0, "the longest shelve an operator may choose, seconds",
          minimum=1.0, maximum=MAX_SHELVE),
    *(Field(k.value, dict, None, f"the {k.value} level's own priority, delays, latch",
            optional=True) for k in LEVELS),
    Field("rate", dict, None, "rate of change: { max, per = \"s\" | \"min\", window }",
          optional=True),
    Field("deviation", dict, None, "deviation from the setpoint: { max }", optional=True),
    Field("stale", dict, None, "no good reading for { after } seconds", optional=True),
    Field("flatline", dict, None, "values within { within } for { after } seconds",
          optional=True),
    Field("bad_quality", dict, None, "{ after } failed reads in a row", optional=True),
)
KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "rate": (Field("max", float, help="the rate that raises it, in units per `per`",
                   minimum=0.0, exclusive_minimum=True),
             Field("per", str, "s", "s or min", choices=("s", "min")),
             Field("window", float, 10.0, "seconds the rate is averaged over",
                   minimum=0.0, exclusive_minimum=True, maximum=DAY)),
    "deviation": (Field("max", float, help="how far from the setpoint raises it",
                        minimum=0.0, exclusive_minimum=True),),
    "stale": (Field("after", float, help="seconds without a good reading", minimum=0.0,
                    exclusive_minimum=True, maximum=30 * DAY),),
    "flatline": (Field("after", float, help="seconds the value must stay flat",
                       minimum=0.0, exclusive_minimum=True, maximum=30 * DAY),
                 Field("within", float, 0.0, "how far apart flat values may be",
                       minimum=0.0)),
    "bad_quality": (Field("after", int, help="failed reads in a row", minimum=1,
                          maximum=1_000_000),),
}
RULE_TYPES: dict[str, type[AlarmRule]] = {
    "rate": RateRule, "deviation": DeviationRule, "stale": StaleRule,
    "flatline": FlatlineRule, "bad_quality": BadQualityRule,
}


def parse_alarms(raw: dict[str, Any] | None, file: str, where: str, problems: list[Problem],
                 setpoint: float | None, limits: Limits) -> AlarmsSpec:
    """Validate one sensor's ``alarms`` table; problems are appended, located."""
    if not raw:
        return AlarmsSpec()
    from sensortop.config.loader import check_fields  # the loader imports this module

    def check(table: dict[str, Any], fields: tuple[Field, ...], prefix: str) -> dict[str, Any]:
        found: list[Problem] = []
        values = check_fields(table, fields, file, where, found)
        problems.extend(Problem(p.file, p.where, f"{prefix}.{p.field}", p.message, p.hint)
                        for p in found)
        return values

    top = check(raw, TABLE_FIELDS, "alarms")
    spec = AlarmsSpec(shelve_max=top.get("shelve_max", 3600.0), **_common(top))
    for level in LEVELS:
        table = top.get(level.value)
        if table is None:
            continue
        values = check(table, COMMON_FIELDS, f"alarms.{level.value}")
        if getattr(limits, level.value) is None:
            problems.append(Problem(file, where, f"alarms.{level.value}",
                                    f"settings for the {level.value} alarm, but no "
                                    f"limits.{level.value}",
                                    f"set limits = {{ {level.value} = ... }} or remove this"))
        spec.levels[level] = AlarmRule(**_common(values))
    for name, rule_type in RULE_TYPES.items():
        table = top.get(name)
        if table is None:
            continue
        own = KIND_FIELDS[name]
        before = len(problems)
        values = check(table, COMMON_FIELDS + own, f"alarms.{name}")
        if len(problems) > before or any(f.required and f.name not in values for f in own):
            continue
        kind_values = {f.name: values.get(f.name, f.default) for f in own}
        setattr(spec, name, rule_type(**_common(values), **kind_values))
    if spec.deviation is not None and setpoint is None:
        problems.append(Problem(file, where, "alarms.deviation",
                                "a deviation alarm needs the sensor's setpoint",
                                "set setpoint = ... on the sensor"))
    return spec


def _common(values: dict[str, Any]) -> dict[str, Any]:
    """The shared settings (priority, delays, latch, realarm) given in ``values``."""
    out: dict[str, Any] = {}
    priority = values.get("priority")
    if priority is not None:
        out["priority"] = Priority(priority)
    for name in ("on_delay", "off_delay", "latch", "realarm"):
        if values.get(name) is not None:
            out[name] = values[name]
    return out

