"""History from the logs: backfill to the first complete frame, and what a viewer costs.

Usage::

    .venv/bin/python bench/bench_history.py backfill [--runs 5]
    .venv/bin/python bench/bench_history.py follow [--seconds 20] [--rate 1000] [--runs 3]

``backfill``: 24 h of 50 sensors at 1 Hz (4,320,000 readings, ~460 MB in 100 MB
parts, written once into bench/out/ with the recorder's own encoder). Timed from
start to the first frame with every panel full (the ``ViewApp`` in Textual's
headless ``run_test``: 50 panels of 600 points each), and the backfill read alone
(``read_recent``), against the baseline of reading the whole 24 h with the review
reader and keeping the last 600 points. Medians of ``--runs``.

``follow``: a recorder in a process of its own writes ``--rate`` readings/s (50
sensors) with rotation; meanwhile three followers run, each in its own process,
and their CPU time over wall time is measured with psutil: a bare ``json.loads``
tail (the baseline), the follower alone (``ViewLink``: tail, parse, feed), and
the whole ``sensortop view`` on a pseudo-terminal; medians of ``--runs`` runs,
each run's own baseline in it. Meanwhile the delay from each reading's time to
the frame that painted its panel, in an in-process ``ViewApp`` (headless: the
frame tick that repainted it), p50 and p99 over all runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "out" / "history-24h"
SENSORS = 50
HOURS = 24
SRC = str(Path(__file__).resolve().parents[1] / "src")
DEAD_PUBCHEM = "http://127.0.0.1:9/rest/pug"


# -- the 24 h log ------------------------------------------------------------------------
def generate(folder: Path) -> float:
    """Write 24 h x 50 sensors x 1 Hz once, with the recorder's encoder and part names;
    returns the time of the last reading."""
    from sensortop.logs.files import part_path
    from sensortop.logs.format import encode_lines
    from sensortop.model.readings import Reading, Status

    stamp = folder / "end.txt"
    if stamp.exists():
        return float(stamp.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    end = float(int(time.time()))
    start = end - HOURS * 3600
    rng = np.random.default_rng(1)
    stem = "sensortop-" + time.strftime("%Y%m%d-%H%M%S", time.gmtime(start))
    part, size, out = 0, 0, part_path(folder, stem, 0).open("wb")
    for second in range(0, HOURS * 3600, 600):
        values = rng.normal(100, 5, (600, SENSORS)).round(3)
        chunk = encode_lines(
            Reading(start + second + i + s * 0.01, f"sensor_{s:02d}", float(values[i, s]),
                    "°C", Status.OK) for i in range(600) for s in range(SENSORS))
        if size + len(chunk) > 100 << 20:
            out.close()
            part, size = part + 1, 0
            out = part_path(folder, stem, part).open("wb")
        out.write(chunk)
        size += len(chunk)
    out.close()
    stamp.write_text(repr(end))
    return end


def backfill_bench(runs: int) -> None:
    from sensortop.review.reader import read_logs
    from sensortop.review.recent import read_recent

    print("generating the 24 h log (once)…", flush=True)
    end = generate(OUT)
    files = sorted(p for p in OUT.glob("*.jsonl"))
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {total / 1e6:,.0f} MB, {SENSORS * HOURS * 3600:,} readings")
    frame, read, base = [], [], []
    for _ in range(runs):
        frame.append(asyncio.run(first_full_frame(OUT)))
        t = time.perf_counter()
        found = read_recent(OUT, None, 600, end - HOURS * 3600)
        read.append(time.perf_counter() - t)
        assert len(found) == SENSORS and all(s.ts.size == 600 for s in found.values())
    for _ in range(max(1, runs // 2)):
        t = time.perf_counter()
        data = read_logs([OUT])
        whole = {name: s.ts[-600:] for name, s in data.series.items()}
        base.append(time.perf_counter() - t)
        assert all(np.array_equal(whole[n], found[n].ts) for n in found)
    f, r, b = (statistics.median(x) for x in (frame, read, base))
    print(f"first complete frame (ViewApp, 50 panels x 600 points): {f:.3f} s (goal < 2 s)")
    print(f"backfill read alone (read_recent):                     {r:.3f} s")
    print(f"baseline: the whole 24 h read (read_logs), last 600:   {b:.3f} s")
    print(f"ratio baseline / backfill read: {b / r:.0f}x; baseline / first frame: {b / f:.1f}x")


async def first_full_frame(folder: Path) -> float:
    from sensortop.config.loader import load_config
    from sensortop.tui.view_app import ViewApp
    from sensortop.tui.view_link import ViewLink

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "empty.toml"
        cfg.write_text("[monitor]\nhistory = 600\n", encoding="utf-8")
        config = load_config(cfg)
    started = time.perf_counter()
    link = ViewLink(folder, history=600)
    app = ViewApp(link, config, pubchem_url=DEAD_PUBCHEM)
    async with app.run_test(size=(200, 60)) as pilot:
        while not (len(app.grid.panels) == SENSORS
                   and all(len(p.state.history) == 600 for p in app.grid.panels)):
            await pilot.pause(0.005)
        frames = app.frames
        while app.frames == frames:  # the next whole frame, with every panel in it
            await pilot.pause(0.005)
        took = time.perf_counter() - started
        await link.stop()
    return took


# -- following a recorder ------------------------------------------------------------------
WRITER = """
import asyncio, sys, time
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status
async def main(folder, rate, seconds):
    rec = Recorder(folder, rotate_bytes=2 << 20)
    await rec.start()
    step, n, t0 = 0.01, 0, time.time()
    while time.time() - t0 < seconds:
        due = int((time.time() - t0) * rate)
        while n < due:
            rec.put(Reading(time.time(), f"sensor_{n % 50:02d}", float(n % 97), "V", Status.OK))
            n += 1
        await asyncio.sleep(step)
    await rec.stop()
asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
"""

BARE_TAIL = """
import json, os, sys, time
folder = sys.argv[1]
def newest():
    names = sorted(n for n in os.listdir(folder) if n.endswith(".jsonl"))
    return os.path.join(folder, names[-1]) if names else None
path, f, count = None, None, 0
while True:
    latest = newest()
    if latest != path and latest is not None:
        if f: [json.loads(line) for line in f]
        path, f = latest, open(latest)
    if f:
        for line in f:
            if line.endswith("\\n"):
                json.loads(line); count += 1
    time.sleep(0.2)
"""

LINK_ONLY = """
import asyncio, sys, time
from pathlib import Path
from sensortop.tui.view_link import ViewLink
link = ViewLink(Path(sys.argv[1]), history=600)
asyncio.run(link.start())
while True:
    time.sleep(1)
"""


def follow_bench(seconds: float, rate: float, runs: int) -> None:
    cpu: dict[str, list[float]] = {}
    delays: list[np.ndarray] = []
    for run in range(runs):
        shares, delay = follow_once(seconds, rate)
        for name, share in shares.items():
            cpu.setdefault(name, []).append(share)
        delays.append(delay)
        view = shares[VIEW]
        print(f"  run {run + 1}/{runs}: sensortop view CPU {view * 100:.1f} % of a core",
              flush=True)
    base = statistics.median(cpu[BASELINE])
    print(f"following a recorder at {rate:,.0f} readings/s (50 sensors), {seconds:.0f} s, "
          f"medians of {runs} runs:")
    for name, shares in cpu.items():
        share = statistics.median(shares)
        ratio = f"{share / base:.2f}x baseline" if base > 0 else ""
        print(f"  {name:34s} CPU {share * 100:5.1f} % of a core  {ratio}")
    print(f"  goal: sensortop view < 5 % of a core (runs: "
          f"{', '.join(f'{x * 100:.1f}' for x in cpu[VIEW])})")
    every = np.concatenate(delays)
    p50, p99 = np.percentile(every, [50, 99])
    print(f"reading time -> its panel repainted (in-process ViewApp, {every.size:,} readings): "
          f"p50 {p50:.3f} s, p99 {p99:.3f} s (goal p99 < 1.5 s)")


BASELINE = "baseline: json.loads tail"
VIEW = "sensortop view (whole app, pty)"


def follow_once(seconds: float, rate: float) -> tuple[dict[str, float], np.ndarray]:
    """One run: each follower's CPU time over wall time, and the in-process delays."""
    import psutil

    env = dict(os.environ, PYTHONPATH=SRC)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, tmp, str(rate),
                                   str(seconds + 6)], env=env)
        time.sleep(1.0)
        followers = {
            BASELINE: subprocess.Popen([sys.executable, "-c", BARE_TAIL, tmp], env=env),
            "follower alone (ViewLink)": subprocess.Popen(
                [sys.executable, "-c", LINK_ONLY, tmp], env=env),
        }
        master, slave = pty.openpty()
        os.system(f"stty -F {os.ttyname(slave)} rows 50 cols 200 2>/dev/null")
        view = subprocess.Popen([sys.executable, "-m", "sensortop", "view", tmp],
                                stdin=slave, stdout=slave, stderr=slave,
                                env=dict(env, TERM="xterm-256color"), start_new_session=True)
        followers[VIEW] = view
        threading.Thread(target=_drain, args=(master,), daemon=True).start()
        time.sleep(3.0)  # start-up and backfill are not what is measured
        procs = {name: psutil.Process(p.pid) for name, p in followers.items()}
        before = {name: sum(p.cpu_times()[:2]) for name, p in procs.items()}
        wall = time.monotonic()
        delays = asyncio.run(delay_probe(folder, seconds))
        wall = time.monotonic() - wall
        cpu = {name: (sum(p.cpu_times()[:2]) - before[name]) / wall for name, p in procs.items()}
        for p in followers.values():
            p.terminate()
        for p in followers.values():
            p.wait(10)
        writer.wait(30)
        os.close(master)
        os.close(slave)
    return cpu, delays


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        return


