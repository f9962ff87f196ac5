"""Engine scale: N simulated sensors at 10 Hz, every reading logged.

    .venv/bin/python bench/bench_engine.py [--sizes 100 1000 2000] [--seconds 10]

For each N prints readings/s (and the schedule's ideal), p50/p99 sampling
lateness, CPU % of one core (process time / wall time, writer threads
included), and whether every reading reached the log. ``--unstaggered``
adds a run with every sensor starting in the same instant, the baseline
that shows what spreading start phases buys. Last, the engine's own
bookkeeping per reading (alarms, history, the published SensorView; no
subscribers), best of five, which the figures above are too noisy to show.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import timeit
from pathlib import Path

from sensortop.config.loader import make_sensor
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Status
from sensortop.sampling.engine import Engine


async def run(n: int, seconds: float, stagger: bool, folder: Path) -> dict[str, float]:
    specs = [make_sensor({"id": f"s{i:05d}", "interval": 0.1, "timeout": 0.5, "setpoint": 20.0})
             for i in range(n)]
    engine = Engine(specs, history=600, stagger=stagger)
    recorder = Recorder(folder)
    await recorder.start()
    engine.subscribe(recorder.put)
    await engine.start()
    await asyncio.sleep(1.0)  # warm-up: let the phases settle, then measure
    engine.lateness.clear()
    before = engine.readings_total
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    counted = engine.readings_total - before
    p50, p99 = engine.lateness.percentiles(50, 99)
    await engine.stop()
    await recorder.stop()
    return {"rate": counted / wall, "ideal": n * 10, "p50": p50 * 1000, "p99": p99 * 1000,
            "cpu": 100 * cpu / wall, "logged": recorder.written == engine.readings_total}


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--unstaggered", action="store_true")
    args = parser.parse_args()
    print(f"{'sensors':>8} {'start':>11} {'readings/s':>11} {'ideal':>7} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'CPU %':>6}  all logged")
    modes = [True, False] if args.unstaggered else [True]
    for n in args.sizes:
        for stagger in modes:
            with tempfile.TemporaryDirectory() as tmp:
                r = asyncio.run(run(n, args.seconds, stagger, Path(tmp)))
            print(f"{n:>8} {'staggered' if stagger else 'together':>11} {r['rate']:>11,.0f} "
                  f"{r['ideal']:>7,} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['cpu']:>6.1f}  "
                  f"{'yes' if r['logged'] else 'NO'}")
    print(f"engine bookkeeping per reading: {bookkeeping_us():.2f} us")
    print(f"  with every alarm kind configured: {bookkeeping_us(table=EVERY_ALARM):.2f} us")


if __name__ == "__main__":
    main()
