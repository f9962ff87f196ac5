"""`record --workers N` at scale: N simulated sensors at 10 Hz over worker processes.

    .venv/bin/python bench/bench_workers.py [--sensors 10000] [--workers 2] [--seconds 10]
                                            [--repeat 3]

Runs the same ``WorkerPool`` and ``Recorder`` as ``sensortop record --workers``
(the parent writes one log from the workers' batches) and, alternating with it
in the same run, the baseline: bare asyncio, the same sensors as tasks that
only sleep to their next 10 Hz slot, split over the same number of processes.
Prints medians: readings/s logged (and the ideal), p50/p99 sampling lateness
(the workers' own, over the measured window), CPU % of one core for the parent
and for all the workers together, and whether every reading the workers took
reached the log (by their own count, and lines on disk == readings).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from bench_engine import baseline
from sensortop.logs.writer import Recorder
from sensortop.model.specs import SensorSpec
from sensortop.sampling.workers import WorkerPool

WARMUP = 2.0
Result = dict[str, float]


def specs(n: int) -> list[SensorSpec]:
    return [SensorSpec(id=f"s{i:05d}", interval=0.1, timeout=0.5, setpoint=20.0,
                       options={"noise": 0.5, "walk": 1.0, "reversion": 0.5, "read_time": 0.0,
                                "fail_rate": 0.0, "hang_rate": 0.0, "drift": 0.0, "seed": i})
            for i in range(n)]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def run_pool(n: int, workers: int, seconds: float, folder: Path) -> Result:
    recorder = Recorder(folder)
    await recorder.start()
    pool = WorkerPool(specs(n), workers, recorder)  # as record --workers does
    await pool.start()
    await asyncio.sleep(WARMUP)
    me = psutil.Process()
    children = [p for p in me.children(recursive=True)
                if any(w.pid == p.pid for w in pool.workers)]
    before = pool.readings_total
    wall0, cpu0 = time.perf_counter(), time.process_time()
    kids0 = cpu_seconds(children)
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    kids = cpu_seconds(children) - kids0
    counted = pool.readings_total - before
    started = time.perf_counter()
    await pool.stop()
    await recorder.stop()
    stopping = time.perf_counter() - started
    # the window's share of each worker's lateness samples (they are in time order)
    share = seconds / (WARMUP + seconds + stopping)
    late = np.concatenate([part[-int(part.size * share):] for w in pool.workers
                           for part in w.lateness if part.size])
    lines = sum(path.read_bytes().count(b"\n") for path in recorder.paths)
    p50, p99 = np.percentile(late, [50, 99]) * 1000 if late.size else (np.nan, np.nan)
    logged = (not pool.deaths and pool.taken_by_ended == pool.received_from_ended
              and lines == pool.readings_total == recorder.written)
    return {"rate": counted / wall, "p50": float(p50), "p99": float(p99),
            "parent": 100 * cpu / wall, "workers": 100 * kids / wall, "logged": float(logged)}


def _baseline_process(n: int, seconds: float) -> Result:
    return asyncio.run(baseline(n, seconds))


def run_baseline(n: int, workers: int, seconds: float) -> Result:
    """Bare asyncio tasks, n / workers in each of ``workers`` processes at once."""
    share = n // workers
    with multiprocessing.get_context("spawn").Pool(workers) as processes:
        results = processes.starmap(_baseline_process, [(share, seconds)] * workers)
    return {"rate": sum(r["rate"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": max(r["p99"] for r in results), "parent": 0.0,
            "workers": sum(r["cpu"] for r in results), "logged": 1.0}


def median(results: list[Result]) -> Result:
    out = {key: statistics.median(r[key] for r in results) for key in results[0]}
    out["logged"] = float(all(r["logged"] for r in results))
    return out


def show(label: str, n: int, r: Result, base: Result | None) -> None:
    ratio = "" if base is None else f"  x{r['p99'] / base['p99']:.1f} p99"
    print(f"{label:>14} {r['rate']:>11,.0f} {n * 10:>8,} {r['p50']:>7.2f} {r['p99']:>7.2f} "
          f"{r['parent']:>7.1f} {r['workers']:>8.1f}  {'yes' if r['logged'] else 'NO':<4}"
          f"{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.sensors:,} sensors at 10 Hz over {args.workers} processes, "
          f"{psutil.cpu_count()} cpus, {args.seconds:g} s windows, medians of {args.repeat}")
    print(f"{'run':>14} {'readings/s':>11} {'ideal':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'parent%':>7} {'workers%':>8}  logged")
    pools, bases = [], []
    for _ in range(args.repeat):
        bases.append(run_baseline(args.sensors, args.workers, args.seconds))
        with tempfile.TemporaryDirectory() as tmp:
            pools.append(asyncio.run(run_pool(args.sensors, args.workers, args.seconds,
                                              Path(tmp))))
    base = median(bases)
    show("bare asyncio", args.sensors, base, None)
    show(f"--workers {args.workers}", args.sensors, median(pools), base)


if __name__ == "__main__":
    main()