async def delay_probe(folder: Path, seconds: float) -> np.ndarray:
    """Per reading: the wall time when the frame clock repainted its panel, minus its ts."""
    from sensortop.config.loader import load_config
    from sensortop.tui.view_app import ViewApp
    from sensortop.tui.view_link import ViewLink

    delays: list[np.ndarray] = []
    painted: dict[str, float] = {}

    class Probe(ViewApp):
        def frame_slice(self) -> None:
            super().frame_slice()
            now = time.time()
            for panel in self.grid.panels:
                key = panel._key  # what the panel last painted: its history's count then
                if key is None:
                    continue
                times = panel.state.history.window(int(key[0]), 600)[0]  # type: ignore[call-overload]
                seen = painted.get(panel.sensor_id)
                if seen is None:  # the backfill's points: not measured
                    painted[panel.sensor_id] = float(times[-1]) if times.size else 0.0
                    continue
                fresh = times[times > seen]
                if fresh.size:
                    delays.append(now - fresh)
                    painted[panel.sensor_id] = float(fresh[-1])

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "empty.toml"
        cfg.write_text("[monitor]\nhistory = 600\n", encoding="utf-8")
        config = load_config(cfg)
    link = ViewLink(folder, history=600)
    app = Probe(link, config, pubchem_url=DEAD_PUBCHEM)
    async with app.run_test(size=(200, 80)) as pilot:
        await pilot.pause(seconds)
        await link.stop()
    return np.concatenate(delays) if delays else np.zeros(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    back = sub.add_parser("backfill")
    back.add_argument("--runs", type=int, default=5)
    follow = sub.add_parser("follow")
    follow.add_argument("--seconds", type=float, default=20.0)
    follow.add_argument("--rate", type=float, default=1000.0)
    follow.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "backfill":
        backfill_bench(args.runs)
    else:
        follow_bench(args.seconds, args.rate, args.runs)


if __name__ == "__main__":
    main()
