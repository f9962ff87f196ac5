"""Where a reading's microseconds go: the engine + recorder under cProfile.

    .venv/bin/python bench/profile_engine.py [--sensors 5000] [--seconds 8] [--top 25]
                                             [--stages-only]

First, each stage of one reading on its own, in CPU time (process time, best
of nine: the figure a busy machine disturbs least): the source's read, the
engine's bookkeeping (``_emit``) and within it the ``Reading`` and the history
append, the whole path from the ticker's heap (``_due``: heap, schedule,
source, bookkeeping, no subscribers), and the log line. Then it runs
``bench_engine``'s setup (N simulated sensors at 10 Hz, every reading logged),
profiles its measured window (after warm-up) with cProfile and prints each
function's own time as microseconds per reading, and its share. cProfile's
own overhead inflates every figure (roughly 2x); the shares are what to read.
For a sampling profile without that overhead:
``py-spy record -f raw -o out.txt -- python bench/bench_engine.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import heapq
import pstats
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from bench_engine import run
from sensortop.config.kinds import make_source
from sensortop.config.loader import make_sensor
from sensortop.logs.format import encode_lines
from sensortop.model.readings import AlarmState, Reading, Status
from sensortop.sampling.engine import Engine


def cpu_us(fn: Callable[[], object], number: int = 50_000) -> float:
    timer = timeit.Timer(fn, timer=time.process_time)
    return min(timer.repeat(number=number, repeat=9)) / number * 1e6


async def stages() -> None:
    spec = make_sensor({"id": "s", "interval": 0.1, "timeout": 0.5, "setpoint": 20.0,
                        "limits": {"hi": 1e9}})
    source = make_source(spec)

    def read() -> object:
        coro = source.read()
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        raise AssertionError("the simulated source awaited")

    engine = Engine([spec], history=600)
    await engine.start()
    await asyncio.sleep(0)
    state, heap = engine.sensors["s"], engine._ticker._heap  # type: ignore[union-attr]
    ts = [0.0]

    def emit() -> None:
        ts[0] += 0.1
        engine._emit(state, ts[0], 5.0, Status.OK)

    def append() -> None:
        ts[0] += 0.1
        state.history.append(ts[0], 5.0)

    def due() -> None:
        when, _, slot = heapq.heappop(heap)
        engine._due(slot, when)

    readings = [Reading(1.7e9 + i * 0.001, f"s{i % 100:04d}", 20.123456789, "degC",
                        Status.OK) for i in range(1000)]
    print("one reading, stage by stage (CPU us, best of 9):")
    print(f"  source read (simulated, stepped once)   {cpu_us(read):6.2f}")
    print(f"  engine bookkeeping (_emit, limits set)  {cpu_us(emit):6.2f}")
    print(f"    of which Reading(...)                 "
          f"{cpu_us(lambda: Reading(1.0, 's', 2.0, 'u', Status.OK, None, AlarmState.NORMAL)):6.2f}")
    print(f"    of which History.append               {cpu_us(append):6.2f}")
    print(f"  whole path from the heap (_due)         {cpu_us(due):6.2f}")
    print(f"  the log line (encode_lines, per line)   "
          f"{cpu_us(lambda: encode_lines(readings), number=50) / 1000:6.2f}")
    await engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--stages-only", action="store_true")
    args = parser.parse_args()
    asyncio.run(stages())
    if args.stages_only:
        return
    profile = cProfile.Profile()

    def window(opening: bool) -> None:
        (profile.enable if opening else profile.disable)()

    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.sensors, args.seconds, True, Path(tmp), window))
    stats = pstats.Stats(profile)
    total_readings = result["rate"] * args.seconds  # taken in the profiled window
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    total = sum(v[2] for _, v in rows)
    print(f"{args.sensors} sensors, {result['rate']:,.0f} readings/s under the profiler; "
          f"{total / total_readings * 1e6:.1f} us of profiled time per reading")
    print(f"{'us/reading':>10} {'share':>6}  function")
    for (filename, line, name), value in rows[:args.top]:
        where = "/".join(Path(filename).parts[-2:])
        print(f"{value[2] / total_readings * 1e6:>10.2f} {100 * value[2] / total:>5.1f}%  "
              f"{name} ({where}:{line})")


if __name__ == "__main__":
    main()
