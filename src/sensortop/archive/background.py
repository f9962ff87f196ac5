"""Compaction in the background of ``record`` and the dashboard.

Each pass is a child process (``sensortop compact --background --json``) at
the lowest CPU priority: it shares neither the GIL nor the event loop with
sampling, the scheduler gives it only idle CPU, and killing it at any moment
is safe (see ``archive.writer``). The parent only awaits it and reads its
report, so ``note`` can say in the status line and the summary what was
archived and removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from sensortop.logs.archive_names import run_stem
from sensortop.logs.writer import Recorder
from sensortop.model.specs import MonitorSpec

EVERY = 600.0  # seconds between passes; the first runs soon after the start
FIRST_DELAY = 30.0


class BackgroundCompactor:
    """Runs a pass now and then; ``archived``, ``removed`` and ``note`` tell what it did."""

    def __init__(self, log_dir: Path, monitor: MonitorSpec, own_run: Callable[[], str | None],
                 every: float = EVERY, first_delay: float = FIRST_DELAY) -> None:
        self.log_dir = log_dir
        self.monitor = monitor
        self.own_run = own_run
        self.every, self.first_delay = every, first_delay
        self.archived = 0
        self.removed: list[dict] = []
        self.problems: list[str] = []
        self.passes = 0
        self._task: asyncio.Task | None = None
        self._child: asyncio.subprocess.Process | None = None

    @classmethod
    def beside(cls, recorder: Recorder, monitor: MonitorSpec) -> BackgroundCompactor:
        """The compactor of ``recorder``'s folder, which never touches its own open run."""
        return cls(recorder.log_dir, monitor,
                   lambda: run_stem(recorder.path) if recorder.path else None)

    def command(self) -> list[str]:
        argv = [sys.executable, "-m", "sensortop", "compact", str(self.log_dir), "--json",
                "--background", "--keep-jsonl-days", repr(self.monitor.keep_jsonl_days)]
        for flag, value in (("--retain-days", self.monitor.retain_days),
                            ("--retain-gb", self.monitor.retain_gb),
                            ("--retain-events-days", self.monitor.retain_events_days)):
            if value is not None:
                argv += [flag, repr(value)]
        stem = self.own_run()
        if stem:
            argv += ["--protect", stem]
        return argv

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop between passes or mid-pass (the child is killed: safe at any point)."""
        if self._child is not None and self._child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._child.kill()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._child is not None and self._child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                await self._child.wait()

    async def run_once(self) -> None:
        """One pass, awaited; its report is added to the totals."""
        if not self.log_dir.is_dir():
            return
        self._child = await asyncio.create_subprocess_exec(
            *self.command(), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await self._child.communicate()
        self.passes += 1
        try:
            report = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            text = err.decode("utf-8", "replace").strip().splitlines()
            self.problems.append(f"the pass failed: {text[-1] if text else 'no report'}")
            return
        self.archived += len(report["archived"])
        self.removed += report["removed"]
        self.problems += report["problems"]

    async def _run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                await self.run_once()
            except OSError as exc:  # cannot start a process: say so, try again later
                self.problems.append(f"cannot start a pass: {exc}")
            await asyncio.sleep(self.every)

    @property
    def note(self) -> str:
        """For the status line and ``record``'s summary; empty while nothing happened."""
        parts = []
        if self.archived:
            parts.append(f"archived {self.archived:,} log{'s' if self.archived != 1 else ''}")
        if self.removed:
            size = sum(r["bytes"] for r in self.removed) / 1e6
            whys = sorted({r["why"] for r in self.removed})
            parts.append(f"removed {len(self.removed):,} file"
                         f"{'s' if len(self.removed) != 1 else ''} ({size:,.1f} MB; "
                         f"{', '.join(whys)})")
        if self.problems:
            parts.append(f"compaction: {self.problems[-1]}")
        return "; ".join(parts)
