"""``sensortop record``: the engine and its outputs with no UI.

Stops on --duration, Ctrl-C or SIGTERM with every reading flushed, showing a
one-line progress display on a terminal and a summary at the end. SIGHUP reloads
the config (``sampling.reload``), the service convention.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sensortop.archive.background import BackgroundCompactor
from sensortop.config.problems import ConfigError
from sensortop.logs.wording import show
from sensortop.model.specs import Config
from sensortop.model.words import count_of
from sensortop.sampling.reload import Loader, Reloader
from sensortop.sampling.session import SamplingSession

PROGRESS_EVERY = 0.5


async def record(config: Config, log_dir: Path | None, duration: float | None,
                 publish: str | None = None, out: TextIO | None = None,
                 reload: Loader | None = None, early_hangups: Sequence[int] = ()) -> int:
    """Run until stopped; return the exit code.

    ``reload`` reads the config again (blocking; run off the loop) on each SIGHUP, its
    log folder resolved as this run's was (``cli.main`` does); ``early_hangups`` are
    SIGHUPs caught before this ran: one reload follows the start.
    Once sampling stops, a SIGHUP is ignored until this returns (under a service
    manager, a reload while flushing must not kill the process).
    """
    previous_hup = signal.getsignal(signal.SIGHUP)
    try:
        return await _record(config, log_dir, duration, publish, out, reload, early_hangups)
    finally:
        with contextlib.suppress(ValueError, TypeError):  # not the main thread: not ours
            signal.signal(signal.SIGHUP, previous_hup)


async def _record(config: Config, log_dir: Path | None, duration: float | None,
                  publish: str | None, out: TextIO | None, reload: Loader | None,
                  early_hangups: Sequence[int]) -> int:
    out = out or sys.stderr
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    hangups: list[int] = list(early_hangups)
    # First of all, so a SIGTERM or Ctrl-C during a slow start still stops cleanly
    # (and a SIGHUP then is kept for after the start, not the end of the process).
    install_stop(loop, stop)
    if reload is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, hangups.append, signal.SIGHUP)
    started = time.monotonic()
    try:
        session = SamplingSession(config, log_dir, publish)
    except (ValueError, OSError) as exc:  # a spec built in code that the engine refuses
        _remove_signal_handlers(loop)
        print(f"sensortop record: cannot start sampling: {exc}", file=out, flush=True)
        return 1
    except ConfigError as exc:  # [[outputs]] built in code, not checked by the CLI
        _remove_signal_handlers(loop)
        print(f"sensortop record: cannot start sampling:\n{exc}", file=out, flush=True)
        return 2
    progress = out.isatty()
    handler = _LineHandler(out, progress)
    logging.getLogger("sensortop").addHandler(handler)
    reloader = None
    if reload is not None:
        running = replace(config, monitor=replace(config.monitor, log_dir=session.log_dir))
        reloader = Reloader(session.engine, running, reload,
                            lambda result: _print_lines(result.describe(), out, progress))
    compactor = BackgroundCompactor.beside(session.recorder, config.monitor)
    try:
        await session.start()
        compactor.start()
        gc.freeze()  # the engine's long-lived setup: no full collection walks it again
        print(f"recording {count_of(len(config.sensors), 'sensor')} to "
              f"{show(session.recorder.path)}", file=out, flush=True)
        for sink in session.sinks[1:]:
            print(sink.purpose, file=out, flush=True)
        if reloader is not None:
            _hand_hangups_to(loop, reloader, hangups)
        await run_until_stopped(stop, started, duration, out, (lambda: _progress_line(
            session, started, reloader)) if progress else None)
    finally:
        if progress:
            print(file=out)
        if reloader is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGHUP, _ignore)  # no more reloads
            await reloader.idle()  # a reload under way finishes before sampling stops
        await compactor.stop()
        reports = await session.stop()
        _remove_signal_handlers(loop)
        logging.getLogger("sensortop").removeHandler(handler)
    print(summary(session, time.monotonic() - started), file=out, flush=True)
    if reloader is not None and reloader.results:
        print(_reloads_text(reloader), file=out, flush=True)
    if compactor.note:
        print(compactor.note, file=out, flush=True)
    if reports[0].failed or (reports[0].undelivered and not session.recorder.error):
        print(f"log {session.primary.name}: {reports[0].undelivered:,} readings not written "
              f"({reports[0].error or 'no reason given'})", file=out, flush=True)
    for sink, report in zip(session.sinks[1:], reports[1:], strict=True):
        delivered = sink.delivered
        journal = sink.kind == "journal"
        text = f"alarm journal {sink.name}: " if journal else f"{sink.kind} output {sink.name}: "
        text += "stopped" if delivered is None else sink.delivered_text(delivered)
        if report.undelivered:
            text += (f"; {report.undelivered:,} could not be delivered"
                     f" ({report.error or 'no reason given'})")
        elif report.error:
            text += f"; {report.error}"
        print(text, file=out, flush=True)
    # Readings saved to a rescue file are not lost, but they are not in the log
    # the caller asked for either: a script must hear of it.
    failed = session.recorder.error is not None or any(
        r.undelivered or r.failed for r in reports)
    return 1 if failed else 0


def install_stop(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Ctrl-C and SIGTERM set ``stop`` (where the loop can take signals)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)


async def run_until_stopped(stop: asyncio.Event, started: float, duration: float | None,
                            out: TextIO, line: Callable[[], str] | None) -> None:
    """Wait for ``stop`` or the end of ``duration``, redrawing the live ``line``
    every ``PROGRESS_EVERY`` seconds if there is one."""
    deadline = started + duration if duration is not None else None
    while not stop.is_set():
        wait = PROGRESS_EVERY
        if deadline is not None:
            wait = min(wait, deadline - time.monotonic())
            if wait <= 0:
                break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        if line is not None:
            print("\r" + line(), end="", file=out, flush=True)


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signum)
    with contextlib.suppress(ValueError):  # ``record`` puts the previous one back
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _ignore() -> None:
    """A SIGHUP once sampling stops: there is nothing left to reload."""


def _hand_hangups_to(loop: asyncio.AbstractEventLoop, reloader: Reloader,
                     early: list[int]) -> None:
    """From now on SIGHUP reloads; one caught while starting reloads once now."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, reloader.request)
    if early:
        reloader.request()


