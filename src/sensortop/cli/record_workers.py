"""``sensortop record --workers N``: the sensors on N processes, one log written here.

The same contract as ``record`` (README "Recording headless"): a live line on
a terminal, Ctrl-C and SIGTERM stop everything with every reading flushed, a
summary at the end. Added: the workers up, restarts, and for a worker that
died, what it cost; a run in which a worker died exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from sensortop.cli.record import (
    _LineHandler,
    _remove_signal_handlers,
    install_stop,
    run_until_stopped,
)
from sensortop.logs.wording import show
from sensortop.logs.writer import Recorder
from sensortop.model.specs import Config
from sensortop.model.words import count_of
from sensortop.sampling.workers import WorkerPool


async def record_workers(config: Config, log_dir: Path | None, duration: float | None,
                         workers: int, out: TextIO | None = None) -> int:
    """Run until stopped; return the exit code."""
    out = out or sys.stderr
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    install_stop(loop, stop)
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, lambda: print(
            "\rSIGHUP: a reload needs a restart with --workers; still recording as started",
            file=out, flush=True))
    started = time.monotonic()
    folder = Path(log_dir) if log_dir is not None else config.monitor.log_dir
    recorder = Recorder(folder, rotate_bytes=int(config.monitor.rotate_mb * 1024 * 1024))
    pool = WorkerPool(config.sensors, workers, recorder)
    progress = out.isatty()
    handler = _LineHandler(out, progress)
    logging.getLogger("sensortop").addHandler(handler)
    try:
        await recorder.start()
        await pool.start()
        print(f"recording {count_of(len(config.sensors), 'sensor')} on "
              f"{count_of(len(pool.workers), 'worker')} to "
              f"{show(recorder.path)}", file=out, flush=True)
        await run_until_stopped(stop, started, duration, out,
                                (lambda: progress_line(pool, started)) if progress else None)
    finally:
        if progress:
            print(file=out)
        await pool.stop()
        await recorder.stop()
        _remove_signal_handlers(loop)
        logging.getLogger("sensortop").removeHandler(handler)
    print(summary(pool, time.monotonic() - started), file=out, flush=True)
    failed = pool.deaths or pool.bad_messages or pool.taken_by_ended != pool.received_from_ended
    return 1 if recorder.error is not None or failed else 0


def progress_line(pool: WorkerPool, started: float) -> str:
    recorder = pool.recorder
    elapsed = max(time.monotonic() - started, 1e-9)
    line = (f"{pool.readings_total:,} readings  {pool.readings_total / elapsed:,.0f}/s  "
            f"backlog {recorder.backlog:,}  errors {int(pool.failures.sum()):,}  "
            f"workers {pool.alive}/{len(pool.workers)}")
    if pool.deaths:
        line += f"  restarts {len(pool.deaths)}"
    if recorder.error:
        line += f"  DISK: {recorder.error}"
    return line[:200].ljust(80)


def summary(pool: WorkerPool, elapsed: float) -> str:
    """The per-sensor table, the files, the workers' fate and the sampling lateness."""
    recorder = pool.recorder
    rows = [f"{'sensor':<24} {'readings':>9} {'ok':>9} {'failed':>7}  last"]
    for i, (sensor, spec) in enumerate(zip(pool.ids, pool.specs, strict=True)):
        value = pool.last_value[i]
        last = "-" if np.isnan(pool.last_ts[i]) else (
            f"{value:.4g} {spec.units}" if not np.isnan(value) else "failed")
        readings, failures = int(pool.readings[i]), int(pool.failures[i])
        rows.append(f"{sensor:<24} {readings:>9,} {readings - failures:>9,} "
                    f"{failures:>7,}  {last}")
    files = ", ".join(show(p) for p in recorder.paths) or "(none)"
    line = (f"{count_of(pool.readings_total, 'reading')} in {elapsed:.1f} s from "
            f"{count_of(len(pool.workers), 'worker')}; "
            f"{recorder.written - recorder.rescued:,} lines written to {files}")
    if recorder.rescued:
        line += f"; {recorder.rescued:,} in the rescue file {show(recorder.rescue_path)}"
    rows.append(line)
    for death in pool.deaths:
        rows.append(f"worker {death.worker} (pid {death.pid}, {death.sensors:,} sensors) "
                    f"{death.how} at {time.strftime('%H:%M:%S', time.localtime(death.at))}")
    if pool.deaths:
        rows.append(f"readings missed while a worker was down: about {pool.missed:,}; the log "
                    f"has an error line for each of its sensors where the gap begins "
                    f"({pool.markers:,} in all)")
    lost = pool.taken_by_ended - pool.received_from_ended
    if lost:
        rows.append(f"{lost:,} readings the workers took never reached the log")
    if pool.bad_messages:
        rows.append(f"{pool.bad_messages:,} damaged batches from workers were not written")
    lateness = pool.lateness
    if lateness.size:
        p50, p99 = np.percentile(lateness, [50, 99]) * 1000
        rows.append(f"sampling lateness p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    else:
        rows.append("sampling lateness: no polled readings yet")
    if recorder.error:
        rows.append(f"recorder error: {recorder.error}")
    return "\n".join(rows)
