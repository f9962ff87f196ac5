"""The dashboard's small parts: sparkline strings, theme files, the remembered choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensortop.tui.sparkline import GAP, sparkline_rows
from sensortop.tui.themes import ThemeChoice, load_themes, theme_dirs


def test_sparkline_is_one_string_per_row_of_the_given_width() -> None:
    rows = sparkline_rows(np.linspace(0, 1, 100), 30, rows=2)
    assert len(rows) == 2 and all(len(row) == 30 for row in rows)
    assert rows[0][-1] == "█" and rows[1][0] == "▁"


def test_sparkline_marks_failed_reads_and_pads_short_history() -> None:
    (row,) = sparkline_rows(np.array([1.0, np.nan, 2.0]), 6)
    assert row == "   ▁" + GAP + "█"


def test_sparkline_of_a_constant_signal_is_a_flat_line() -> None:
    (row,) = sparkline_rows(np.full(5, 7.0), 5)
    assert len(set(row)) == 1


def test_shipped_themes_load_without_problems() -> None:
    themes, problems = load_themes([theme_dirs()[0]])
    names = {theme.name for theme in themes}
    assert {"control-room", "high-contrast-light"} <= names
    assert problems == []


def test_a_bad_theme_file_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text('name = "typo"\nprimary = "#12345G"\n')
    (tmp_path / "nameless.toml").write_text('primary = "#123456"\n')
    (tmp_path / "good.toml").write_text('name = "mine"\nprimary = "#123456"\n')
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"]
    assert sorted(p.path.name for p in problems) == ["nameless.toml", "typo.toml"]


def test_theme_choice_is_kept_under_xdg_config_home(tmp_path: Path) -> None:
    choice = ThemeChoice()
    choice.save("high-contrast-light")
    assert ThemeChoice().load() == "high-contrast-light"
    assert "xdg-config" in str(choice.path)
