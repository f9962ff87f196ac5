"""Where a reading's microseconds go: the engine + recorder under cProfile.

    .venv/bin/python bench/profile_engine.py [--sensors 5000] [--seconds 8] [--top 25]

Runs ``bench_engine``'s setup (N simulated sensors at 10 Hz, every reading
logged), profiles its measured window (after warm-up) with cProfile and
prints each function's own time as microseconds per reading, and its share.
cProfile's own overhead inflates every figure (roughly 2x); the shares are
what to read. For a sampling profile without
that overhead: ``py-spy record -f raw -o out.txt -- python bench/bench_engine.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from pathlib import Path

from bench_engine import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
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
