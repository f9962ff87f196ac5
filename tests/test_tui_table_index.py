"""The table view's rows: sorting by every column, filtering, groups and their counts.

Real sensors (an Engine's states, never started) with histories and readings
set here at fixed times; the index is what the table draws, so these tests
say which rows the operator sees, in which order (README "Table view").
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.model.specs import Limits, SensorSpec
from sensortop.sampling.engine import Engine
from sensortop.sampling.state import SensorState
from sensortop.tui.sparkline import sparkline_row, sparkline_view
from sensortop.tui.table.columns import (
    COLUMN_KEYS,
    COLUMNS,
    LEAST_WIDTH,
    SPARK_POINTS,
    column_widths,
    compact_age,
)
from sensortop.tui.table.index import GroupHeader, Line, TableIndex, TableQuery

T0 = 1_790_000_000.0
NOW = T0 + 1.0


def sensors(*specs: SensorSpec) -> list[SensorState]:
    return list(Engine(specs, history=50).sensors.values())


def read(state: SensorState, values: list[float | None], *, at: float = T0,
         status: Status = Status.OK, error: str | None = None) -> None:
    """Give a sensor readings one second apart ending at ``at``; the last one's status."""
    for n, value in enumerate(values):
        ts = at - (len(values) - 1 - n)
        state.history.append(ts, value)
        if value is not None:
            state.alarms.update(value)
        last = n == len(values) - 1
        state.last_reading = Reading(ts, state.id, value, state.spec.units,
                                     status if last else Status.OK, error if last else None,
                                     state.alarms.state)
        state.readings += 1


def ids(lines: list[Line]) -> list[str]:
    return [line.name if isinstance(line, GroupHeader) else line.spec.id for line in lines]


@pytest.fixture
def plant() -> list[SensorState]:
    """Six sensors covering every kind of value a column can hold, ties and gaps too."""
    rows = sensors(
        SensorSpec("a_temp", "Alpha temp", units="°C", interval=1.0,
                   limits=Limits(hi=50.0, hihi=80.0)),
        SensorSpec("b_flow", "bravo flow", units="L/min", interval=1.0),
        SensorSpec("c_new", "Charlie new", units="", interval=1.0),
        SensorSpec("d_press", "Delta press", units="bar", interval=1.0),
        SensorSpec("e_level", "echo level", units="%", interval=1.0, limits=Limits(lo=10.0)),
        SensorSpec("f_ph", "Foxtrot pH", units="pH", interval=1.0),
    )
    a, b, _c, d, e, f = rows
    read(a, [20.0, 40.0, 60.0])             # in a HI alarm, rising
    read(b, [5.0, 5.0, 4.0])                # falling
    # c_new: never read (waiting): every live column is missing
    read(d, [4.0, 5.0, 4.0], at=T0 - 30)    # ties b on value; no good reading for 31 s: stale
    read(e, [12.0, 8.0])                    # LO alarm
    read(f, [7.0, None], status=Status.ERROR, error="no answer")  # failing: no value now
    return rows


def key_of(column: str, state: SensorState) -> float | str | None:
    return next(c for c in COLUMNS if c.key == column).sort_key(state.view, NOW)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", COLUMN_KEYS)
def test_every_column_sorts_stably_with_missing_values_last(
        plant: list[SensorState], column: str, descending: bool) -> None:
    lines = TableIndex().build(plant, TableQuery(sort=column, descending=descending), NOW).lines
    order = [line for line in lines if not isinstance(line, GroupHeader)]
    assert sorted(ids(order)) == sorted(s.id for s in plant)  # every sensor, once
    keys = [key_of(column, state) for state in order]
    present = [k for k in keys if k is not None]
    assert keys[:len(present)] == present, "missing values come last"
    assert present == sorted(present, reverse=descending)  # type: ignore[type-var]
    position = {state.id: n for n, state in enumerate(plant)}
    for first, second in itertools.pairwise(order):
        if key_of(column, first) == key_of(column, second):  # ties (and missing) keep config order
            assert position[first.id] < position[second.id], (column, first.id, second.id)


