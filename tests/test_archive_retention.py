"""Retention (README "Archives and retention"): ``retain_days``, ``retain_gb`` oldest
first, ``retain_events_days`` for alarm journals; never the current run."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sensortop.archive.compact import compact
from sensortop.archive.retention import Settings, plan_retention
from sensortop.cli.compact import removed_text
from sensortop.config.loader import load_config
from test_archive_compact import old, readings, write_log

DAY = 86_400.0


def _run(folder: Path, stamp: str, age_days: float, size: int = 1000,
         suffix: str = ".jsonl") -> Path:
    path = folder / f"sensortop-{stamp}{suffix}"
    path.write_bytes(b"x" * size)
    return old(path, age_days * DAY)


def test_retain_days_and_gb_remove_the_oldest_first_never_the_current_run(tmp_path: Path) -> None:
    oldest = _run(tmp_path, "20260101-000000", 300, suffix=".parquet")
    older = _run(tmp_path, "20260201-000000", 200, suffix=".parquet")
    middle = _run(tmp_path, "20260301-000000", 100)
    mine = _run(tmp_path, "20250101-000000", 400)  # the caller's own run, however old
    held = _run(tmp_path, "20250601-000000", 400)
    fresh = _run(tmp_path, "20260401-000000", 0.0)  # changed just now: still being written
    os.utime(fresh)
    fd = os.open(held, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        by_days = plan_retention(tmp_path, Settings(retain_days=250), {"sensortop-20250101-000000"})
        assert [(r.path, r.why) for r in by_days] == [(oldest, "retain_days")]
        by_size = plan_retention(tmp_path, Settings(retain_gb=3.5e-6),
                                 {"sensortop-20250101-000000"})
        assert [r.path for r in by_size] == [oldest, older, middle]  # 6 kB -> 3 kB left
        everything = plan_retention(tmp_path, Settings(retain_days=1e-9, retain_gb=1e-12),
                                    {"sensortop-20250101-000000"})
        assert {r.path for r in everything} == {oldest, older, middle}
        assert mine.exists() and held.exists() and fresh.exists()
    finally:
        os.close(fd)


def test_alarm_journals_have_their_own_retention_and_a_run_keeps_its_journal(
        tmp_path: Path) -> None:
    old_events = tmp_path / "events-20260101-000000.jsonl"
    new_events = tmp_path / "events-20260301-000000.1.jsonl"
    current_events = tmp_path / "events-20250101-000000.jsonl"
    for p in (old_events, new_events, current_events):
        p.write_text("{}\n")
    old(old_events, 100 * DAY)
    old(new_events, 10 * DAY)
    old(current_events, 100 * DAY)
    log = _run(tmp_path, "20260101-000000", 100)
    plan = plan_retention(tmp_path, Settings(retain_events_days=30),
                          {"sensortop-20250101-000000"})
    assert [(r.path, r.why) for r in plan] == [(old_events, "retain_events_days")]
    assert log not in {r.path for r in plan}


def test_a_pass_reports_what_it_removed(tmp_path: Path) -> None:
    log = write_log(tmp_path / "sensortop-20261001-000000.jsonl", readings(200))
    old(log, 40 * DAY)
    stale = _run(tmp_path, "20250101-000000", 500, size=5000, suffix=".parquet")
    ancient = write_log(tmp_path / "sensortop-20240101-000000.jsonl", readings(50))
    old(ancient, 400 * DAY)
    report = compact(tmp_path, Settings(keep_jsonl_days=30, retain_days=365))
    assert [(r.path.name, r.why) for r in report.removed] == [
        ("sensortop-20240101-000000.jsonl", "archived"),
        ("sensortop-20261001-000000.jsonl", "archived"),
        ("sensortop-20240101-000000.parquet", "retain_days"),  # keeps its log's age
        ("sensortop-20250101-000000.parquet", "retain_days")]
    assert not log.exists() and not stale.exists()
    assert log.with_suffix(".parquet").exists()
    assert removed_text(report).startswith("removed 4 files (0.1 MB): 2 archived logs, "
                                           "2 past retain_days")


def test_retention_fields_are_validated_with_their_place(tmp_path: Path) -> None:
    import pytest

    from sensortop.config.problems import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('[monitor]\nkeep_jsonl_days = -1\nretain_gb = "lots"\nretain_days = 0\n'
                    '[[sensors]]\nid = "a"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    for field in ("keep_jsonl_days", "retain_gb", "retain_days"):
        assert f"[monitor]: field '{field}'" in text
    path.write_text('[monitor]\nkeep_jsonl_days = 0\nretain_gb = 2.5\nretain_days = 30\n'
                    'retain_events_days = 1825\n[[sensors]]\nid = "a"\n')
    monitor = load_config(path).monitor
    assert (monitor.keep_jsonl_days, monitor.retain_gb, monitor.retain_days,
            monitor.retain_events_days) == (0.0, 2.5, 30.0, 1825.0)

