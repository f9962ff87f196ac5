"""Alarm episodes of one sensor from the alarm journal (README "Alarm journal").

The journal (``events-YYYYmmdd-HHMMSS.jsonl`` beside the readings logs) has one
line per alarm transition. An episode runs from the line that makes an alarm
active (``to`` ``unack`` or ``acked``; or ``event`` ``raise``) to the one that
ends it; one still active has no end. A folder without a journal has no
episodes; a line that is not a transition is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from sensortop.logs.files import JOURNAL_NAME, journal_sort_key

_ACTIVE = frozenset({"unack", "acked"})


@dataclass(frozen=True, slots=True)
class Episode:
    """An alarm active from ``start`` to ``end`` (None: still active at the journal's end)."""

    alarm: str
    start: float
    end: float | None


def _journal_files(log_dir: Path) -> list[Path]:
    """The journal files in ``log_dir``, oldest first (run stamp, then part number)."""
    try:
        paths = [log_dir / entry.name for entry in os.scandir(log_dir)
                 if JOURNAL_NAME.match(entry.name)]
    except OSError:
        return []
    return sorted(paths, key=journal_sort_key)


def episodes(log_dir: Path, sensor: str, start: float, end: float) -> list[Episode]:
    """The sensor's alarm episodes that overlap [start, end], oldest first."""
    needle = orjson.dumps(sensor)
    active: dict[str, float] = {}
    found: list[Episode] = []
    for path in _journal_files(log_dir):
        try:
            lines = path.read_bytes().splitlines()
        except OSError:
            continue
        for line in lines:
            if needle not in line:
                continue
            event = _transition(line, sensor)
            if event is None:
                continue
            ts, alarm, is_active = event
            if is_active and alarm not in active:
                active[alarm] = ts
            elif not is_active and alarm in active:
                found.append(Episode(alarm, active.pop(alarm), ts))
    found += [Episode(alarm, since, None) for alarm, since in active.items()]
    return sorted((e for e in found if e.start <= end and (e.end is None or e.end >= start)),
                  key=lambda e: e.start)


def _transition(line: bytes, sensor: str) -> tuple[float, str, bool] | None:
    """(time, alarm, active after it) of one journal line of ``sensor``, else None."""
    try:
        doc = orjson.loads(line)
        if not isinstance(doc, dict) or doc.get("sensor") != sensor:
            return None
        ts = datetime.fromisoformat(str(doc["ts"]).replace("Z", "+00:00")).timestamp()
        alarm = str(doc["alarm"])
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError):
        return None
    to = doc.get("to")
    if isinstance(to, str):
        return ts, alarm, to in _ACTIVE
    event = doc.get("event")
    if event in ("raise", "clear"):
        return ts, alarm, event == "raise"
    return None
