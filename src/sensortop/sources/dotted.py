"""Pick a number out of a JSON document by a dotted path such as ``data.temp`` or ``items.0.value``.

Shared by the sources that receive JSON (``http``, ``mqtt``) so both explain a
missing key or a non-number in the same words.
"""

from __future__ import annotations

import math
from typing import Any

from sensortop.sources.base import SourceError


def pick(document: Any, path: str) -> Any:
    """Return the value at ``path`` (empty path: the whole document); SourceError when absent."""
    value = document
    walked: list[str] = []
    for part in [p for p in path.split(".") if p] if path else []:
        walked.append(part)
        if isinstance(value, dict):
            if part not in value:
                keys = ", ".join(map(str, list(value)[:8])) or "none"
                raise SourceError(f"no key {part!r} at '{'.'.join(walked)}' (keys there: {keys})")
            value = value[part]
        elif isinstance(value, list):
            try:
                index = int(part)
            except ValueError:
                raise SourceError(
                    f"'{'.'.join(walked)}': {part!r} is not a list index") from None
            if not -len(value) <= index < len(value):
                raise SourceError(
                    f"'{'.'.join(walked)}': index {index} out of range (list of {len(value)})")
            value = value[index]
        else:
            raise SourceError(
                f"'{'.'.join(walked)}': cannot look up {part!r} in a {type(value).__name__}")
    return value


def to_number(value: Any, where: str = "value") -> float:
    """Turn a JSON scalar (number, numeric string, bool) into a finite float; SourceError else."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise SourceError(f"{where} is not a number: {value[:60]!r}") from None
    elif value is None:
        raise SourceError(f"{where} is null")
    else:
        raise SourceError(f"{where} is not a number: a {type(value).__name__}")
    if math.isnan(number):
        raise SourceError(f"{where} is NaN")
    return number


def number_at(document: Any, path: str) -> float:
    """``to_number(pick(document, path))`` with the path named in the error."""
    return to_number(pick(document, path), f"value at {path!r}" if path else "value")
