"""Sampling lateness while the disk is full, against a healthy disk in the same run.

    .venv/bin/python bench/bench_disk_fault.py [--sensors 2000] [--seconds 8] [--repeat 3]

N simulated sensors at 10 Hz (staggered), every reading logged. After a 1 s
warm-up, one window with a healthy disk, then one window in which every write
fails: the file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) drops to one
byte, so each write gets ``EFBIG`` from the kernel just as a full disk gives
``ENOSPC`` -- the recorder's real retry path, deterministically. Then the
limit is lifted, the backlog drains, and the log is checked to hold every
reading exactly once. Prints p50/p99 sampling lateness of both windows, the
peak backlog, and the ratio; medians over the repeats, and the median of the
per-run ratios (steadier on a shared machine, where load drifts between runs).
Lateness is wall time and suffers whenever other processes take the CPU, so
the script also prints the longest single step of the recorder's writer task
in each window, in CPU time of the loop's thread: how long the recorder holds
the loop at once, whatever else the machine is doing. Nothing may write a file
during the fault window (this script prints only after it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sensortop.config.loader import make_sensor
from sensortop.logs.writer import Recorder
from sensortop.sampling.engine import Engine

_steps: list[float] = []


def _time_writer_steps() -> None:
    """Record the CPU time of every step the loop runs of the task named "recorder"."""
    run = asyncio.events.Handle._run
    clock = time.thread_time

    def timed(self: asyncio.events.Handle) -> None:
        task = getattr(self._callback, "__self__", None)
        if not isinstance(task, asyncio.Task) or task.get_name() != "recorder":
            run(self)
            return
        t0 = clock()
        run(self)
        _steps.append(clock() - t0)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]


async def run(n: int, seconds: float, folder: Path) -> dict[str, float]:
    specs = [make_sensor({"id": f"s{i:05d}", "interval": 0.1, "timeout": 0.5, "setpoint": 20.0})
             for i in range(n)]
    engine = Engine(specs, history=600)
    recorder = Recorder(folder)
    await recorder.start()
    engine.subscribe(recorder.put)
    await engine.start()
    await asyncio.sleep(1.0)  # warm-up: let the phases settle

    engine.lateness.clear()
    _steps.clear()
    await asyncio.sleep(seconds)
    healthy = engine.lateness.percentiles(50, 99)
    healthy_step = max(_steps, default=0.0)

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))  # from here every write fails
    try:
        engine.lateness.clear()
        _steps.clear()
        peak = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            peak = max(peak, recorder.backlog)
        failing = engine.lateness.percentiles(50, 99)
        failing_step = max(_steps, default=0.0)
        saw_error = recorder.error is not None
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    await engine.stop()
    await recorder.stop()
    return {"h50": healthy[0] * 1000, "h99": healthy[1] * 1000,
            "f50": failing[0] * 1000, "f99": failing[1] * 1000, "peak": peak,
            "hstep": healthy_step * 1000, "fstep": failing_step * 1000,
            "error": float(saw_error),
            "logged": float(recorder.written == engine.readings_total
                            and recorder.error is None and recorder.rescue_path is None)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sensors", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _time_writer_steps()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
    logging.getLogger("sensortop").setLevel(logging.ERROR)  # no log file writes in the fault
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(asyncio.run(run(args.sensors, args.seconds, Path(tmp))))
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"python {sys.version.split()[0]}, {args.sensors:,} sensors at 10 Hz, "
          f"{args.seconds:g} s windows, median of {args.repeat}")
    print(f"  healthy disk     lateness p50 {med['h50']:7.2f} ms   p99 {med['h99']:7.2f} ms   "
          f"longest writer step {med['hstep']:6.2f} ms CPU")
    print(f"  failing disk     lateness p50 {med['f50']:7.2f} ms   p99 {med['f99']:7.2f} ms   "
          f"longest writer step {med['fstep']:6.2f} ms CPU   peak backlog {med['peak']:,.0f}")
    ratios = [r["f99"] / r["h99"] for r in runs]
    print(f"  failing / healthy p99        {med['f99'] / med['h99']:7.2f}x  (goal <= 2); "
          f"median of the per-run ratios {statistics.median(ratios):.2f}x")
    print(f"  every run: fault reported {all(r['error'] for r in runs)}, "
          f"every reading logged once after recovery {all(r['logged'] for r in runs)}")
    print(f"  failing / healthy longest step {med['fstep'] / med['hstep']:7.2f}x")
    for i, r in enumerate(runs):
        print(f"    run {i + 1}: healthy p99 {r['h99']:.2f} ms, failing p99 {r['f99']:.2f} ms, "
              f"longest step {r['hstep']:.2f} / {r['fstep']:.2f} ms, "
              f"peak backlog {r['peak']:,.0f}")


if __name__ == "__main__":
    main()
