"""What a sensor's ``[sensors.alarms]`` table says (README "Alarms"), as plain data.

Kept apart from the lifecycle (``sampling.lifecycle``) and from validation
(``config.alarms``): the loader builds these, the engine reads them, the
writer turns them back into TOML. A value built here directly is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from sensortop.model.alarms import AlarmKind, Priority

LEVELS = (AlarmKind.LOLO, AlarmKind.LO, AlarmKind.HI, AlarmKind.HIHI)
DEFAULT_PRIORITY: dict[AlarmKind, Priority] = {
    AlarmKind.LOLO: Priority.HIGH, AlarmKind.LO: Priority.MEDIUM,
    AlarmKind.HI: Priority.MEDIUM, AlarmKind.HIHI: Priority.HIGH,
    AlarmKind.RATE: Priority.MEDIUM, AlarmKind.DEVIATION: Priority.LOW,
    AlarmKind.STALE: Priority.MEDIUM, AlarmKind.FLATLINE: Priority.MEDIUM,
    AlarmKind.BAD_QUALITY: Priority.MEDIUM,
}
"""An alarm's priority when neither its own table nor ``[sensors.alarms]`` names one:
the outer levels (lolo, hihi) high, the inner ones and most health alarms medium,
deviation from the setpoint low."""


@dataclass(slots=True, frozen=True, kw_only=True)
class AlarmRule:
    """One alarm's own settings; None means "as ``[sensors.alarms]`` says"."""

    priority: Priority | None = None
    on_delay: float | None = None
    off_delay: float | None = None
    latch: bool | None = None
    realarm: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The inline table that would give this rule back (only what was set)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.value if isinstance(value, Priority) else value
        return out


@dataclass(slots=True, frozen=True, kw_only=True)
class RateRule(AlarmRule):
    """|change| per ``per`` ("s" or "min"), averaged over ``window`` seconds, at least ``max``."""

    max: float
    per: str = "s"
    window: float = 10.0


@dataclass(slots=True, frozen=True, kw_only=True)
class DeviationRule(AlarmRule):
    """|value - setpoint| at least ``max`` (cleared ``deadband`` inside it)."""

    max: float


@dataclass(slots=True, frozen=True, kw_only=True)
class StaleRule(AlarmRule):
    """No good reading for ``after`` seconds."""

    after: float


@dataclass(slots=True, frozen=True, kw_only=True)
class FlatlineRule(AlarmRule):
    """Good values within ``within`` of each other for ``after`` seconds: a stuck transmitter."""

    after: float
    within: float = 0.0


@dataclass(slots=True, frozen=True, kw_only=True)
class BadQualityRule(AlarmRule):
    """``after`` failed reads (timeout or error) in a row."""

    after: int


class Effective(NamedTuple):
    """One alarm's settings with the sensor's defaults filled in: what the lifecycle uses."""

    priority: Priority
    on_delay: float
    off_delay: float
    latch: bool
    realarm: float
    """Seconds; 0 never re-alarms."""


KIND_RULES = ("rate", "deviation", "stale", "flatline", "bad_quality")


@dataclass(slots=True)
class AlarmsSpec:
    """The ``[sensors.alarms]`` table: defaults for every alarm of the sensor, and the kinds."""

    priority: Priority | None = None
    on_delay: float = 0.0
    off_delay: float = 0.0
    latch: bool = False
    realarm: float = 0.0
    shelve_max: float = 3600.0
    levels: dict[AlarmKind, AlarmRule] = field(default_factory=dict)
    """Per-level settings (lolo, lo, hi, hihi); the limits themselves stay in ``limits``."""
    rate: RateRule | None = None
    deviation: DeviationRule | None = None
    stale: StaleRule | None = None
    flatline: FlatlineRule | None = None
    bad_quality: BadQualityRule | None = None

    def rule(self, kind: AlarmKind) -> AlarmRule | None:
        if kind in LEVELS:
            return self.levels.get(kind)
        rule: AlarmRule | None = getattr(self, kind.value)
        return rule

    def effective(self, kind: AlarmKind) -> Effective:
        """``kind``'s settings: its own where given, else this table's, else the defaults."""
        rule = self.rule(kind) or AlarmRule()
        return Effective(
            rule.priority or self.priority or DEFAULT_PRIORITY[kind],
            self.on_delay if rule.on_delay is None else rule.on_delay,
            self.off_delay if rule.off_delay is None else rule.off_delay,
            self.latch if rule.latch is None else rule.latch,
            self.realarm if rule.realarm is None else rule.realarm)

    def to_dict(self) -> dict[str, Any]:
        """The ``[sensors.alarms]`` table that gives this spec back; empty when all default."""
        default = AlarmsSpec()
        out: dict[str, Any] = {}
        if self.priority is not None:
            out["priority"] = self.priority.value
        for name in ("on_delay", "off_delay", "latch", "realarm", "shelve_max"):
            if getattr(self, name) != getattr(default, name):
                out[name] = getattr(self, name)
        for kind, rule in self.levels.items():
            if rule.to_dict():
                out[kind.value] = rule.to_dict()
        for name in KIND_RULES:
            rule = getattr(self, name)
            if rule is not None:
                out[name] = rule.to_dict()
        return out
