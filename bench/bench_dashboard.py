"""Dashboard under load: UI loop lag, CPU and sampling lateness with N sensors at 10 Hz.

Runs the real app in ``run_test`` with a driver that is *not* headless: every
frame is turned into terminal escape sequences and written (to /dev/null),
which headless mode would skip. For each sensor count it measures

* UI loop lag: lateness of a 20 Hz heartbeat task on the UI's event loop (p50/p99);
* CPU % of the process over the window (1 core = 100 %);
* sampling lateness p50/p99 from the engine's own ``lateness`` log;
* that every reading reached the log (lines on disk == readings taken);

for the engine on its own thread (``ThreadedLink``, the default) and on the UI
loop (``InlineLink``), plus a baseline of the engine alone (no UI) in this
process, so figures come as ratios to a same-machine baseline.

``--modes table`` runs the threaded dashboard showing the table view (``v``)
instead of the grid, sorted by value (re-sorted every frame, the costliest
order); ``--groups N`` spreads the sensors over N groups (grid sections,
table group headers with counts), for every mode alike.

    .venv/bin/python bench/bench_dashboard.py [--sensors 50 200 500] [--seconds 10]
    .venv/bin/python bench/bench_dashboard.py --sensors 2000 --modes thread table --groups 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from textual.drivers.headless_driver import HeadlessDriver

from sensortop.model.specs import Config, MonitorSpec, SensorSpec
from sensortop.sampling.engine import Engine
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import InlineLink, SamplingLink, ThreadedLink
from sensortop.tui.table.widget import SensorTable

SIZE = (200, 60)
HEARTBEAT = 0.05
WARMUP = 2.0


class RenderingDriver(HeadlessDriver):
    """Headless input, real output: frames are rendered and written to /dev/null."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        self.bytes_written = 0

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.bytes_written += len(data)
        self._out.write(data)

    def flush(self) -> None:
        self._out.flush()


class BenchApp(SensortopApp):
    def _build_driver(self, headless, inline, mouse, size):  # type: ignore[no-untyped-def]
        driver = self._driver = RenderingDriver(self, debug=False, mouse=mouse, size=size)
        return driver


@dataclass
class Result:
    mode: str
    sensors: int
    lag_p50: float = float("nan")
    lag_p99: float = float("nan")
    cpu: float = float("nan")
    late_p50: float = float("nan")
    late_p99: float = float("nan")
    frames: float = float("nan")
    mb_out: float = float("nan")
    logged: bool = False


