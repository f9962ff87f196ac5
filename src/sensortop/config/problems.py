"""How a config's problems are reported: each with its file and place, all of them at once.

Apart from the loader because every stage raises them - reading the file, parsing
TOML, validating sensors, outputs' own checks (``sinks.registry``) - and each reports
in the same located form that ``check-config`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a config, and where."""

    file: str
    where: str  # "monitor", "sensors[2] 'reactor_temp'", "line 4, column 7", ...
    field: str | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}"
        if self.field:
            place += f": field '{printable(self.field)}'"
        text = f"{place}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class ConfigError(Exception):
    """A config that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def printable(text: str, limit: int = 200) -> str:
    """Text for a one-line message: control characters escaped, long text cut."""
    if text.isprintable() and len(text) <= limit:
        return text
    cut = text[:limit]
    shown = cut.encode("unicode_escape", "backslashreplace").decode("ascii")
    return shown + ("..." if len(text) > limit else "")


__all__ = ["ConfigError", "Problem", "printable"]
