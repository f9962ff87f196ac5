"""A compaction killed (SIGKILL) at any stage leaves the log or a verified archive, never
neither, and the next pass finishes the job (README "Archives and retention")."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sensortop.archive.compact import compact
from sensortop.archive.retention import Settings
from sensortop.archive.rows import read_rows
from sensortop.archive.writer import verify
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise
from test_archive_compact import old, readings, write_log

STAGES = ["read", "write", "writing", "fsync", "verify", "rename", "renamed", "remove"]


def _summary(folder: Path) -> list:
    return summarise(read_logs([folder]))


def _paused(proc: subprocess.Popen, timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            return proc.stdout.readline().decode().strip()
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    raise AssertionError("the compaction never reached its pause")


@pytest.mark.parametrize("stage", STAGES)
def test_a_kill_at_any_stage_leaves_the_log_or_a_verified_archive(tmp_path: Path,
                                                                  stage: str) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    log = write_log(folder / "sensortop-20261124-140307.jsonl", readings(3000),
                    b'{"ts": "torn')
    copy = tmp_path / "copy.jsonl"
    shutil.copy2(log, copy)
    before = _summary(folder)
    env = {**os.environ, "SENSORTOP_TEST_PAUSE": stage}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sensortop", "compact", str(folder), "--keep-jsonl-days", "0",
         "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _paused(proc) == f"paused at {stage}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    archive = log.with_suffix(".parquet")
    assert log.exists() or archive.exists()  # never neither
    if archive.exists():
        verify(archive, read_rows(copy))  # under its own name only once verified
    assert _summary(folder) == before  # what a review sees is whole at every moment
    old(log) if log.exists() else None
    report = compact(folder, Settings(keep_jsonl_days=0))
    assert not report.problems
    assert not log.exists() and archive.exists()
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == [archive.name]
    verify(archive, read_rows(copy))
    assert _summary(folder) == before
    meta = json.loads(__import__("pyarrow.parquet").parquet.read_schema(archive)
                      .metadata[b"sensortop.archive"])
    assert meta["torn"] == 1
