"""Theme files and the remembered theme choice.

Themes are data: TOML files with Textual's ``Theme`` fields, read at start
from the repository's ``themes/`` folder and from the user's own
``<config dir>/sensortop/themes/``, so a user drops a file in to add one. A
bad file is reported and skipped, never fatal. The chosen theme's name is kept
in ``<config dir>/sensortop/dashboard.toml`` (platformdirs; honours
``XDG_CONFIG_HOME``).
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomlkit
from textual.theme import Theme

log = logging.getLogger(__name__)

DEFAULT_THEME = "control-room"
COLOR_KEYS = ("primary", "secondary", "warning", "error", "success", "accent",
              "foreground", "background", "surface", "panel", "boost")


def config_dir() -> Path:
    return platformdirs.user_config_path("sensortop", appauthor=False)


def theme_dirs() -> list[Path]:
    """Where theme files are looked for: the shipped folder, then the user's own."""
    checkout = Path(__file__).resolve().parents[3] / "themes"
    installed = Path(sys.prefix) / "share" / "sensortop" / "themes"
    shipped = checkout if checkout.is_dir() else installed
    return [shipped, config_dir() / "themes"]


@dataclass(frozen=True, slots=True)
class ThemeProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def parse_theme(path: Path) -> Theme:
    """One theme file -> Theme; ValueError saying what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read it: {exc}") from None
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("needs a name = \"...\"")
    if not isinstance(data.get("primary"), str):
        raise ValueError("needs a primary = \"#rrggbb\" colour")
    unknown = set(data) - {"name", "dark", "variables", *COLOR_KEYS}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    colors = {k: data[k] for k in COLOR_KEYS if k in data}
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("variables must be a table")
    theme = Theme(name=name, dark=bool(data.get("dark", True)),
                  variables={str(k): str(v) for k, v in variables.items()}, **colors)
    try:
        theme.to_color_system()  # parses every colour: a typo is caught here
    except Exception as exc:  # Textual raises several colour errors
        raise ValueError(f"bad colour: {exc}") from None
    return theme


def load_themes(dirs: list[Path] | None = None) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every ``*.toml`` theme in ``dirs`` (later folders override earlier names)."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in dirs if dirs is not None else theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = parse_theme(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems


class ThemeChoice:
    """Remembers the chosen theme between runs in a small TOML state file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "dashboard.toml"

    def load(self) -> str | None:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return None
        name = data.get("theme")
        return name if isinstance(name, str) else None

    def save(self, name: str) -> None:
        """Write atomically (temp file + rename): a crash never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = tomlkit.document()
        doc.add(tomlkit.comment("sensortop dashboard state; safe to delete"))
        doc.add("theme", name)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
        os.replace(tmp, self.path)
