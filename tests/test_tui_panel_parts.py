"""The panel's parts without an app: numbers to fit, cut text, sparkline scale and
marks, the status line by width, readings/s, and the grid's shape."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from sensortop.tui.formatting import ELLIPSIS, fit_text, format_rate, format_value, stats_line
from sensortop.tui.sparkline import GAP, scale_range, sparkline_view
from sensortop.tui.widgets.sensor_grid import PANEL_HEIGHT, grid_shape
from sensortop.tui.widgets.status_line import StatusFields, StatusLine, status_text

NUMBER = re.compile(r"^-?(\d+)(?:\.(\d+))?(?:e(-?\d+))?$")


def _last_digit(text: str) -> Fraction:
    """The place value of the last digit shown: ``23.4`` -> 1/10, ``1.2e5`` -> 10**4."""
    match = NUMBER.match(text)
    assert match, f"{text!r} is not a plain number"
    decimals = len(match.group(2) or "")
    exponent = int(match.group(3) or 0)
    return Fraction(10) ** (exponent - decimals)


# -- numbers ----------------------------------------------------------------------------

@settings(derandomize=True, max_examples=2000, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), width=st.integers(1, 24))
def test_a_number_never_takes_more_than_its_width(value: float, width: int) -> None:
    text = format_value(value, width)
    assert 1 <= len(text) <= width
    assert not text.endswith(".") and "e+" not in text


@settings(derandomize=True, max_examples=2000, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False), width=st.integers(7, 24))
def test_a_fitted_number_is_the_value_rounded_to_its_last_digit(value: float,
                                                                width: int) -> None:
    """From 7 cells every finite float fits (``-1e-300``), never as ``…``, and what is
    shown is the value to within half a unit of the last digit shown."""
    text = format_value(value, width)
    assert text != ELLIPSIS
    error = abs(Fraction(text) - Fraction(value))
    assert error <= _last_digit(text) / 2
    if value != 0:
        assert Fraction(text) != 0  # a tiny value is never shown as 0


@settings(derandomize=True, max_examples=500, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), width=st.integers(1, 24))
def test_a_number_that_fits_is_shown_as_it_would_be_with_room(value: float,
                                                              width: int) -> None:
    full = format_value(value)
    if len(full) <= width:
        assert format_value(value, width) == full


def test_numbers_lose_digits_not_their_point_in_a_narrow_space() -> None:
    assert format_value(23.46, 4) == "23.5"  # not "23."
    assert format_value(0.73, 3) == "0.7"
    assert format_value(0.73, 4) == "0.73"
    assert format_value(9.99, 3) == "10"
    assert format_value(123456.0, 5) == "1.2e5"
    assert format_value(-1e-300, 7) == "-1e-300"
    assert format_value(-1e-300, 6) == ELLIPSIS
    assert format_value(0.0004, 4) == "4e-4"


def test_nothing_and_infinities_have_their_own_marks() -> None:
    assert format_value(None) == format_value(math.nan, 3) == "—"
    assert format_value(math.inf, 3) == "∞" and format_value(-math.inf) == "-∞"
    assert format_value(-0.0) == "0.000"


def test_stats_in_a_34_cell_panel_fit_without_a_dangling_point() -> None:
    assert stats_line(21.37, 25.91, 23.46, 30) == "min 21.37 max 25.91 mean 23.46"
    assert stats_line(21.37, 25.91, 23.46, 28) == "min 21.4 max 25.9 mean 23.5"
    assert stats_line(0.71, 0.75, 0.73, 27) == "min 0.71 max 0.75 mean 0.73"
    assert stats_line(0.71, 0.75, 0.73, 24) == "min 0.7 max 0.8 mean 0.7"


def test_stats_keep_every_decimal_when_there_is_room() -> None:
    assert stats_line(21.37, 25.91, 23.45, 60) == "min 21.37  max 25.91  mean 23.45"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(text=st.text(min_size=0, max_size=60), width=st.integers(1, 40))
def test_cut_text_ends_in_an_ellipsis(text: str, width: int) -> None:
    out = fit_text(text, width)
    assert cell_len(out) <= width
    if cell_len(text) <= width:
        assert out == text
    else:
        assert out.endswith(ELLIPSIS) and text.startswith(out[:-1].rstrip())


def test_an_error_cut_to_a_panel_says_it_was_cut() -> None:
    assert fit_text("no CPU temperature sensor on this machine", 30) == \
        "no CPU temperature sensor on…"


def test_rate_has_one_decimal_below_ten_per_second() -> None:
    assert [format_rate(r) for r in (0.0, 4.63, 9.94, 12.4, 1250.2)] == \
        ["0.0", "4.6", "9.9", "12", "1,250"]


# -- sparkline scale and marks ---------------------------------------------------------------

def test_a_small_wiggle_does_not_fill_the_sparkline() -> None:
    values = 25.0 + 0.01 * np.sin(np.arange(30))  # 0.02 °C of noise at 25 °C
    view = sparkline_view(values, 30, rows=2)
    assert view.high is not None and view.low is not None
    assert view.high - view.low >= 0.01 * 25.0 * 0.999
    assert "█" not in view.rows[0]  # nothing reaches the top


def test_a_large_excursion_fills_the_sparkline() -> None:
    values = np.linspace(20.0, 50.0, 30)
    view = sparkline_view(values, 30, rows=2)
    assert (view.low, view.high) == (20.0, 50.0)
    assert view.rows[0][-1] == "█" and view.rows[1][0] == "▁"


def test_the_setpoint_is_always_in_the_scale_and_marked() -> None:
    view = sparkline_view(np.linspace(10.0, 12.0, 20), 20, rows=3, setpoint=20.0)
    assert view.high == 20.0
    assert view.marks == {0: "setpoint"}


def test_a_limit_is_marked_in_the_row_it_falls_in_and_only_in_view() -> None:
    view = sparkline_view(np.linspace(0.0, 100.0, 40), 40, rows=4,
                          limits={"lo": -50.0, "hi": 75.0, "hihi": 200.0})
    # 75 is 3/4 of the way up a 4-row scale: the second row from the top.
    assert view.marks == {1: "hi"}


def test_the_most_severe_mark_wins_a_shared_row() -> None:
    view = sparkline_view(np.linspace(0.0, 100.0, 40), 40, rows=2, setpoint=90.0,
                          limits={"hi": 95.0, "hihi": 99.0})
    assert view.marks == {0: "hihi"}


def test_a_band_between_limits_sets_the_least_span() -> None:
    assert scale_range(20.0, 20.0, limits={"lo": 10.0, "hi": 30.0}) == (19.0, 21.0)


def test_failed_reads_are_reported_by_column_after_padding() -> None:
    view = sparkline_view(np.array([1.0, np.nan, 2.0, np.inf]), 8, rows=2)
    assert view.gaps.tolist() == [5, 7]
    assert view.rows[1][5] == GAP and view.rows[1][7] == GAP
    assert all(len(row) == 8 for row in view.rows)


def test_nothing_good_in_view_has_no_scale() -> None:
    view = sparkline_view(np.full(5, np.nan), 10, rows=2, setpoint=3.0)
    assert view.low is None and view.high is None and view.marks == {}
    assert view.rows[1].endswith(GAP * 5)


# -- status line ----------------------------------------------------------------------------

FIELDS = StatusFields("/var/log/sensortop/sensortop-20261125-121500.jsonl", 4.6, 0, None, 4)


def _plain(fields: StatusFields, width: int) -> str:
    return "".join(text for text, _ in status_text(fields, width))


def test_status_line_keeps_the_sensor_count_at_every_width() -> None:
    for width in range(9, 200):
        text = _plain(FIELDS, width)
        assert len(text) <= width and text.endswith("4 sensors"), (width, text)


def test_status_line_shortens_the_log_path_before_dropping_fields() -> None:
    assert _plain(FIELDS, 78) == \
        "log sensortop-20261125-121500.jsonl │ 4.6 readings/s │ backlog 0 │ 4 sensors"


def test_status_line_keeps_a_recorder_error_and_the_count() -> None:
    fields = StatusFields(FIELDS.path, 4.6, 12, "disk full: [Errno 28] No space left", 1)
    for width in range(30, 200):
        text = _plain(fields, width)
        assert len(text) <= width and text.startswith("RECORDER ERROR: ")
        assert text.endswith("1 sensor"), (width, text)


def test_readings_per_second_is_steady_for_a_steady_stream() -> None:
    status = StatusLine()
    rates = []
    for frame in range(4 * 60):  # a frame every 0.25 s for a minute
        now = frame / 4
        rates.append(status.measure_rate(now, int(now * 4.6)))  # 4.6 readings/s
    settled = rates[4 * 10:]
    assert min(settled) >= 4.45 and max(settled) <= 4.75


def test_readings_per_second_follows_a_change_within_the_window() -> None:
    status = StatusLine()
    total = 0
    for frame in range(4 * 30):
        total += 5 if frame < 4 * 15 else 10  # 20/s, then 40/s
        rate = status.measure_rate(frame / 4, total)
    assert rate == 40.0


# -- grid shape -------------------------------------------------------------------------------

def test_two_sensors_on_a_wide_screen_are_two_full_width_rows() -> None:
    assert grid_shape(2, 106, 41) == (1, 2)


def test_four_sensors_on_a_big_screen_are_a_two_by_two_block() -> None:
    assert grid_shape(4, 166, 56) == (2, 2)


def test_many_sensors_take_every_column_and_scroll() -> None:
    assert grid_shape(500, 198, 56) == (5, 100)
    assert grid_shape(40, 78, 20) == (2, 20)


def test_the_grid_never_has_more_rows_than_fit_when_it_need_not_scroll() -> None:
    for count in range(1, 30):
        for width, height in ((78, 20), (98, 26), (106, 41), (166, 56)):
            columns, rows = grid_shape(count, width, height)
            assert columns * rows >= count and columns <= max(1, width // 36)
            if rows * PANEL_HEIGHT <= height:
                assert (rows - 1) * columns < count  # no empty row


@settings(derandomize=True, max_examples=300, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50),
       width=st.integers(1, 40), rows=st.integers(1, 6),
       setpoint=st.none() | st.floats(-1e6, 1e6))
def test_any_history_draws_rows_of_the_width_with_marks_inside(
        values: list[float], width: int, rows: int, setpoint: float | None) -> None:
    view = sparkline_view(np.array(values, dtype=float), width, rows, setpoint=setpoint,
                          limits={"lo": -1.0, "hi": 1.0})
    assert len(view.rows) == rows and all(len(row) == width for row in view.rows)
    assert all(0 <= row < rows for row in view.marks)
    if view.low is not None and view.high is not None:
        assert view.low <= view.high