def test_sorting_by_value_in_both_directions(plant: list[SensorState]) -> None:
    index = TableIndex()
    up = index.build(plant, TableQuery(sort="value"), NOW).lines
    down = index.build(plant, TableQuery(sort="value", descending=True), NOW).lines
    # b and d tie at 4.0 and keep config order both ways; c (never read) and f (its last
    # read failed: "—", as on its panel) have no value: last both ways, in config order.
    assert ids(up) == ["b_flow", "d_press", "e_level", "a_temp", "c_new", "f_ph"]
    assert ids(down) == ["a_temp", "e_level", "b_flow", "d_press", "c_new", "f_ph"]


def test_sorting_by_status_puts_the_worst_first_when_descending(
        plant: list[SensorState]) -> None:
    lines = TableIndex().build(plant, TableQuery(sort="status", descending=True), NOW).lines
    words = [line.view.status_word(NOW) for line in lines if not isinstance(line, GroupHeader)]
    assert words == ["alarm", "alarm", "error", "stale", "waiting", "ok"]


def test_sorting_by_name_ignores_case_and_by_alarm_leaves_quiet_sensors_last(
        plant: list[SensorState]) -> None:
    index = TableIndex()
    by_name = index.build(plant, TableQuery(sort="name"), NOW).lines
    assert ids(by_name) == ["a_temp", "b_flow", "c_new", "d_press", "e_level", "f_ph"]
    by_alarm = index.build(plant, TableQuery(sort="alarm", descending=True), NOW).lines
    assert ids(by_alarm)[:2] == ["a_temp", "e_level"]  # HI and LO rank alike: config order


def test_no_sort_is_config_order(plant: list[SensorState]) -> None:
    assert ids(TableIndex().build(plant, TableQuery(), NOW).lines) == [s.id for s in plant]


def test_filter_matches_every_word_in_id_name_units_or_group(plant: list[SensorState]) -> None:
    index = TableIndex()

    def shown(text: str) -> list[str]:
        return ids(index.build(plant, TableQuery(text=text), NOW).lines)

    assert shown("PRESS") == ["d_press"]            # the name, any case
    assert shown("l/min") == ["b_flow"]             # the units
    assert shown("e_") == ["e_level"]               # the id
    assert shown("°c alpha") == ["a_temp"]          # every word, anywhere
    assert shown("ph") == ["a_temp", "f_ph"]         # alPHa, and pH
    assert shown("nothing-like-it") == []
    assert shown("   ") == [s.id for s in plant]    # blank: everything


def test_only_alarms_and_only_failing(plant: list[SensorState]) -> None:
    index = TableIndex()
    alarms = index.build(plant, TableQuery(only_alarms=True), NOW)
    assert ids(alarms.lines) == ["a_temp", "e_level"]
    assert (alarms.shown, alarms.total) == (2, 6)
    failing = index.build(plant, TableQuery(only_failing=True), NOW)
    assert ids(failing.lines) == ["d_press", "f_ph"]  # stale and error
    both = index.build(plant, TableQuery(only_alarms=True, only_failing=True), NOW)
    assert ids(both.lines) == []
    with_text = index.build(plant, TableQuery(text="temp", only_alarms=True), NOW)
    assert ids(with_text.lines) == ["a_temp"]


def grouped_plant() -> list[SensorState]:
    rows = sensors(
        SensorSpec("r1", "R1", group="Reactor", limits=Limits(hi=10.0)),
        SensorSpec("u1", "U1", group="Utilities"),
        SensorSpec("x1", "X1"),
        SensorSpec("r2", "R2", group="Reactor"),
        SensorSpec("u2", "U2", group="Utilities"),
    )
    read(rows[0], [20.0])                                        # r1 in alarm
    read(rows[1], [1.0, None], status=Status.TIMEOUT, error="slow")  # u1 failing
    read(rows[3], [3.0])
    read(rows[4], [2.0])
    return rows


