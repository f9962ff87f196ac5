"""Read alarm journals back (README "Alarm journal"): ``read_journal``.

Folders stand for their ``events-*.jsonl`` files (rotated parts in run order);
files given by name are read whatever they are called. Lines are read in blocks
(``blocks.pieces``), so an over-long line is passed over unread. A line that is
not a journal entry is skipped, counted and located like ``review`` does: a cut-off
last line is ``torn`` (normal after a crash), anything else ``malformed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from sensortop.config.fields import show
from sensortop.logs.files import JOURNAL_NAME, journal_sort_key
from sensortop.model.alarms import EventKind
from sensortop.review.blocks import check_given, pieces
from sensortop.review.lineparse import MAX_LINE_BYTES, iso_seconds, too_long
from sensortop.review.logdata import SkippedLine, SkipTally

_EVENTS = frozenset(k.value for k in EventKind)
_TEXTS = ("sensor", "alarm", "priority", "to")
"""Fields that must be non-empty text."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal line, as the KPIs need it. ``until`` only for a shelve."""

    ts: float
    sensor: str
    alarm: str
    priority: str
    event: str
    to_state: str
    until: float | None = None
    run: int = 0
    """Which run wrote it (files of one run stamp share it): an episode never spans runs."""

    @property
    def key(self) -> tuple[str, str]:
        """Which alarm: the sensor and the alarm's name."""
        return (self.sensor, self.alarm)


@dataclass(slots=True)
class Journal(SkipTally):
    """Every entry read (in time order) and the lines that had to be skipped."""

    files: list[Path]
    entries: list[Entry] = field(default_factory=list)
    torn: int = 0
    malformed: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)



def journal_files(paths: Iterable[Path]) -> list[Path]:
    """The journal files ``paths`` stand for; LogPathError for a missing or odd path."""
    found: list[Path] = []
    for path in paths:
        check_given(path)  # as review does: missing or odd paths are refused up front
        if path.is_dir():
            found.extend(p for p in path.iterdir() if JOURNAL_NAME.match(p.name))
        else:
            found.append(path)
    return sorted(dict.fromkeys(found), key=journal_sort_key)


def read_journal(paths: Iterable[Path | str]) -> Journal:
    """Every entry of the journals ``paths`` stand for, sorted by time (stable)."""
    journal = Journal(journal_files(Path(p) for p in paths))
    runs: dict[str, int] = {}
    for path in journal.files:
        stamp = journal_sort_key(path)
        run = runs.setdefault(stamp[0] if stamp[0] != "~" else stamp[2], len(runs))
        line = 1
        for piece in pieces(path):
            if piece.kind == "long":
                journal.skip(path, line, "torn" if piece.unterminated else "malformed",
                             too_long())
                line += 1
            elif piece.kind == "lines":
                texts: list[bytes | bytearray] = list(piece.block.split(b"\n"))
                for at, text in enumerate(texts):
                    last = piece.unterminated and at == len(texts) - 1
                    _take(journal, path, line + at, text, last, run)
                line += len(texts)
    journal.entries.sort(key=lambda e: e.ts)
    return journal


def _take(journal: Journal, path: Path, line: int, text: bytes | bytearray, last: bool,
          run: int) -> None:
    if not text.strip():
        return
    if len(text) > MAX_LINE_BYTES:  # a block may hold one whole: the reader's limit still holds
        journal.skip(path, line, "torn" if last else "malformed", too_long())
        return
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        journal.skip(path, line, "torn" if last else "malformed", f"not JSON ({exc.msg})")
        return
    entry = parse_entry(doc, run)
    if isinstance(entry, str):
        journal.skip(path, line, "malformed", entry)
    else:
        journal.entries.append(entry)


def parse_entry(doc: object, run: int = 0) -> Entry | str:
    """A decoded line as an entry, or why it is not one."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    ts = _time(doc.get("ts"))
    if ts is None:
        return f"bad ts {show(doc.get('ts'))}"
    sensor, alarm, priority, to = doc.get("sensor"), doc.get("alarm"), doc.get("priority"), \
        doc.get("to")
    if not (type(sensor) is str and sensor and type(alarm) is str and alarm
            and type(priority) is str and priority and type(to) is str and to):
        name, value = next((n, doc.get(n)) for n in _TEXTS
                           if not isinstance(doc.get(n), str) or not doc.get(n))
        return f"bad {name} {show(value)}"
    event = doc.get("event")
    if event not in _EVENTS:
        return f"bad event {show(event)}"
    until = _time(doc.get("until")) if event == "shelve" else None
    return Entry(ts, sensor, alarm, priority, event, to, until, run)


def _time(text: object) -> float | None:
    seconds = iso_seconds(text) if isinstance(text, str) else None
    return seconds if isinstance(seconds, float) else None