def _print_lines(lines: list[str], out: TextIO, progress: bool) -> None:
    """Whole lines, not glued onto the live progress line."""
    for line in lines:
        print(("\r" + line.ljust(80)) if progress else line, file=out, flush=True)


def _reloads_text(reloader: Reloader) -> str:
    results = reloader.results
    refused = sum(result.refused for result in results)
    text = f"config {count_of(len(results), 'reload')}"
    text += f" ({refused:,} refused: the config had problems)" if refused else ""
    gone = list(dict.fromkeys(sid for result in results if result.diff is not None
                              for sid in result.diff.removed
                              if sid not in reloader.engine.sensors))
    if gone:  # not in the table above, though their readings are in the total and the log
        text += f"; removed while recording: {', '.join(gone)}"
    return text



class _LineHandler(logging.Handler):
    """Warnings as whole lines of their own, not glued onto the live progress line."""

    def __init__(self, out: TextIO, progress: bool) -> None:
        super().__init__(logging.WARNING)
        self.out = out
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        text = f"sensortop: {record.getMessage()}"
        if self.progress:
            text = "\r" + text.ljust(80)
        print(text, file=self.out, flush=True)


def _progress_line(session: SamplingSession, started: float,
                   reloader: Reloader | None = None) -> str:
    engine, recorder = session.engine, session.recorder
    elapsed = max(time.monotonic() - started, 1e-9)
    failures = sum(s.failures for s in engine.sensors.values())
    line = (f"{engine.readings_total:,} readings  {engine.readings_total / elapsed:,.0f}/s  "
            f"backlog {recorder.backlog:,}  errors {failures:,}")
    if reloader is not None and reloader.results:
        last = reloader.results[-1]
        line += f"  reloads {len(reloader.results):,}" + (" (last refused)" if last.refused
                                                          else "")
    if recorder.error:
        line += f"  DISK: {recorder.error}"
    for sink in session.sinks[1:]:
        if sink.error:
            line += f"  {sink.kind.upper()}: {sink.error}"
    return line[:200].ljust(80)



def summary(session: SamplingSession, elapsed: float) -> str:
    """A per-sensor table of what was recorded, and where."""
    engine, recorder = session.engine, session.recorder
    rows = [f"{'sensor':<24} {'readings':>9} {'ok':>9} {'failed':>7}  last"]
    for state in engine.sensors.values():
        last = state.last_reading
        last_text = "-" if last is None else (
            f"{last.value:.4g} {last.units}" if last.value is not None else last.status.value)
        rows.append(f"{state.id:<24} {state.readings:>9,} {state.readings - state.failures:>9,} "
                    f"{state.failures:>7,}  {last_text}")
    p50, p99 = engine.lateness.percentiles(50, 99)
    files = ", ".join(show(p) for p in recorder.paths) or "(none)"
    line = (f"{count_of(engine.readings_total, 'reading')} in {elapsed:.1f} s; "
            f"{recorder.written - recorder.rescued:,} written to {files}")
    if recorder.rescued:
        line += f"; {recorder.rescued:,} in the rescue file {show(recorder.rescue_path)}"
    if recorder.lost:
        line += f"; {recorder.lost:,} lost with deleted files"
    rows.append(line)
    if math.isfinite(p50) and math.isfinite(p99):
        rows.append(f"sampling lateness p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    else:  # nothing polled yet (a stop within the first interval, or streaming sensors only)
        rows.append("sampling lateness: no polled readings yet")
    if recorder.error:
        rows.append(f"recorder error: {recorder.error}")
    return "\n".join(rows)