def test_groups_in_config_order_with_ungrouped_last_and_their_counts() -> None:
    rows = grouped_plant()
    lines = TableIndex().build(rows, TableQuery(), NOW).lines
    assert ids(lines) == ["Reactor", "r1", "r2", "Utilities", "u1", "u2", "", "x1"]
    headers = {line.name: line for line in lines if isinstance(line, GroupHeader)}
    assert (headers["Reactor"].sensors, headers["Reactor"].alarms,
            headers["Reactor"].failing) == (2, 1, 0)
    assert (headers["Utilities"].alarms, headers["Utilities"].failing) == (0, 1)
    assert headers[""].title == "(no group)"


def test_a_collapsed_group_keeps_its_header_and_counts_and_hides_its_rows() -> None:
    rows = grouped_plant()
    lines = TableIndex().build(rows, TableQuery(collapsed={"Reactor"}), NOW).lines
    assert ids(lines) == ["Reactor", "Utilities", "u1", "u2", "", "x1"]
    reactor = lines[0]
    assert isinstance(reactor, GroupHeader) and reactor.collapsed and reactor.alarms == 1


def test_sorting_applies_within_each_group() -> None:
    rows = grouped_plant()
    lines = TableIndex().build(rows, TableQuery(sort="value", descending=True), NOW).lines
    assert ids(lines) == ["Reactor", "r1", "r2", "Utilities", "u2", "u1", "", "x1"]


def test_filtering_hides_groups_without_a_match_and_counts_what_is_shown() -> None:
    rows = grouped_plant()
    built = TableIndex().build(rows, TableQuery(text="u"), NOW)  # U1, U2 and "Utilities"
    assert ids(built.lines) == ["Utilities", "u1", "u2"]
    header = built.lines[0]
    assert isinstance(header, GroupHeader) and (header.shown, header.sensors) == (2, 2)
    only = TableIndex().build(rows, TableQuery(text="reactor r2"), NOW).lines
    assert ids(only) == ["Reactor", "r2"]
    assert isinstance(only[0], GroupHeader) and (only[0].shown, only[0].sensors) == (1, 2)


def test_columns_fit_80_columns_and_share_spare_width() -> None:
    assert LEAST_WIDTH <= 79  # an 80-column terminal, less the scrollbar
    assert sum(column_widths(LEAST_WIDTH)) + len(COLUMNS) - 1 == LEAST_WIDTH
    middle = column_widths(100)  # spare width: a third to the name, the rest to the trend
    assert sum(middle) + len(COLUMNS) - 1 == 100
    assert middle[COLUMN_KEYS.index("name")] == 12 + 21 // 3
    wide = column_widths(220)  # both at their most; the rest stays blank
    assert sum(wide) + len(COLUMNS) - 1 < 220
    assert wide[COLUMN_KEYS.index("trend")] == SPARK_POINTS
    assert wide[COLUMN_KEYS.index("name")] == 32


def test_compact_age_stays_within_five_cells() -> None:
    for seconds, text in [(None, "never"), (0.2, "<1s"), (42.4, "42s"), (61, "1m"),
                          (7200, "2h"), (3 * 86400, "3d"), (10**9, ">999d")]:
        assert compact_age(seconds) == text
        assert len(text) <= 5


def test_the_one_row_sparkline_matches_the_panels() -> None:
    """The table's plain-Python row draws what ``sparkline_view`` would, gaps included."""
    rng = np.random.default_rng(5)
    for _ in range(500):
        count, width = int(rng.integers(0, 40)), int(rng.integers(1, 35))
        values = rng.normal(50, float(rng.choice([0.001, 5.0, 100.0])), count)
        if count and rng.random() < 0.3:
            values[rng.integers(0, count)] = math.nan
        if count and rng.random() < 0.1:
            values[rng.integers(0, count)] = math.inf
        setpoint = float(rng.choice([50.0, 0.0])) if rng.random() < 0.5 else None
        limits = {"lo": 10.0, "hi": 90.0} if rng.random() < 0.5 else None
        assert sparkline_row(values, width, setpoint=setpoint, limits=limits) \
            == sparkline_view(values, width, 1, setpoint=setpoint, limits=limits).rows[0]


def test_alarm_state_is_what_the_view_says(plant: list[SensorState]) -> None:
    assert plant[0].view.alarm is AlarmState.HI and plant[4].view.alarm is AlarmState.LO
