"""Typed field declarations shared by the config validator and the add-sensor form.

A source kind lists its own fields as ``Field`` objects; the validator checks a
TOML table against them and the dashboard builds its form from the same list,
so a field is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED: Any = object()
"""Sentinel default: the field must be given."""


@dataclass(frozen=True, slots=True)
class Field:
    """One configurable field: its name, type, default and a hint for the user."""

    name: str
    type: type  # float, int, str, bool, list (of str) or dict
    default: Any = REQUIRED
    help: str = ""
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    optional: bool = False  # None is an accepted value

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def coerce(self, raw: Any) -> Any:
        """Return ``raw`` checked and converted to this field's type; raise ValueError."""
        if raw is None and self.optional:
            return None
        value = _coerce_type(self.type, raw)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}; got {raw!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None:
                if self.exclusive_minimum and value <= self.minimum:
                    raise ValueError(f"must be greater than {self.minimum:g}; got {raw!r}")
                if not self.exclusive_minimum and value < self.minimum:
                    raise ValueError(f"must be at least {self.minimum:g}; got {raw!r}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"must be at most {self.maximum:g}; got {raw!r}")
        return value

    def parse_text(self, text: str) -> Any:
        """Convert what a user typed into a form field (an empty box means the default)."""
        text = text.strip()
        if text == "":
            if self.required:
                raise ValueError("is required")
            return self.default
        if self.type is bool:
            lowered = text.lower()
            if lowered in {"true", "yes", "on", "1"}:
                return True
            if lowered in {"false", "no", "off", "0"}:
                return False
            raise ValueError(f"must be yes or no; got {text!r}")
        if self.type is list:
            return self.coerce([part.strip() for part in text.split(",") if part.strip()])
        if self.type is dict:
            raise ValueError("tables can only be set in the config file")
        if self.type in (int, float):
            try:
                number = self.type(text)
            except ValueError:
                raise ValueError(f"must be a number; got {text!r}") from None
            return self.coerce(number)
        return self.coerce(text)


def _coerce_type(kind: type, raw: Any) -> Any:
    if kind is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"must be a number; got {raw!r}")
        return float(raw)
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"must be a whole number; got {raw!r}")
        return raw
    if kind is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"must be true or false; got {raw!r}")
        return raw
    if kind is str:
        if not isinstance(raw, str):
            raise ValueError(f"must be a string; got {raw!r}")
        return raw
    if kind is list:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ValueError(f"must be a list of strings; got {raw!r}")
        return list(raw)
    if kind is dict:
        if not isinstance(raw, dict):
            raise ValueError(f"must be a table; got {raw!r}")
        return dict(raw)
    raise TypeError(f"unsupported field type {kind!r}")
