"""Recorder throughput: our batched aiofiles writer against two baselines in the same run.

    .venv/bin/python bench/bench_recorder.py [--readings 1000000] [--repeat 3]

Baselines: (1) a plain synchronous loop that formats the same readings with the
same serializer and writes 1,000-line chunks to a file; (2) aiofiles with one
``await write()`` per line (timed on a smaller sample: it is that slow).
Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiofiles

from sensortop.logs.format import encode_lines, format_line
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status


def make_readings(n: int) -> list[Reading]:
    return [Reading(1_764_000_000.0 + i * 0.0005, f"sensor_{i % 2000:04d}", 150.0 + (i % 97) * 0.01,
                    "°C", Status.OK) for i in range(n)]


async def run_recorder(readings: list[Reading], folder: Path) -> float:
    recorder = Recorder(folder)
    await recorder.start()
    t0 = time.perf_counter()
    for start in range(0, len(readings), 2000):  # a producer handing over 2,000 at a time
        for r in readings[start:start + 2000]:
            recorder.put(r)
        await asyncio.sleep(0)
    await recorder.stop()
    elapsed = time.perf_counter() - t0
    assert recorder.written == len(readings), (recorder.written, len(readings))
    return elapsed


def run_sync(readings: list[Reading], folder: Path) -> float:
    t0 = time.perf_counter()
    with open(folder / "sync.jsonl", "wb") as fh:
        for start in range(0, len(readings), 1000):
            fh.write(encode_lines(readings[start:start + 1000]))
            fh.flush()
    return time.perf_counter() - t0


async def run_per_line(readings: list[Reading], folder: Path) -> float:
    t0 = time.perf_counter()
    async with aiofiles.open(folder / "perline.jsonl", "w", encoding="utf-8") as fh:
        for r in readings:
            await fh.write(format_line(r))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--per-line-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    readings = make_readings(args.readings)
    sample = readings[: args.per_line_sample]
    ours, sync, per_line = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            ours.append(args.readings / asyncio.run(run_recorder(readings, Path(tmp) / "rec")))
            sync.append(args.readings / run_sync(readings, Path(tmp)))
            per_line.append(len(sample) / asyncio.run(run_per_line(sample, Path(tmp))))
    m_ours, m_sync, m_line = (statistics.median(x) for x in (ours, sync, per_line))
    print(f"python {sys.version.split()[0]}, {args.readings:,} readings, median of {args.repeat}")
    print(f"  Recorder (batched aiofiles)      {m_ours:>12,.0f} readings/s")
    print(f"  synchronous loop, same format    {m_sync:>12,.0f} readings/s")
    print(f"  aiofiles, one await per line     {m_line:>12,.0f} readings/s "
          f"(sample of {len(sample):,})")
    print(f"  Recorder / synchronous           {m_ours / m_sync:>12.2f}x  (goal >= 0.5)")
    print(f"  Recorder / per-line              {m_ours / m_line:>12.1f}x  (goal >= 50)")


if __name__ == "__main__":
    main()
