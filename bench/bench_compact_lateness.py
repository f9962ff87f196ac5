"""Does background compaction steal from sampling? Lateness with and without a pass.

    .venv/bin/python bench/bench_compact_lateness.py [--sensors 500] [--seconds 8]

Runs the engine (N simulated sensors at 10 Hz, every reading logged) twice
for the same time: alone, and while a ``BackgroundCompactor`` pass (a child
process at SCHED_IDLE, as ``record`` and the dashboard run it) archives copies
of the 1M-line log of ``bench_review.py``. Prints p50/p99 sampling lateness
of both and how long the pass took, medians of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sensortop.archive.background import BackgroundCompactor
from sensortop.config.loader import make_sensor
from sensortop.logs.writer import Recorder
from sensortop.model.specs import MonitorSpec
from sensortop.sampling.engine import Engine

LOG = Path(__file__).parent / "out" / "review-1000000.jsonl"


async def sample(n: int, seconds: float, folder: Path, compact_dir: Path | None
                 ) -> tuple[float, float, float | None]:
    specs = [make_sensor({"id": f"s{i:05d}", "interval": 0.1, "timeout": 0.5, "setpoint": 20.0})
             for i in range(n)]
    engine = Engine(specs, history=600)
    recorder = Recorder(folder)
    await recorder.start()
    engine.subscribe(recorder.put)
    await engine.start()
    await asyncio.sleep(1.0)
    engine.lateness.clear()
    took = None
    if compact_dir is not None:
        compactor = BackgroundCompactor(compact_dir, MonitorSpec(keep_jsonl_days=1000.0),
                                        lambda: None)
        start = time.perf_counter()
        task = asyncio.ensure_future(compactor.run_once())
        await asyncio.sleep(seconds)
        await task
        took = time.perf_counter() - start
        assert compactor.archived >= 1, compactor.problems
    else:
        await asyncio.sleep(seconds)
    p50, p99 = engine.lateness.percentiles(50, 99)
    await engine.stop()
    await recorder.stop()
    return p50 * 1000, p99 * 1000, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2, help="1M-line logs to archive")
    args = parser.parse_args()
    if not LOG.exists():
        raise SystemExit(f"run bench/bench_review.py first to make {LOG}")
    alone, busy, took = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            archive_dir = root / "old"
            archive_dir.mkdir()
            for k in range(args.copies):
                copy = archive_dir / f"sensortop-20260101-00000{k}.jsonl"
                shutil.copy2(LOG, copy)
            (root / "a").mkdir()
            (root / "b").mkdir()
            alone.append(asyncio.run(sample(args.sensors, args.seconds, root / "a", None)))
            busy.append(asyncio.run(sample(args.sensors, args.seconds, root / "b", archive_dir)))
            took.append(busy[-1][2])
    med = statistics.median
    print(f"{args.sensors} sensors x 10 Hz, {args.seconds:g} s, {args.runs} runs (medians)")
    print(f"  alone:              lateness p50 {med(a[0] for a in alone):.2f} ms, "
          f"p99 {med(a[1] for a in alone):.2f} ms")
    print(f"  with a compaction:  lateness p50 {med(b[0] for b in busy):.2f} ms, "
          f"p99 {med(b[1] for b in busy):.2f} ms  (the pass archived {args.copies} x 1M "
          f"readings in {med(t for t in took if t is not None):.1f} s)")


if __name__ == "__main__":
    main()
