"""Typed field declarations shared by the config validator and the add-sensor form.

A source kind lists its own fields as ``Field`` objects; the validator checks a
TOML table against them and the dashboard builds its form from the same list,
so a field is declared once.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from typing import Any

REQUIRED: Any = object()
"""Sentinel default: the field must be given."""

FLOAT_BOUND = 1e15
"""A float field with no range of its own must lie within +-FLOAT_BOUND: beyond it a
number is a typo or an attack, and sums with it lose every digit that matters."""
INT_BOUND = 2**63 - 1
"""An int field with no range of its own must fit 64 bits (what TOML itself promises)."""
MAX_TEXT = 10_000
"""Characters a string (or one list item) may hold: a config value, not a file."""

_SHOW = reprlib.Repr()
_SHOW.maxstring = 60
_SHOW.maxother = 60
_SHOW.maxlevel = 3


def show(value: Any) -> str:
    """A short, one-line repr for messages: a 1 MB string or 1000-deep list stays short."""
    return _SHOW.repr(value)


def number_text(x: float) -> str:
    """A bound in words: 1000000 rather than 1e+06."""
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    return f"{x:g}"


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
    one_line: bool = False  # a label: no line breaks or other control characters

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def coerce(self, raw: Any) -> Any:
        """Return ``raw`` checked and converted to this field's type; raise ValueError."""
        if raw is None and self.optional:
            return None
        value = _coerce_type(self.type, raw)
        if self.one_line and isinstance(value, str) and not value.isprintable():
            raise ValueError(f"must be one line of printable text; got {show(raw)}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}; got {show(raw)}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            self._check_range(value, raw)
        return value

    def _check_range(self, value: float, raw: Any) -> None:
        """The field's own range, else the sane default bound for its type."""
        bound = FLOAT_BOUND if self.type is float else INT_BOUND
        low = self.minimum if self.minimum is not None else -bound
        high = self.maximum if self.maximum is not None else bound
        if self.minimum is not None and self.exclusive_minimum and value <= low:
            raise ValueError(f"must be greater than {number_text(low)}; got {show(raw)}")
        if value < low:
            raise ValueError(f"must be at least {number_text(low)}; got {show(raw)}")
        if value > high:
            raise ValueError(f"must be at most {number_text(high)}; got {show(raw)}")

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
            raise ValueError(f"must be yes or no; got {show(text)}")
        if self.type is list:
            return self.coerce([part.strip() for part in text.split(",") if part.strip()])
        if self.type is dict:
            raise ValueError("tables can only be set in the config file")
        if self.type in (int, float):
            try:
                number = self.type(text)
            except ValueError:
                raise ValueError(f"must be a number; got {show(text)}") from None
            return self.coerce(number)
        return self.coerce(text)


def _coerce_type(kind: type, raw: Any) -> Any:
    if kind is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"must be a number; got {show(raw)}")
        try:
            value = float(raw)
        except OverflowError:  # an int with hundreds of digits
            raise ValueError(f"must be a finite number; got {show(raw)}") from None
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number; got {show(raw)}")
        return value
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"must be a whole number; got {show(raw)}")
        return raw
    if kind is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"must be true or false; got {show(raw)}")
        return raw
    if kind is str:
        if not isinstance(raw, str):
            raise ValueError(f"must be a string; got {show(raw)}")
        _check_text(raw)
        return raw
    if kind is list:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ValueError(f"must be a list of strings; got {show(raw)}")
        if len(raw) > 1000:
            raise ValueError(f"must hold at most 1000 items; got {len(raw)}")
        for item in raw:
            _check_text(item)
        return list(raw)
    if kind is dict:
        if not isinstance(raw, dict):
            raise ValueError(f"must be a table; got {show(raw)}")
        return dict(raw)
    raise TypeError(f"unsupported field type {kind!r}")


def _check_text(text: str) -> None:
    """No NUL (no path, argument or header can hold one) and no megabyte values."""
    if "\0" in text:
        raise ValueError(f"must not contain a NUL character (\\0); got {show(text)}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT:,} characters; got {len(text):,}")
