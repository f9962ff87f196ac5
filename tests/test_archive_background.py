"""Background compaction as ``record`` and the dashboard run it: a real child process,
its report in the status line and the summary, the caller's own run left alone."""

from __future__ import annotations

from pathlib import Path

from sensortop.archive.background import BackgroundCompactor
from sensortop.model.specs import MonitorSpec
from sensortop.tui.widgets.status_line import StatusFields, status_text
from support import wait_until
from test_archive_compact import readings, write_log


async def test_a_pass_archives_and_removes_but_never_the_callers_run(tmp_path: Path) -> None:
    done = write_log(tmp_path / "sensortop-20261101-000000.jsonl", readings(300))
    mine = write_log(tmp_path / "sensortop-20261102-000000.jsonl", readings(300))
    compactor = BackgroundCompactor(tmp_path, MonitorSpec(keep_jsonl_days=0.0, retain_days=1.0),
                                    lambda: "sensortop-20261102-000000")
    assert compactor.note == ""
    await compactor.run_once()
    assert compactor.problems == []
    assert not done.exists() and done.with_suffix(".parquet").exists()
    assert mine.exists() and not mine.with_suffix(".parquet").exists()
    assert compactor.archived == 1 and [r["why"] for r in compactor.removed] == ["archived"]
    assert compactor.note.startswith("archived 1 log; removed 1 file (")
    assert compactor.note.endswith(" MB; archived)")


async def test_a_failed_pass_is_reported_not_raised(tmp_path: Path) -> None:
    compactor = BackgroundCompactor(tmp_path, MonitorSpec(), lambda: None)
    compactor.command = lambda: ["python3", "-c", "import sys; sys.exit('disk on fire')"]
    await compactor.run_once()
    assert compactor.note == "compaction: the pass failed: disk on fire"


async def test_stop_kills_a_pass_under_way(tmp_path: Path) -> None:
    compactor = BackgroundCompactor(tmp_path, MonitorSpec(), lambda: None, first_delay=0.0)
    compactor.command = lambda: ["sleep", "30"]
    compactor.start()
    await wait_until(lambda: compactor._child is not None)
    await compactor.stop()
    assert compactor._child is not None and compactor._child.returncode is not None


def test_the_status_line_says_what_was_removed_when_there_is_room() -> None:
    note = "archived 2 logs; removed 1 file (5.0 MB; retain_days)"
    fields = StatusFields("/logs/sensortop-20261124-140307.jsonl", 10.0, 0, None, 4, note=note)
    wide = "".join(text for text, _ in status_text(fields, 200))
    assert wide.endswith(note) and "4 sensors" in wide
    narrow = "".join(text for text, _ in status_text(fields, 80))
    assert note not in narrow and "4 sensors" in narrow