def make_config(n: int, log_dir: Path, groups: int = 0) -> Config:
    specs = [SensorSpec(id=f"s{i:04d}", units="°C", interval=0.1, timeout=0.1, setpoint=50.0,
                        group=f"group {i * groups // n}" if groups else "",
                        options={"noise": 0.5, "walk": 1.0, "reversion": 0.5, "read_time": 0.0,
                                 "fail_rate": 0.0, "hang_rate": 0.0, "drift": 0.0,
                                 "seed": i})
             for i in range(n)]
    return Config(None, MonitorSpec(log_dir=log_dir, title=f"bench {n}"), specs)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def heartbeat(samples: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + HEARTBEAT
        await asyncio.sleep(HEARTBEAT)
        samples.append(loop.time() - due)


def count_lines(paths: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in paths if path.exists())


async def run_dashboard(n: int, mode: str, seconds: float, groups: int = 0) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(n, Path(tmp), groups)
        session = SamplingSession(config, Path(tmp))
        link: SamplingLink = InlineLink(session) if mode == "inline" else ThreadedLink(session)
        app = BenchApp(link, config, pubchem_url="http://127.0.0.1:9/rest/pug",
                       theme="control-room")
        result = Result(mode, n)
        async with app.run_test(size=SIZE) as pilot:
            if mode == "table":
                await pilot.press("v")
                await pilot.pause()
                table = app.query_one(SensorTable)
                table.sort_by("value", descending=True)
            await asyncio.sleep(WARMUP)
            driver = app._driver
            assert isinstance(driver, RenderingDriver)
            frames0, bytes0 = app.frames, driver.bytes_written
            wall = await measure_window(link.engine, seconds, result)
            result.frames = (app.frames - frames0) / wall
            result.mb_out = (driver.bytes_written - bytes0) / 1e6 / wall
            await pilot.press("q")
            while app.is_running:
                await asyncio.sleep(0.05)
        await link.stop()
        result.logged = count_lines(link.recorder.paths) == link.engine.readings_total
        return result


async def measure_window(engine: Engine, seconds: float, result: Result) -> float:
    """One measuring window: UI-loop heartbeat lag, process CPU and the engine's own
    sampling lateness, written into ``result``; returns the window's length in seconds."""
    proc = psutil.Process()
    samples: list[float] = []
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(samples, stop))
    engine.lateness.clear()
    cpu0, wall0 = proc.cpu_times(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu1, wall1 = proc.cpu_times(), time.perf_counter()
    stop.set()
    await beat
    wall = wall1 - wall0
    late = engine.lateness.percentiles(50, 99)
    result.cpu = 100 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall
    result.lag_p50, result.lag_p99 = pct(samples, 50) * 1e3, pct(samples, 99) * 1e3
    result.late_p50, result.late_p99 = late[0] * 1e3, late[1] * 1e3
    return wall


async def run_baseline(n: int, seconds: float, groups: int = 0) -> Result:
    """The engine and recorder alone on this loop: what sampling costs without a UI."""
    with tempfile.TemporaryDirectory() as tmp:
        session = SamplingSession(make_config(n, Path(tmp), groups), Path(tmp))
        result = Result("no UI", n)
        await session.start()
        await asyncio.sleep(WARMUP)
        await measure_window(session.engine, seconds, result)
        await session.stop()
        result.logged = count_lines(session.recorder.paths) == session.engine.readings_total
        return result


def show(result: Result, base: Result) -> None:
    ratio = result.late_p99 / base.late_p99 if base.late_p99 > 0 else float("nan")
    print(f"{result.sensors:>5} {result.mode:>7} {result.lag_p50:>8.1f} {result.lag_p99:>8.1f}"
          f" {result.cpu:>6.0f} {result.late_p50:>8.1f} {result.late_p99:>8.1f}"
          f" {ratio:>6.1f}x {result.frames:>6.1f} {result.mb_out:>6.2f}"
          f" {'yes' if result.logged else 'NO':>7}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; medians shown")
    parser.add_argument("--modes", nargs="+", default=["thread", "inline"],
                        choices=["thread", "inline", "table"],
                        help="thread, inline: the grid; table: the table view (threaded)")
    parser.add_argument("--groups", type=int, default=0,
                        help="spread the sensors over this many groups")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {psutil.cpu_count()} cpus, terminal {SIZE}, "
          f"10 Hz sensors, {args.seconds:g} s windows, {args.groups} groups")
    print("  (lag: UI-loop heartbeat lateness; late: sampling lateness; ms;"
          " ratio: late p99 / no-UI p99)")
    print(f"{'n':>5} {'mode':>7} {'lag p50':>8} {'lag p99':>8} {'cpu%':>6} {'late p50':>8}"
          f" {'late p99':>8} {'ratio':>7} {'fps':>6} {'MB/s':>6} {'logged':>7}")
    for n in args.sensors:
        base = median_result([asyncio.run(run_baseline(n, args.seconds, args.groups))
                              for _ in range(args.repeat)])
        show(base, base)
        shown: dict[str, Result] = {}
        for mode in args.modes:
            shown[mode] = median_result([
                asyncio.run(run_dashboard(n, mode, args.seconds, args.groups))
                for _ in range(args.repeat)])
            show(shown[mode], base)
        if "table" in shown and "thread" in shown:  # the table against the grid, same run
            table, grid = shown["table"], shown["thread"]
            print(f"{n:>5}  table / grid: lag p50 {table.lag_p50 / grid.lag_p50:.2f}x,"
                  f" lag p99 {table.lag_p99 / grid.lag_p99:.2f}x,"
                  f" late p99 {table.late_p99 / grid.late_p99:.2f}x,"
                  f" cpu {table.cpu / grid.cpu:.2f}x", flush=True)
    return 0


def median_result(results: list[Result]) -> Result:
    """Each figure's median over the runs; "logged" only if every run logged everything."""
    out = results[0]
    for name in ("cpu", "lag_p50", "lag_p99", "late_p50", "late_p99", "frames", "mb_out"):
        setattr(out, name, statistics.median(getattr(r, name) for r in results))
    out.logged = all(r.logged for r in results)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
