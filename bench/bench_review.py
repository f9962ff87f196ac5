"""Summarising a 1,000,000-line log: sensortop's reader against a ``json.loads`` loop.

Usage: ``.venv/bin/python bench/bench_review.py [--lines N] [--runs R]``

The log is generated once into ``bench/out/`` (git-ignored) in the contract's
format: four sensors every 0.5 s, ~1% timeouts with an error text, ~2% of
readings in a ``hi`` alarm. Both sides produce the same per-sensor summaries
(checked), in the same process; medians of R runs are printed with the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sensortop.review.logdata import ALARMS, STATUSES, LogData, SensorSeries
from sensortop.review.reader import read_logs
from sensortop.review.summary import summarise

OUT = Path(__file__).parent / "out"
SENSORS = {"reactor_temp": "°C", "reactor_press": "bar", "feed_flow": "L/min",
           "coolant_temp": "°C"}


def generate(path: Path, lines: int, seed: int = 1) -> None:
    """Write the log with a seeded RNG; ~10 s for a million lines, done once."""
    rng = np.random.default_rng(seed)
    names = list(SENSORS)
    values = np.round(rng.normal(100, 5, lines), 3)
    timeouts = rng.random(lines) < 0.01
    t0 = 1_795_000_000.0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for i in range(lines):
            ts = t0 + i * 0.125
            moment = datetime.fromtimestamp(ts, UTC)
            rec: dict = {"ts": moment.strftime("%Y-%m-%dT%H:%M:%S.")
                         + f"{moment.microsecond // 1000:03d}Z",
                         "sensor": names[i % 4], "value": None, "units": SENSORS[names[i % 4]],
                         "status": "ok"}
            if timeouts[i]:
                rec["status"], rec["error"] = "timeout", "read timed out"
            else:
                rec["value"] = float(values[i])
                if values[i] > 110:
                    rec["alarm"] = "hi"
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.rename(path)


def baseline(path: Path) -> LogData:
    """The obvious way: ``json.loads`` each line, collect lists, then numpy arrays."""
    per: dict[str, tuple[list, list, list, list, list]] = {}
    status_code = {s: i for i, s in enumerate(STATUSES)}
    alarm_code = {a: i for i, a in enumerate(ALARMS)}
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            cols = per.setdefault(rec["sensor"], ([], [], [], [], []))
            cols[0].append(datetime.fromisoformat(rec["ts"]).timestamp())
            cols[1].append(float("nan") if rec["value"] is None else rec["value"])
            cols[2].append(status_code[rec["status"]])
            cols[3].append(alarm_code[rec.get("alarm", "normal")])
            cols[4].append(rec.get("units", ""))
    series = {
        name: SensorSeries(name, cols[4][-1], np.array(cols[0]), np.array(cols[1]),
                           np.array(cols[2], dtype=np.int8), np.array(cols[3], dtype=np.int8))
        for name, cols in per.items()
    }
    return LogData(files=[path], series=series)


def timed(fn, runs: int) -> tuple[float, list]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"review-{args.lines}.jsonl"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, args.lines)
    size_mb = path.stat().st_size / 1e6
    fast_s, fast = timed(lambda: summarise(read_logs([path])), args.runs)
    base_s, base = timed(lambda: summarise(baseline(path)), max(1, args.runs // 2))
    for a, b in zip(fast, base, strict=True):  # same answers, or the race means nothing
        assert (a.sensor, a.count, a.statuses, a.min, a.max) == \
            (b.sensor, b.count, b.statuses, b.min, b.max), (a, b)
        assert abs(a.mean - b.mean) < 1e-9 and abs(a.first - b.first) < 1e-6
        assert all(abs(a.alarm_seconds[k] - b.alarm_seconds[k]) < 1e-6 for k in ALARMS)
    print(f"log: {args.lines:,} lines, {size_mb:.0f} MB")
    print(f"sensortop read_logs + summarise: median {fast_s:.3f} s "
          f"({args.lines / fast_s / 1e6:.2f} M lines/s, {args.runs} runs)")
    print(f"baseline json.loads loop + summarise: median {base_s:.3f} s "
          f"({max(1, args.runs // 2)} runs)")
    print(f"ratio: {base_s / fast_s:.1f}x faster")


if __name__ == "__main__":
    main()
