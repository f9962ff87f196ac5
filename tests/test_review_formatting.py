"""The cell text ``sensortop review`` and the review screen share (review/formatting.py)."""

from __future__ import annotations

from sensortop.review.formatting import alarm_text, duration, number, short_time


def test_number_keeps_six_significant_digits_and_shows_a_dash_for_none() -> None:
    assert number(151.23456789) == "151.235"
    assert number(0.0) == "0"
    assert number(None) == "-"


def test_short_time_is_utc_to_the_second() -> None:
    assert short_time(1_795_528_987.512) == "2026-11-24 14:03:07"


def test_duration_picks_its_unit_by_size() -> None:
    assert [duration(s) for s in (4.25, 45, 720, 12_600, 181_440)] == \
        ["4.2s", "45s", "12m", "3.5h", "2.1d"]


def test_alarm_text_lists_only_the_non_normal_states_with_time() -> None:
    assert alarm_text({"normal": 900.0, "hi": 720.0, "hihi": 30.0, "lo": 0.0}) == "hi 12m hihi 30s"
    assert alarm_text({"normal": 900.0}) == "-"
