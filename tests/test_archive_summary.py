"""Summaries of whole archives from their metadata equal those of a full read
(README "Archives and retention": ``review`` of archives reads no rows when it need not)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from sensortop.archive.compact import compact
from sensortop.archive.retention import Settings
from sensortop.cli.review import run_review
from sensortop.model.readings import Reading, Status
from sensortop.review.archive_summary import summarise_archives
from sensortop.review.blocks import log_files
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise
from test_archive_compact import T0, readings, write_log


def _archives(folder: Path, parts: list[list[Reading]]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for k, items in enumerate(parts):
        write_log(folder / f"sensortop-20261124-140307{'' if k == 0 else f'.{k}'}.jsonl", items)
    compact(folder, Settings(keep_jsonl_days=0))
    return log_files([folder])


def _same(fast: list, full: list) -> None:
    assert [s.sensor for s in fast] == [s.sensor for s in full] and fast
    assert fast == full  # to the bit: mean and std too (exact sums)


def test_one_archive_gives_the_full_reads_summary_to_the_bit(tmp_path: Path) -> None:
    files = _archives(tmp_path / "a", [readings(3000)])
    fast = summarise_archives(files, None)
    assert fast is not None
    _same(fast[1], summarise(read_logs(files)))


def test_archives_of_a_run_merge_to_the_full_reads_summary(tmp_path: Path) -> None:
    parts = [readings(2000, seed=k, offset=k * 500.0) for k in range(4)]
    # A long silence across the boundary between two parts: the longest gap of the run.
    parts[2] = [dataclasses.replace(r, ts=round(r.ts + 3600, 3)) for r in parts[2]]
    parts[3] = [dataclasses.replace(r, ts=round(r.ts + 3600, 3)) for r in parts[3]]
    files = _archives(tmp_path / "a", parts)
    fast = summarise_archives(files, None)
    assert fast is not None
    full = summarise(read_logs(files))
    _same(fast[1], full)
    assert full[0].gaps.longest > 3000 and fast[1][0].gaps == full[0].gaps
    chosen = summarise_archives(files, {"s2"})
    assert chosen is not None and [s.sensor for s in chosen[1]] == ["s2"]


def test_overlapping_archives_are_read_instead(tmp_path: Path) -> None:
    files = _archives(tmp_path / "a", [readings(500, seed=1), readings(500, seed=2)])
    assert summarise_archives(files, None) is None


@pytest.mark.parametrize("sensors", [None, ["s0", "s3"]])
def test_review_json_of_archives_equals_that_of_their_logs(tmp_path: Path, sensors) -> None:
    parts = [readings(1500, seed=k, offset=k * 400.0) for k in range(3)]
    logs = tmp_path / "logs"
    logs.mkdir()
    for k, items in enumerate(parts):
        write_log(logs / f"sensortop-20261124-140307{'' if k == 0 else f'.{k}'}.jsonl", items)
    _archives(tmp_path / "a", parts)
    docs = []
    for folder in (logs, tmp_path / "a"):
        out = io.StringIO()
        assert run_review([str(folder)], sensors, None, None, False, True, None, stdout=out,
                          stderr=io.StringIO()) == 0
        doc = json.loads(out.getvalue())
        del doc["files"], doc["skipped"]["lines"]
        docs.append(doc)
    assert docs[0] == docs[1] and docs[0]["sensors"]


def test_units_and_last_error_come_from_the_last_archive_that_had_them(tmp_path: Path) -> None:
    first = [Reading(T0 + i, "s", None, "bar", Status.ERROR, "first") for i in range(5)]
    second = [Reading(T0 + 10 + i, "s", float(i), "kPa", Status.OK) for i in range(5)]
    files = _archives(tmp_path / "a", [first, second])
    fast = summarise_archives(files, None)
    assert fast is not None
    assert (fast[1][0].units, fast[1][0].last_error) == ("kPa", "first")
    _same(fast[1], summarise(read_logs(files)))
