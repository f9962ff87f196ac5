"""Names of the files beside a run's JSON Lines log: its Parquet archive and alarm journal.

An archive keeps its log's stem (``sensortop-20261124-140307.1.jsonl`` becomes
``sensortop-20261124-140307.1.parquet``), so a folder holding both reads each
reading once, and the run order of ``log_sort_key`` holds for both. The
archive's own key-value metadata (under ``METADATA_KEY``) says what the log
held: its line counts, the lines skipped, and a summary per sensor.
"""

from __future__ import annotations

import re
from pathlib import Path

from sensortop.logs.files import JOURNAL_NAME, PREFIX, log_sort_key

ARCHIVE_SUFFIX = ".parquet"
METADATA_KEY = b"sensortop.archive"
"""Parquet key-value metadata key; its value is the JSON described in the README."""
ARCHIVE_VERSION = 1
COLUMNS = ("ts", "sensor", "value", "units", "status", "error", "alarm")
RUN_FILE = re.compile(r"^(sensortop-\d{8}-\d{6})(?:\.(\d+))?\.(jsonl|parquet)$")
TEMP_MARK = ".compacting-"
"""A half-written archive is named ``<stem>.parquet.compacting-<pid>``: no reader takes it."""


def archive_path(log: Path) -> Path:
    """The archive a JSON Lines log is compacted into: the same folder and stem."""
    return log.with_name(log.name[: -len(".jsonl")] + ARCHIVE_SUFFIX)


def log_path(archive: Path) -> Path:
    """The JSON Lines log an archive was made from."""
    return archive.with_name(archive.name[: -len(ARCHIVE_SUFFIX)] + ".jsonl")


def run_stem(path: Path) -> str | None:
    """``sensortop-YYYYmmdd-HHMMSS`` for a run's log part or archive (events use the same
    stamp: ``events-...`` gives ``sensortop-...``); None for any other name."""
    match = RUN_FILE.match(path.name)
    if match:
        return match.group(1)
    match = JOURNAL_NAME.match(path.name)
    return PREFIX + match.group(2) if match else None


def run_sort_key(path: Path) -> tuple[str, int, str]:
    """``log_sort_key`` for logs and archives alike: the archive sorts where its log did."""
    if path.name.endswith(ARCHIVE_SUFFIX):
        return log_sort_key(log_path(path))
    return log_sort_key(path)


def expand_run_files(paths: list[Path]) -> list[Path]:
    """Logs and archives to read: a folder stands for its ``*.jsonl`` files (not the
    alarm journals) and its archives (``sensortop-*.parquet``: not any Parquet file, such
    as an export); a log whose archive sits beside it is read from the archive only (an
    archive gets its name only once verified). Files given stay. Sorted in run order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.iterdir()
                         if ((p.suffix == ".jsonl" and not JOURNAL_NAME.match(p.name))
                             or (RUN_FILE.match(p.name) and p.suffix == ARCHIVE_SUFFIX))
                         and p.is_file())
        else:
            found.append(path)
    unique = list(dict.fromkeys(found))
    archived = {log_path(p) for p in unique if p.name.endswith(ARCHIVE_SUFFIX)}
    return sorted((p for p in unique if p not in archived), key=run_sort_key)
