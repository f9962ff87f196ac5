"""The plain data types a config describes: what to read, how often, and the limits.

The bottom layer: it imports only the model's own modules, so the config loader, the
sources, the engine and the dashboard can all share these types without one
importing another. Validation lives in ``sensortop.config.loader``; a value built
here directly is trusted as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sensortop.model.actions import ActionSpec
from sensortop.model.alarm_specs import AlarmsSpec


@dataclass(slots=True)
class Limits:
    """Alarm limits; any may be None. ``deadband`` is the hysteresis to clear an alarm."""

    lolo: float | None = None
    lo: float | None = None
    hi: float | None = None
    hihi: float | None = None
    deadband: float = 0.0

    def to_dict(self) -> dict[str, float]:
        out = {k: getattr(self, k) for k in ("lolo", "lo", "hi", "hihi")}
        result: dict[str, float] = {k: v for k, v in out.items() if v is not None}
        if self.deadband:
            result["deadband"] = self.deadband
        return result


@dataclass(slots=True)
class SensorSpec:
    """Everything the engine needs to poll one sensor."""

    id: str
    name: str = ""
    kind: str = "simulated"
    units: str = ""
    group: str = ""
    """A label shared by related sensors: the table's collapsible groups, the grid's
    sections (README "Configuration"); empty for none."""
    interval: float = 1.0
    timeout: float = 1.0
    retries: int = 0
    setpoint: float | None = None
    limits: Limits = field(default_factory=Limits)
    alarms: AlarmsSpec = field(default_factory=AlarmsSpec)
    """The ``[sensors.alarms]`` table: priorities, delays, latching and the other kinds."""
    options: dict[str, Any] = field(default_factory=dict)
    """Kind-specific fields, already validated against the kind's FIELDS."""
    base_dir: Path | None = field(default=None, compare=False)
    """The config file's folder: relative paths in ``options`` are relative to it."""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.id

    def to_toml_dict(self, option_defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The table that ``load_config`` would turn back into this spec.

        Options that are None, or equal to their default in ``option_defaults``
        (the kind's field defaults, which the config layer knows), are left out.
        """
        defaults = option_defaults or {}
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "units": self.units,
            "interval": self.interval,
            "timeout": self.timeout,
        }
        if self.group:
            out["group"] = self.group
        if self.retries:
            out["retries"] = self.retries
        if self.setpoint is not None:
            out["setpoint"] = self.setpoint
        limits = self.limits.to_dict()
        if limits:
            out["limits"] = limits
        out.update({k: v for k, v in self.options.items()
                    if v is not None and (k not in defaults or v != defaults[k])})
        alarms = self.alarms.to_dict()
        if alarms:  # last: in TOML a sub-table follows the sensor's own keys
            out["alarms"] = alarms
        return out


@dataclass(slots=True)
class MonitorSpec:
    """The ``[monitor]`` table."""

    log_dir: Path = Path("logs")
    history: int = 600
    rotate_mb: float = 100.0
    title: str = ""
    keep_jsonl_days: float = 7.0  # README "Archives and retention"
    retain_days: float | None = None
    retain_gb: float | None = None
    retain_events_days: float | None = None


@dataclass(slots=True)
class OutputSpec:
    """One ``[[outputs]]`` table: its kind and the rest of its keys, as written.

    The kind's own fields are checked by the sinks layer, which knows the kinds
    (``sensortop.sinks.registry.check_outputs``); the config layer checks the shape.
    """

    kind: str
    options: dict[str, Any]
    index: int
    file: str = "<config>"
    base_dir: Path | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """The table's place in messages; an odd kind is shown escaped and cut."""
        kind = self.kind if self.kind.isprintable() and len(self.kind) <= 64 \
            else ascii(self.kind[:64])
        return f"outputs[{self.index}]" + (f" ({kind})" if self.kind else "")


@dataclass(slots=True)
class Config:
    """A loaded config: where it came from, the monitor settings, the sensors, the outputs."""

    path: Path | None
    monitor: MonitorSpec
    sensors: list[SensorSpec]
    outputs: list[OutputSpec] = field(default_factory=list)
    """Empty: the one JSON Lines log to [monitor] log_dir (README "Outputs")."""
    actions: list[ActionSpec] = field(default_factory=list)
    """What to do on alarm events (README "Actions")."""

    @property
    def name(self) -> str:
        if self.monitor.title:
            return self.monitor.title
        return self.path.stem if self.path else "sensortop"
