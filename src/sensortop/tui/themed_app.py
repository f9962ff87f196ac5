"""The dashboard's theme handling, apart from its layout and keys.

Textual's built-in themes plus the theme files (``tui.themes``) are registered
at mount; the theme shown is ``--theme``, else the one remembered, else the
default. Only a choice made later (``t``, the palette) is remembered, off the
UI loop. See README "Themes". Split from ``tui/app.py`` to keep that module
readable in one sitting.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App

from sensortop.tui.themes import DEFAULT_THEME, ThemeChoice, load_themes


class ThemedApp(App[int]):
    """An app that applies sensortop's themes and remembers the operator's choice."""

    def __init__(self, *, theme: str | None = None, theme_choice: ThemeChoice | None = None,
                 theme_dirs: list[Path] | None = None) -> None:
        super().__init__()
        self.requested_theme = theme
        self.theme_choice = theme_choice or ThemeChoice()
        self.theme_dirs = theme_dirs
        self._saved_theme: str | None = None

    def _apply_themes(self) -> None:
        themes, problems = load_themes(self.theme_dirs)
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(f"theme file skipped: {problem}", severity="warning", timeout=8)
        wanted = self.requested_theme or self.theme_choice.load() or DEFAULT_THEME
        if wanted not in self.available_themes:
            self.notify(f"no theme named {wanted!r}; choose one with t", severity="warning")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        # Only a choice made later (t, the palette) is remembered; --theme is for this run.
        self._saved_theme = wanted
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        if self.theme != self._saved_theme:
            self._saved_theme = self.theme
            self._remember_theme(self.theme)

    @work(thread=True, group="state", exit_on_error=False)
    def _remember_theme(self, name: str) -> None:
        try:
            self.theme_choice.save(name)
        except OSError as exc:
            self.call_from_thread(self.notify, f"cannot remember the theme: {exc}",
                                  severity="warning")


__all__ = ["ThemedApp"]
