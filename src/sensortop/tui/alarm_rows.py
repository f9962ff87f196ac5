"""The alarm screen's rows: which alarms show, in what order, with what words.

Plain functions of the sensors' views, so the screen only draws and the order,
filter and counts are tested without a terminal (README "Alarms", "The alarm screen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from sensortop.model.alarms import AlarmKind, Lifecycle, Priority
from sensortop.sampling.alarm_view import RANK, AlarmLine, Episode
from sensortop.sampling.view import SensorView
from sensortop.tui.alarm_words import alarm_name, duration_words, line_state
from sensortop.tui.formatting import NOTHING, format_value

FILTERS: tuple[Priority | None, ...] = (None, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)
"""``p`` cycles through these: every priority, then at least medium, high, critical."""
ACKABLE = (Lifecycle.UNACK, Lifecycle.RTN_UNACK)


class Counts(NamedTuple):
    """What the status line says of alarms: announced per priority, unacknowledged."""

    by_priority: tuple[int, int, int, int]
    """Active, announced alarms: low, medium, high, critical."""
    unacknowledged: int
    shelved: int


def active_lines(views: Iterable[SensorView], at_least: Priority | None = None
                 ) -> list[AlarmLine]:
    """Every alarm to show, highest priority first, then the newest first."""
    floor = RANK[at_least] if at_least is not None else -1
    lines = [line for view in views for line in view.alarm_summary.lines
             if RANK[line.priority] >= floor]
    lines.sort(key=lambda line: -(line.since or 0.0))
    lines.sort(key=lambda line: -RANK[line.priority])
    return lines


def episodes(views: Iterable[SensorView], at_least: Priority | None = None) -> list[Episode]:
    """Finished episodes, newest first."""
    floor = RANK[at_least] if at_least is not None else -1
    found = [e for view in views for e in view.alarm_summary.episodes
             if RANK[e.priority] >= floor]
    return sorted(found, key=lambda e: -e.end)


def counts(views: Iterable[SensorView]) -> Counts:
    by = [0, 0, 0, 0]
    unacked = shelved = 0
    for view in views:
        for line in view.alarm_summary.lines:
            if line.state in ACKABLE:
                unacked += 1
            if line.state is Lifecycle.SHELVED:
                shelved += 1
            elif line.active and line.state in (Lifecycle.UNACK, Lifecycle.ACKED):
                by[RANK[line.priority]] += 1
    return Counts((by[0], by[1], by[2], by[3]), unacked, shelved)


def line_cells(line: AlarmLine, now: float, units: str = "", per: str = "s"
               ) -> tuple[str, ...]:
    """priority, sensor, alarm, state, value, limit, in alarm (``per``: the rate's time unit)."""
    in_alarm = duration_words(now - line.since) if line.since is not None else NOTHING
    if line.shelved_until is not None:
        in_alarm += f" (shelved {duration_words(line.shelved_until - now)} more)"
    return (line.priority.value, line.sensor, alarm_name(line.kind), line_state(line),
            _number(line.value, line.kind, units, per),
            _number(line.limit, line.kind, units, per),
            in_alarm)


def episode_cells(episode: Episode, local_time: str) -> tuple[str, ...]:
    """ended, sensor, alarm, priority, duration, min, mean, max."""
    return (local_time, episode.sensor, alarm_name(episode.kind), episode.priority.value,
            duration_words(episode.duration), format_value(episode.low),
            format_value(episode.mean), format_value(episode.high))


_UNITS_OF_KIND = {AlarmKind.STALE: " s", AlarmKind.FLATLINE: " s", AlarmKind.BAD_QUALITY: ""}


def _number(value: float | None, kind: AlarmKind, units: str, per: str) -> str:
    if value is None:
        return NOTHING
    if kind is AlarmKind.BAD_QUALITY:
        return f"{value:.0f} failed"
    suffix = _UNITS_OF_KIND.get(kind, f" {units}" if units else "")
    if kind is AlarmKind.RATE:
        suffix = f" {units}/{per}" if units else f"/{per}"
    return format_value(value) + suffix


_SPAN = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.IGNORECASE)
_SCALE = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0,
          "d": 86400.0}


def parse_shelve(text: str) -> tuple[float | None, bool]:
    """What the shelve prompt took: (seconds, one_shot). ``90``, ``90s``, ``10m``, ``2h``;
    ``once`` shelves until the alarm clears (seconds None: up to shelve_max).
    ValueError for anything else."""
    words = text.strip().lower()
    if words in ("once", "one-shot", "oneshot", "until clear"):
        return None, True
    match = _SPAN.match(words)
    if match is None:
        raise ValueError("a duration like 90, 90s, 10m or 2h, or 'once' (until it clears)")
    seconds = float(match.group(1)) * _SCALE[match.group(2)]
    if seconds <= 0:
        raise ValueError("a shelving lasts longer than 0 s")
    return seconds, False
