"""Engine scale: N simulated sensors at 10 Hz on one core, every reading logged.

    .venv/bin/python bench/bench_engine.py [--sizes 2000 5000] [--seconds 10] [--repeat 3]

For each N, in the same process and alternating, ``--repeat`` runs of

* the engine: the same ``Engine`` and ``Recorder`` as ``sensortop record``
  (``gc.freeze()`` after start, as record does);
* the baseline: bare asyncio, N tasks each sleeping to its next 10 Hz slot on
  the same drift-free, staggered grid and doing nothing else;

and prints medians: readings/s (and the ideal), p50/p99 lateness, CPU % of
one core (process time / wall, writer thread included), CPU microseconds per
reading, whether every reading reached the log, and the engine's p99 and CPU
as ratios to the baseline's. ``--unstaggered`` adds engine runs with every
sensor starting in the same instant. Last, the engine's own bookkeeping per
reading (alarms, history, the Reading; no subscribers), best of five.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
import timeit
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sensortop.config.loader import make_sensor
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Status
from sensortop.sampling.engine import Engine

INTERVAL = 0.1
WARMUP = 1.0

Result = dict[str, float]


async def run(n: int, seconds: float, stagger: bool, folder: Path,
              window: Callable[[bool], None] | None = None) -> Result:
    """One engine run; ``window(True/False)`` is called as the measured window opens and
    closes (the profiler uses it)."""
    specs = [make_sensor({"id": f"s{i:05d}", "interval": INTERVAL, "timeout": 0.5,
                          "setpoint": 20.0}) for i in range(n)]
    engine = Engine(specs, history=600, stagger=stagger)
    recorder = Recorder(folder)
    await recorder.start()
    engine.subscribe(recorder.put)
    await engine.start()
    gc.freeze()  # as `sensortop record` does once sampling has started
    await asyncio.sleep(WARMUP)  # let the phases settle, then measure
    engine.lateness.clear()
    before = engine.readings_total
    if window is not None:
        window(True)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    if window is not None:
        window(False)
    counted = engine.readings_total - before
    p50, p99 = engine.lateness.percentiles(50, 99)
    await engine.stop()
    await recorder.stop()
    gc.unfreeze()
    return {"rate": counted / wall, "p50": p50 * 1000, "p99": p99 * 1000,
            "cpu": 100 * cpu / wall, "us": cpu / max(counted, 1) * 1e6,
            "logged": float(recorder.written == engine.readings_total)}


async def baseline(n: int, seconds: float) -> Result:
    """Bare asyncio: n tasks on the same grid, each only sleeping to its next slot."""
    loop = asyncio.get_running_loop()
    late = np.zeros(1 << 21)
    count = [0]

    async def sensor(i: int) -> None:
        start = loop.time() + zlib.crc32(f"s{i:05d}".encode()) / 2**32 * INTERVAL
        k = 0
        while True:
            due = start + k * INTERVAL
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            late[count[0] & (late.size - 1)] = loop.time() - due
            count[0] += 1
            k += 1

    tasks = [asyncio.create_task(sensor(i)) for i in range(n)]
    await asyncio.sleep(WARMUP)
    count[0] = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    counted = count[0]
    p50, p99 = np.percentile(late[:min(counted, late.size)], [50, 99]) * 1000
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"rate": counted / wall, "p50": float(p50), "p99": float(p99),
            "cpu": 100 * cpu / wall, "us": cpu / max(counted, 1) * 1e6, "logged": 1.0}


EVERY_ALARM = {"id": "s", "setpoint": 5.0, "limits": {"hi": 1e9, "lo": -1e9},
               "alarms": {"rate": {"max": 1e9}, "deviation": {"max": 1e9},
                          "stale": {"after": 60.0}, "flatline": {"after": 1e6},
                          "bad_quality": {"after": 3}}}
"""A sensor with every alarm kind (none ever raised): the alarms' slow path, per reading."""


def bookkeeping_us(number: int = 200_000, table: dict | None = None) -> float:
    """Microseconds ``Engine._emit`` takes per good reading with limits set (or ``table``)."""
    engine = Engine(history=600)
    state = engine.add(make_sensor(table or {"id": "s", "limits": {"hi": 1e9}}))
    ts = [0.0]

    def one() -> None:
        ts[0] += 0.1
        engine._emit(state, ts[0], 5.0, Status.OK)

    return min(timeit.repeat(one, number=number, repeat=5)) / number * 1e6


def median(results: list[Result]) -> Result:
    out = {key: statistics.median(r[key] for r in results) for key in results[0]}
    out["logged"] = float(all(r["logged"] for r in results))
    return out


def show(n: int, label: str, r: Result, base: Result | None) -> None:
    ratio = "" if base is None else (f"  x{r['p99'] / base['p99']:.1f} p99, "
                                     f"x{r['cpu'] / base['cpu']:.2f} CPU")
    print(f"{n:>7} {label:>18} {r['rate']:>11,.0f} {n * 10:>7,} {r['p50']:>7.2f} "
          f"{r['p99']:>7.2f} {r['cpu']:>6.1f} {r['us']:>6.2f}  "
          f"{'yes' if r['logged'] else 'NO':<4}{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians shown")
    parser.add_argument("--unstaggered", action="store_true")
    args = parser.parse_args()
    print(f"10 Hz sensors, {args.seconds:g} s windows, medians of {args.repeat} runs")
    print(f"{'sensors':>7} {'run':>18} {'readings/s':>11} {'ideal':>7} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'CPU %':>6} {'us/rd':>6}  logged  vs baseline")
    for n in args.sizes:
        runs: dict[str, list[Result]] = {"base": [], "engine": [], "together": []}
        for _ in range(args.repeat):
            runs["base"].append(asyncio.run(baseline(n, args.seconds)))
            for label, stagger in (("engine", True), ("together", False)):
                if label == "together" and not args.unstaggered:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    runs[label].append(asyncio.run(run(n, args.seconds, stagger, Path(tmp))))
        base = median(runs["base"])
        show(n, "bare asyncio", base, None)
        show(n, "engine, staggered", median(runs["engine"]), base)
        if runs["together"]:
            show(n, "engine, together", median(runs["together"]), base)
    print(f"engine bookkeeping per reading: {bookkeeping_us():.2f} us")
    print(f"  with every alarm kind configured: {bookkeeping_us(table=EVERY_ALARM):.2f} us")


if __name__ == "__main__":
    main()
