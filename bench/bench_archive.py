"""Archives against DuckDB and polars, whole process against whole process.

Usage: ``.venv/bin/python bench/bench_archive.py [--runs R] [--days D] [--sensors N]``

(a) ``sensortop review --json`` of the 1,000,000-line log of ``bench_review.py``
    against a ``python -c`` running DuckDB's ``read_json`` summary of it, and
    polars' ``read_ndjson``; each a fresh process, as a user runs them.
(b) A week at 200 sensors x 1 Hz (121 million readings) as archives, written
    directly with sensortop's archive writer from synthetic arrays (once, into
    ``bench/out/``, git-ignored; ~1M readings a file, as a 100 MB rotation gives),
    summarised by ``sensortop review --json`` against DuckDB's and polars'
    group-by over the same Parquet files.
(c) The archive of the 1M-line log against the log's size.
Medians of R runs; ratios are the others' time over sensortop's (above 1: faster).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "out"
ROOT = Path(__file__).parent.parent
SUMMARY_SQL = """
SELECT sensor, count(*) AS n, min(ts), max(ts),
       count(*) FILTER (WHERE status = 'ok') AS ok,
       count(*) FILTER (WHERE status = 'timeout') AS timeouts,
       count(*) FILTER (WHERE status = 'error') AS errors,
       min(value) FILTER (WHERE status = 'ok'), max(value) FILTER (WHERE status = 'ok'),
       avg(value) FILTER (WHERE status = 'ok'), stddev_samp(value) FILTER (WHERE status = 'ok')
FROM {source} GROUP BY sensor ORDER BY sensor
"""
POLARS = """
import polars as pl, sys
ok = pl.col("status") == "ok"
frame = {source}
good = pl.col("value").filter(ok)
print(frame.group_by("sensor").agg(pl.len(), pl.col("ts").min().alias("first"),
      pl.col("ts").max().alias("last"), ok.sum().alias("ok"),
      (pl.col("status") == "timeout").sum().alias("timeout"),
      (pl.col("status") == "error").sum().alias("error"), good.min().alias("min"),
      good.max().alias("max"), good.mean().alias("mean"),
      good.std().alias("std")){collect}.sort("sensor"))
"""


def whole_process(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def duckdb_argv(source: str) -> list[str]:
    sql = SUMMARY_SQL.format(source=source).replace("\n", " ")
    return [sys.executable, "-c", f"import duckdb; print(duckdb.sql({sql!r}).fetchall())"]


def polars_argv(source: str, lazy: bool) -> list[str]:
    return [sys.executable, "-c", POLARS.format(source=source,
                                                collect=".collect()" if lazy else "")]


def sensortop_argv(path: Path) -> list[str]:
    return [sys.executable, "-m", "sensortop", "review", "--json", str(path)]


def report(title: str, ours: float, others: dict[str, float]) -> None:
    print(title)
    print(f"  sensortop review --json   median {ours:.3f} s")
    for name, seconds in others.items():
        print(f"  {name:<25} median {seconds:.3f} s   ratio {seconds / ours:.2f}x")


def generate_week(folder: Path, days: int, sensors: int, per_file: int = 5000) -> None:
    """Archives of a run at ``sensors`` x 1 Hz, ``per_file`` seconds a file, seeded."""
    from sensortop.archive.rows import LogRows
    from sensortop.archive.table import archive_metadata, build_table
    from sensortop.archive.writer import write_parquet

    folder.mkdir(parents=True, exist_ok=True)
    names = [f"sensor_{i:03d}" for i in range(sensors)]
    units = ["°C", "bar", "L/min", "%"]
    rng = np.random.default_rng(2026)
    t0 = 1_795_000_000.0
    seconds = days * 86_400
    for k, first in enumerate(range(0, seconds, per_file)):
        n_s = min(per_file, seconds - first)
        jitter = rng.integers(0, 4, size=(n_s, sensors)) / 1000
        ts = np.round(t0 + first + np.arange(n_s)[:, None] + jitter, 3).ravel()
        n = len(ts)
        sensor = np.tile(np.arange(sensors, dtype=np.int32), n_s)
        value = np.round(rng.normal(100, 5, n), 3)
        timeout = rng.random(n) < 0.005
        value[timeout] = np.nan
        alarm = np.where(value > 110, 3, 0).astype(np.int8)
        rows = LogRows(
            ts=ts, sensor=sensor, value=value, units=(sensor % 4).astype(np.int32),
            status=np.where(timeout, 1, 0).astype(np.int8),
            error=np.where(timeout, "read timed out", None).tolist(), alarm=alarm,
            sensors=names, unit_names=list(units),
            last_units={name: units[i % 4] for i, name in enumerate(names)},
            last_error={name: "read timed out" for name in names}, lines=n)
        part = "" if k == 0 else f".{k}"
        path = folder / f"sensortop-20261116-000000{part}.parquet"
        temp = path.with_suffix(".tmp")
        write_parquet(build_table(rows, archive_metadata(rows, {"name": path.name,
                                                                "bytes": 0, "mtime_ns": 0})),
                      temp)
        temp.rename(path)
        print(f"\r  wrote {k + 1} files, {(first + n_s) * sensors / 1e6:.1f} M readings",
              end="", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--only", choices=("a", "b", "c"))
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    log = OUT / "review-1000000.jsonl"
    if not log.exists():
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_review import generate

        print(f"generating {log} ...", flush=True)
        generate(log, 1_000_000)
    if args.only in (None, "a"):
        report("(a) 1,000,000-line JSON Lines log, whole process:",
               whole_process(sensortop_argv(log), args.runs), {
                   "duckdb read_json": whole_process(duckdb_argv(
                       f"read_json('{log}', format='newline_delimited')"), args.runs),
                   "polars read_ndjson": whole_process(polars_argv(
                       f"pl.read_ndjson('{log}')", lazy=False), args.runs)})
    if args.only in (None, "c"):
        folder = OUT / "archive-1M"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        copy = folder / "sensortop-20261116-000000.jsonl"
        shutil.copy2(log, copy)
        subprocess.run([sys.executable, "-m", "sensortop", "compact", str(folder),
                        "--keep-jsonl-days", "1000"], check=True, cwd=ROOT,
                       stderr=subprocess.DEVNULL)
        size = copy.with_suffix(".parquet").stat().st_size
        print(f"(c) archive of the 1M-line log: {size / 1e6:.2f} MB against "
              f"{log.stat().st_size / 1e6:.1f} MB of JSON Lines: 1/{log.stat().st_size / size:.1f}")
    if args.only in (None, "b"):
        week = OUT / f"week-{args.sensors}x1Hz-{args.days}d"
        if not week.exists():
            print(f"generating {week} (once) ...", flush=True)
            generate_week(week.with_suffix(".partial"), args.days, args.sensors)
            week.with_suffix(".partial").rename(week)
        files = sorted(week.glob("*.parquet"))
        total = sum(p.stat().st_size for p in files)
        glob = f"{week}/*.parquet"
        report(f"(b) {args.days} days x {args.sensors} sensors x 1 Hz "
               f"({args.days * 86_400 * args.sensors / 1e6:.1f} M readings) in {len(files)} "
               f"archives, {total / 1e9:.2f} GB, whole process:",
               whole_process(sensortop_argv(week), args.runs), {
                   "duckdb read_parquet": whole_process(duckdb_argv(
                       f"read_parquet('{glob}')"), args.runs),
                   "polars scan_parquet": whole_process(polars_argv(
                       f"pl.scan_parquet('{glob}')", lazy=True), args.runs)})


if __name__ == "__main__":
    main()
