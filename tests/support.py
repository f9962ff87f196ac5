"""Helpers the tests share: waiting on conditions, reading logs back."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0,
                     message: str = "condition") -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` (generous: CI is noisy)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.01)


def read_log_lines(paths: list[Path] | Path) -> list[dict]:
    """Every line of the given log files, parsed; fails on any malformed line."""
    if isinstance(paths, Path):
        paths = sorted(paths.glob("sensortop-*.jsonl"))  # readings, not the journal
    lines = []
    for path in paths:
        for raw in path.read_bytes().splitlines():
            lines.append(orjson.loads(raw))
    return lines


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most request starts (or arrivals) in any half-open window of ``window`` seconds:
    what PubChem's limit of five a second is about."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def review_captured(paths: list[str], now: float, **options: object) -> tuple[int, str, str]:
    """``sensortop review`` in-process at a fixed ``now``: exit code, stdout, stderr."""
    from sensortop.cli.review import run_review

    out, err = io.StringIO(), io.StringIO()
    args = {"sensors": None, "since": None, "until": None, "plot": False, "as_json": False,
            "log_dir": None} | options
    code = run_review(paths, stdout=out, stderr=err, now=datetime.fromtimestamp(now, UTC),
                      **args)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()
