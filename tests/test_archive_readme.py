"""The README's pandas / polars / DuckDB one-liners for archives run against a real
archive and see every reading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sensortop.archive.compact import compact
from sensortop.archive.retention import Settings
from test_archive_compact import readings, write_log

README = Path(__file__).resolve().parents[1] / "README.md"


def _archive_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Archives (see \"Archives and retention\")"):
                   text.index("## Archives and retention")]
    return re.findall(r"```(?:python|sh)\n(.*?)\n```", section, re.S)


@pytest.fixture
def logs(tmp_path: Path, monkeypatch) -> int:
    """A log folder with one archive, as the one-liners expect; returns its readings."""
    folder = tmp_path / "logs"
    folder.mkdir()
    items = [r for r in readings(900) if r.sensor != "s0"]
    items += [r.__class__(r.ts, "reactor_temp", r.value, "°C", r.status, r.error, r.alarm)
              for r in readings(300, seed=3)]
    write_log(folder / "sensortop-20261124-140307.jsonl", items)
    compact(folder, Settings(keep_jsonl_days=0))
    monkeypatch.chdir(tmp_path)
    return len(items)


def test_the_readme_has_one_liner_for_each_tool() -> None:
    blocks = _archive_blocks()
    assert len(blocks) == 3 and "pandas" in blocks[0] and "polars" in blocks[1]
    assert blocks[2].startswith("duckdb -c")


def test_pandas_one_liner(logs: int) -> None:
    pytest.importorskip("pandas")
    scope: dict = {}
    exec(_archive_blocks()[0], scope)
    df = scope["df"]
    assert len(df) == logs and str(df.ts.dtype) == "datetime64[ms, UTC]"


def test_polars_one_liner(logs: int) -> None:
    scope: dict = {}
    exec(_archive_blocks()[1], scope)
    df = scope["df"]
    assert len(df) == 300 and set(df["sensor"].cast(str).to_list()) == {"reactor_temp"}
    assert df["ts"].is_sorted()


def test_duckdb_one_liner(logs: int) -> None:
    import duckdb

    sql = re.fullmatch(r'duckdb -c "(.*)"', _archive_blocks()[2], re.S)
    assert sql is not None
    rows = duckdb.sql(sql.group(1)).fetchall()
    assert sorted(r[0] for r in rows) == ["reactor_temp", "s1", "s2", "s3", "s4"]
    assert all(r[1] > 0 and r[3] >= r[2] for r in rows)
