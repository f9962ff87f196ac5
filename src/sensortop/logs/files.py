"""Names and order of the JSON Lines log files.

A run writes ``sensortop-YYYYmmdd-HHMMSS.jsonl`` and, past the size limit,
``sensortop-YYYYmmdd-HHMMSS.1.jsonl``, ``.2.jsonl`` ... Readers put parts back
in order with ``log_sort_key``; the recorder picks a fresh run stamp with
``new_run_stem`` so a run never overwrites an earlier run's file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

PREFIX = "sensortop-"
JOURNAL_PREFIX = "events-"
"""The alarm journal beside each run's log: ``events-`` + the run's stamp (README "Alarms")."""
STAMP_FORMAT = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^sensortop-(\d{8}-\d{6})(?:\.(\d+))?\.jsonl$")
JOURNAL_NAME = re.compile(r"^(events-(\d{8}-\d{6}))(?:\.(\d+))?\.jsonl$")
"""A journal part: group 1 its stem, 2 the run's stamp, 3 the part number."""


def part_path(log_dir: Path, stem: str, part: int) -> Path:
    """Path of part ``part`` (0 is the first) of the run named ``stem``."""
    suffix = ".jsonl" if part == 0 else f".{part}.jsonl"
    return log_dir / f"{stem}{suffix}"


def journal_stem(run_stem: str) -> str:
    """The journal's stem for a run's: ``sensortop-20261124-140307`` -> ``events-2026...``."""
    return JOURNAL_PREFIX + run_stem.removeprefix(PREFIX)


def new_run_stem(log_dir: Path, started: datetime | None = None) -> str:
    """A run name from the start time that no file in ``log_dir`` uses yet.

    Two runs started in the same second get consecutive seconds, so the name
    keeps the documented pattern and sorts in start order.
    """
    moment = (started or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    taken = {p.name.split(".", 1)[0] for p in log_dir.glob(f"{PREFIX}*.jsonl")}
    taken |= {PREFIX + p.name.split(".", 1)[0].removeprefix(JOURNAL_PREFIX)
              for p in log_dir.glob(f"{JOURNAL_PREFIX}*.jsonl")}  # the stamp is the run's
    while True:
        stem = PREFIX + moment.strftime(STAMP_FORMAT)
        if stem not in taken:
            return stem
        moment += timedelta(seconds=1)


def log_sort_key(path: Path) -> tuple[str, int, str]:
    """Order run files by start stamp, then part number; other names sort by name."""
    match = _NAME.match(path.name)
    if match:
        return (match.group(1), int(match.group(2) or 0), "")
    return ("~", 0, path.name)


def journal_sort_key(path: Path) -> tuple[str, int, str]:
    """``log_sort_key`` for alarm journals: run stamp, then part; other names after."""
    match = JOURNAL_NAME.match(path.name)
    if match:
        return (match.group(2), int(match.group(3) or 0), "")
    return ("~", 0, path.name)


def expand_log_paths(paths: Iterable[Path]) -> list[Path]:
    """Files stay as given; a folder stands for its ``*.jsonl`` readings logs (not the
    alarm journals beside them). Sorted in run order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.glob("*.jsonl")
                         if p.is_file() and not p.name.startswith(JOURNAL_PREFIX))
        else:
            found.append(path)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=log_sort_key)
