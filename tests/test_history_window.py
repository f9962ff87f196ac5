"""History.window: a past moment's points, aligned, never a slot written since."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.sampling.history import History


@settings(derandomize=True, max_examples=300, deadline=None)
@given(capacity=st.integers(2, 12), before=st.integers(0, 40), after=st.integers(0, 30),
       n=st.integers(0, 15), in_flight=st.booleans())
def test_a_window_is_the_newest_points_of_its_moment_that_survive(
        capacity: int, before: int, after: int, n: int, in_flight: bool) -> None:
    history = History(capacity)
    for i in range(before):
        history.append(float(i), None if i % 5 == 3 else float(i) * 10)
    end = history.version
    for i in range(before, before + after):  # the writer moved on after the view
        history.append(float(i), float(i) * 10)
    if in_flight:
        history._begun += 1  # and is storing the next point as the reader copies
    ts, values = history.window(end, n)
    wanted = min(n, end, capacity)
    assert len(ts) == len(values) <= wanted
    # Every point still in the ring from that moment is returned; the rest were overwritten.
    overwritten = max(0, (after + in_flight) - (capacity - wanted))
    assert len(ts) == max(0, wanted - overwritten)
    expect = np.arange(end - len(ts), end, dtype=float)
    assert ts.tolist() == expect.tolist()
    assert np.array_equal(values, np.where(expect % 5 == 3, np.nan, expect * 10), equal_nan=True)


def test_snapshot_and_tail_are_the_windows_of_the_latest_point() -> None:
    history = History(4)
    for i in range(6):
        history.append(float(i), float(i))
    assert history.snapshot()[0].tolist() == [2.0, 3.0, 4.0, 5.0]
    assert history.tail(2).tolist() == [4.0, 5.0]
    assert history.tail(0).size == 0
