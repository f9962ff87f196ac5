"""The review screen on a 1,000,000-line log: first usable frame, complete load, and
the CPU cost of following a log that grows by 1,000 lines a second.

Usage: ``.venv/bin/python bench/bench_review_screen.py [--lines N] [--runs R] [--tail-s S]``

The log is ``bench_review``'s (generated once into ``bench/out/``). Baseline, in
the same process: the plain reader, ``summarise(read_logs([log]))``, which is
what the screen's worker does before anything shows. The screen runs headless
(Textual's ``run_test``), as a finished run (read by ``read_logs``) and as the
running one (read by the ``Follower``, then followed). "Usable" is the first
key the screen answers (``v``, the next tab, sent as a keypress is) after it is
pushed; "loaded" is the table filled; the event loop's worst lateness while
loading is how long a key could have waited. Following: a writer process
appends 250 lines every 250 ms (the recorder's flush) to a copy of the log;
the screen process's CPU seconds per wall second are compared with the same
screen following a log that does not grow. Medians of R runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.widgets import TabbedContent

from bench_review import OUT, generate
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise
from sensortop.tui.screens.review import ReviewScreen
from sensortop.tui.widgets.summary_table import SummaryTable

WRITER = """
import sys, time, json
from datetime import UTC, datetime
path, rate = sys.argv[1], int(sys.argv[2])
batch = rate // 4
i = 0
with open(path, "a", encoding="utf-8") as out:
    while True:
        start = time.monotonic()
        now = time.time()
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        for k in range(batch):
            name = ("reactor_temp", "reactor_press", "feed_flow", "coolant_temp")[i % 4]
            out.write(json.dumps({"ts": stamp, "sensor": name, "value": 100.0 + k % 7,
                                  "units": "bar", "status": "ok"}) + "\\n")
            i += 1
        out.flush()
        time.sleep(max(0.0, 0.25 - (time.monotonic() - start)))
"""


class Host(App[None]):
    def __init__(self, log_dir: Path, current: Path | None) -> None:
        super().__init__()
        self.log_dir, self.current = log_dir, current


async def until(condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get there")
        await asyncio.sleep(0.002)


async def ticker(lateness: list[float]) -> None:
    """Keep in ``lateness[0]`` the most a 5 ms sleep overran: how long a key could wait."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        lateness[0] = max(lateness[0], time.perf_counter() - before - 0.005)


async def open_screen(log_dir: Path, current: Path | None,
                      sensors: int) -> tuple[float, float, float]:
    """Seconds from push to the first key answered and to the table filled, and the
    event loop's worst lateness (s) meanwhile: how long a key could wait."""
    app = Host(log_dir, current)
    async with app.run_test(size=(120, 40)):
        lateness = [0.0]
        tick = asyncio.create_task(ticker(lateness))
        start = time.perf_counter()
        app.push_screen(ReviewScreen(log_dir, current))
        await until(lambda: isinstance(app.screen, ReviewScreen)
                    and bool(app.screen.query("#review-tabs")))
        screen = app.screen
        app.simulate_key("v")  # as a keypress arrives: no waiting for the app to be idle
        tabs = screen.query_one("#review-tabs", TabbedContent)
        await until(lambda: tabs.active == "tab-readings")
        usable = time.perf_counter() - start
        table = screen.query_one(SummaryTable)
        await until(lambda: table.row_count == sensors)
        loaded = time.perf_counter() - start
        tick.cancel()
    return usable, loaded, lateness[0]


async def follow_cpu(log_dir: Path, current: Path, seconds: float,
                     rate: int) -> tuple[float, float]:
    """CPU seconds per wall second of this process while the screen follows ``current``,
    and the event loop's worst lateness meanwhile."""
    app = Host(log_dir, current)
    writer = None
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(ReviewScreen(log_dir, current))
        await until(lambda: isinstance(app.screen, ReviewScreen)
                    and app.screen.data is not None)
        await pilot.pause(1.0)
        if rate:
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(current), str(rate)])
        try:
            lines0 = app.screen.data.lines  # type: ignore[attr-defined]
            lateness = [0.0]
            tick = asyncio.create_task(ticker(lateness))
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            tick.cancel()
            await pilot.pause(1.5)
            grew = app.screen.data.lines - lines0  # type: ignore[attr-defined]
        finally:
            if writer is not None:
                writer.terminate()
                writer.wait()
    if rate:
        assert grew >= rate * seconds * 0.8, f"the screen saw only {grew} new lines"
    return cpu / wall, lateness[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tail-s", type=float, default=5.0)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    source = OUT / f"review-{args.lines}.jsonl"
    if not source.exists():
        print(f"generating {source} ...", flush=True)
        generate(source, args.lines)
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        log = log_dir / "sensortop-20261124-140000.jsonl"
        shutil.copyfile(source, log)
        plain = []
        for _ in range(args.runs):
            start = time.perf_counter()
            summarise(read_logs([log]))
            plain.append(time.perf_counter() - start)
        done = [asyncio.run(open_screen(log_dir, None, 4)) for _ in range(args.runs)]
        live = [asyncio.run(open_screen(log_dir, log, 4)) for _ in range(args.runs)]
        idle = asyncio.run(follow_cpu(log_dir, log, args.tail_s, 0))
        busy = asyncio.run(follow_cpu(log_dir, log, args.tail_s, 1000))
    base = statistics.median(plain)
    print(f"log: {args.lines:,} lines, {source.stat().st_size / 1e6:.0f} MB; medians of "
          f"{args.runs} runs")
    print(f"baseline read_logs + summarise:           {base:.3f} s")
    for name, runs in (("finished run (read_logs)", done), ("running log (Follower)", live)):
        usable = statistics.median(r[0] for r in runs)
        loaded = statistics.median(r[1] for r in runs)
        late = statistics.median(r[2] for r in runs)
        print(f"screen, {name}: first key answered {usable:.3f} s "
              f"({usable / base:.2f}x baseline), table filled {loaded:.3f} s "
              f"({loaded / base:.2f}x baseline), event loop at most {late * 1000:.0f} ms late")
    print(f"following, log not growing:  {idle[0] * 100:.1f} % of a core, "
          f"event loop at most {idle[1] * 1000:.0f} ms late")
    print(f"following, +1,000 lines/s:   {busy[0] * 100:.1f} % of a core "
          f"(+{(busy[0] - idle[0]) * 100:.1f} points for the growth), "
          f"event loop at most {busy[1] * 1000:.0f} ms late")


if __name__ == "__main__":
    main()
