"""Soak: the real dashboard at 100 sensors x 10 Hz for an hour; does its memory grow?

    .venv/bin/python bench/bench_soak.py [--seconds 3600] [--sensors 100] [--every 5]

Runs the dashboard (the real app, engine on its own thread, every reading
logged, every frame rendered and written to /dev/null, as in
``bench_dashboard.py``) and samples the process's RSS every ``--every``
seconds. Prints a line a minute while running, then RSS after the first
minute (the warm-up: histories fill, caches settle), RSS at the end, the
difference, and the slope over the samples after the first minute by least
squares, in MB per hour. The contract (issue 15): RSS at the end within 5 MB
of RSS after the first minute.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench_dashboard import SIZE, BenchApp, count_lines, make_config
from sensortop.sampling.session import SamplingSession
from sensortop.tui.sampling import ThreadedLink

WARMUP = 60.0
MB = 1024 * 1024


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per hour."""
    n = len(points)
    if n < 2:
        return float("nan")
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return float("nan")
    cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
    return cov / var * 3600


async def soak(n: int, seconds: float, every: float) -> int:
    proc = psutil.Process()
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(n, Path(tmp))
        link = ThreadedLink(SamplingSession(config, Path(tmp)))
        app = BenchApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug",
                       theme="control-room")
        samples: list[tuple[float, float]] = []
        async with app.run_test(size=SIZE) as pilot:
            start = time.monotonic()
            next_sample, next_line = start, start + 60.0
            while (now := time.monotonic()) - start < seconds:
                if now >= next_sample:
                    samples.append((now - start, proc.memory_info().rss / MB))
                    next_sample += every
                if now >= next_line:
                    t, rss = samples[-1]
                    # sys.__stdout__: while the app runs, Textual captures sys.stdout
                    print(f"  {t / 60:6.1f} min  RSS {rss:8.1f} MB  "
                          f"{link.engine.readings_total:,} readings", file=sys.__stdout__,
                          flush=True)
                    next_line += 60.0
                await asyncio.sleep(min(next_sample, start + seconds) - time.monotonic())
            samples.append((time.monotonic() - start, proc.memory_info().rss / MB))
            frames = app.frames
            await pilot.press("q")
            while app.is_running:
                await asyncio.sleep(0.05)
        await link.stop()
        logged = count_lines(link.recorder.paths) == link.engine.readings_total
    after_warmup = [(t, m) for t, m in samples if t >= WARMUP] or samples[-1:]
    first, last = after_warmup[0], samples[-1]
    slope = slope_per_hour(after_warmup)
    print(f"RSS after the first minute ({first[0]:.0f} s): {first[1]:.1f} MB")
    print(f"RSS at the end ({last[0]:.0f} s):{' ' * 10}{last[1]:.1f} MB")
    print(f"growth: {last[1] - first[1]:+.1f} MB; slope {slope:+.2f} MB/h "
          f"(least squares over {len(after_warmup)} samples after the first minute)")
    print(f"readings {link.engine.readings_total:,}, all logged: {'yes' if logged else 'NO'};"
          f" frames {frames:,}")
    within = abs(last[1] - first[1]) <= 5.0
    print(f"end within 5 MB of the first minute: {'yes' if within else 'NO'}")
    return 0 if within and logged else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600.0)
    parser.add_argument("--sensors", type=int, default=100)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between RSS samples")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {psutil.cpu_count()} cpus, terminal {SIZE}, "
          f"{args.sensors} sensors at 10 Hz, {args.seconds:g} s, RSS every {args.every:g} s",
          flush=True)
    return asyncio.run(soak(args.sensors, args.seconds, args.every))


if __name__ == "__main__":
    raise SystemExit(main())
