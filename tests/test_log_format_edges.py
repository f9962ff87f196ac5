"""Times the recorder writes around the epoch (README "The log files": ``ts`` to the
nearest millisecond): the second before 1970 is a second like any other."""

from __future__ import annotations

import orjson
import pytest

from sensortop.logs.format import encode_lines, format_ts
from sensortop.model.readings import Reading, Status


@pytest.mark.parametrize(("ts", "text"), [
    (-0.5, "1969-12-31T23:59:59.500Z"),
    (-1.2346, "1969-12-31T23:59:58.765Z"),  # nearest, not towards zero
    (-0.0004, "1970-01-01T00:00:00.000Z"),
    (0.0, "1970-01-01T00:00:00.000Z"),
    (1.2344, "1970-01-01T00:00:01.234Z"),
])
def test_times_near_the_epoch_are_the_nearest_millisecond(ts: float, text: str) -> None:
    assert format_ts(ts) == text
    line = encode_lines([Reading(ts, "s", 1.0, "", Status.OK)])
    assert orjson.loads(line)["ts"] == text
