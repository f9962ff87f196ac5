"""The detail chart's time axis shows local wall-clock time in any zone (README "Keys": enter).

Each test sets ``TZ`` and calls ``time.tzset()``; the fixture puts both back.
Windows are given in UTC so the expected labels do not depend on the code
under test converting them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest

from sensortop.model.specs import SensorSpec
from sensortop.tui.chart import build_chart, time_ticks


@pytest.fixture
def zone() -> Iterator[object]:
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def axis(start: str, end: str, width: int) -> tuple[list[str], str]:
    """The chart's time labels (left to right) and its x-axis title."""
    ts = np.linspace(utc(start), utc(end), 240)
    values = np.sin(np.arange(240) / 20.0)
    lines = build_chart(SensorSpec(id="t", units="°C"), ts, values, width, 16).plain.splitlines()
    below = next(i for i, line in enumerate(lines) if line.lstrip().startswith("└"))
    return lines[below + 1].split(), lines[below + 2]


@pytest.mark.parametrize(("name", "start", "end", "labels", "abbrev"), [
    # 10:40 UTC is 12:40 in Berlin in summer (the report: 12:54 showed as 13:54)
    ("Europe/Berlin", "2026-06-01T10:40", "2026-06-01T11:00",
     ["12:40", "12:45", "12:50", "12:55", "13:00"], "CEST"),
    # 11:53 UTC is 06:53 in New York in winter (the report: it showed 01:53)
    ("America/New_York", "2026-01-15T11:53", "2026-01-15T12:13",
     ["06:55", "07:00", "07:05", "07:10"], "EST"),
    # a half-hour offset: 11:54 UTC is 17:24 in Kolkata; ticks still on whole minutes
    ("Asia/Kolkata", "2026-06-01T11:54", "2026-06-01T12:14",
     ["17:25", "17:30", "17:35", "17:40"], "IST"),
    # across the spring-forward change: 01:30 CET to 03:30 CEST is one real hour
    ("Europe/Berlin", "2026-03-29T00:30", "2026-03-29T01:30",
     ["01:30", "01:40", "01:50", "03:00", "03:10", "03:20", "03:30"], "CEST"),
    # across local midnight the labels keep going forward, not back to the start
    ("America/New_York", "2026-01-16T04:50", "2026-01-16T05:10",
     ["23:50", "23:55", "00:00", "00:05", "00:10"], "EST"),
])
def test_chart_axis_shows_local_wall_clock_time(zone, name: str, start: str, end: str,  # type: ignore[no-untyped-def]
                                                 labels: list[str], abbrev: str) -> None:
    zone(name)
    shown, title = axis(start, end, 100 if "03-29" in start else 80)
    assert shown == labels
    assert f"local time ({abbrev})" in title


def test_chart_axis_in_utc_is_utc(zone) -> None:  # type: ignore[no-untyped-def]
    zone("UTC")
    shown, _ = axis("2026-06-01T10:40", "2026-06-01T11:00", 80)
    assert shown == ["10:40", "10:45", "10:50", "10:55", "11:00"]


def test_ticks_of_a_short_window_have_seconds_and_a_long_one_has_dates(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Asia/Kolkata")
    _, labels = time_ticks(utc("2026-06-01T11:54:00"), utc("2026-06-01T11:55:00"), 80)
    assert labels[:2] == ["17:24:00", "17:24:15"]
    _, labels = time_ticks(utc("2026-06-01T00:00"), utc("2026-06-04T00:00"), 80)
    assert labels[0] == "06-02 00:00" and len(labels) <= 80 // 14


def test_single_point_and_empty_history_still_draw(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Europe/Berlin")
    spec = SensorSpec(id="t")
    one = build_chart(spec, np.array([utc("2026-06-01T10:54")]), np.array([1.0]), 60, 12)
    assert "12:54:00" in one.plain
    empty = build_chart(spec, np.array([]), np.array([]), 60, 12)
    assert "no good readings yet" in empty.plain
