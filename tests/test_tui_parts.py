"""The dashboard's small parts: sparklines, chart gaps, theme files, the remembered choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensortop.tui.chart import MAX_SEGMENTS, chart_segments
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


def test_chart_breaks_its_line_where_nothing_good_was_measured() -> None:
    ts = np.arange(20, dtype=float)  # one reading a second
    values = np.arange(20, dtype=float)
    values[5:9] = np.nan  # four failed reads in a row: a gap
    values[12] = np.nan  # one failed read: no gap
    ts = np.concatenate((ts, [40.0, 41.0]))  # paused for 19 s
    values = np.concatenate((values, [1.0, 2.0]))
    segments = chart_segments(ts, values, interval=1.0)
    assert [s.tolist() for s in segments] == [
        [0, 1, 2, 3, 4], [9, 10, 11, 13, 14, 15, 16, 17, 18, 19], [20, 21]]


def test_chart_keeps_only_the_longest_gaps_when_there_are_many() -> None:
    ts = np.cumsum(np.where(np.arange(200) % 2 == 0, 1.0, 10.0))  # a gap at every other step
    ts[100] += 500.0  # the longest gap of all
    segments = chart_segments(ts, np.ones(200), interval=1.0)
    assert len(segments) == MAX_SEGMENTS
    assert sum(len(s) for s in segments) == 200
    assert any(s[0] == 100 for s in segments)
