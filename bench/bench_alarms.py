"""Alarm journals and actions: what ``sensortop alarms`` costs per journal line, and what an
AlarmEvent costs the engine's loop on its way to the actions sink.

* KPIs: a generated journal of N lines is read (``read_journal``) and its KPIs
  computed (``compute_kpis``); the baseline is the floor of any reader, a bare
  ``orjson.loads`` of every line of the same file, in this process.
* ``put``: microseconds per ``ActionsSink.put`` for an event that matches no
  action (matching only) and for one that queues a job (a bell with a no-op
  writer), against a baseline of a plain method call.

    .venv/bin/python bench/bench_alarms.py [--lines 200000 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent, AlarmKind, EventKind, Lifecycle, Priority
from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.journal import read_journal
from sensortop.sinks.actions.runner import ActionRunner
from sensortop.sinks.actions.sink import ActionsSink


def write_journal(path: Path, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    t = 1_795_000_000.0
    events = [("raise", "unack"), ("ack", "acked"), ("clear", "normal")]
    with path.open("w") as out:
        for i in range(lines):
            t += rng.expovariate(1 / 2.0)
            event, to = events[i % 3]
            ts = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            out.write(json.dumps({"ts": ts, "sensor": f"s{rng.randrange(200)}", "alarm": "hi",
                                  "priority": "high", "event": event, "from": "normal",
                                  "to": to, "value": 1.5, "limit": 1.0}) + "\n")


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_kpis(lines: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events-20261118-110000.jsonl"
        write_journal(path, lines)

        def floor() -> None:
            with path.open("rb") as f:
                for line in f:
                    orjson.loads(line)

        def ours() -> None:
            compute_kpis(read_journal([path]).entries)

        base, full = median_time(floor, repeat), median_time(ours, repeat)
        mb = path.stat().st_size / 1e6
        print(f"KPIs, {lines:,} lines ({mb:.0f} MB): orjson floor {base:.2f} s, "
              f"read + KPIs {full:.2f} s ({lines / full:,.0f} lines/s), ratio {full / base:.1f}x")


def bench_put(calls: int = 200_000) -> None:
    event = AlarmEvent(1.0, "s", AlarmKind.HI, Priority.LOW, EventKind.RAISE,
                       Lifecycle.NORMAL, Lifecycle.UNACK, 1.0, 0.5)
    nomatch = ActionsSink([ActionSpec(ActionKind.BELL, 0, priority=frozenset({Priority.HIGH}))])
    runner = ActionRunner(queue_limit=calls + 1)
    runner.terminal.plug(lambda text: None)
    queued = ActionsSink([ActionSpec(ActionKind.BELL, 0)], runner)

    class Plain:
        def put(self, item: object) -> None:
            return None

    results = {}
    for name, sink in (("plain call", Plain()), ("no match", nomatch), ("queued", queued)):
        start = time.perf_counter()
        for _ in range(calls):
            sink.put(event)  # type: ignore[attr-defined]
        results[name] = (time.perf_counter() - start) / calls * 1e6
    runner.wait(60)
    runner.shut()
    base = results["plain call"]
    print("put per event: " + ", ".join(f"{k} {v:.2f} us ({v / base:.1f}x)"
                                        for k, v in results.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[200_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for lines in args.lines:
        bench_kpis(lines, args.repeat)
    bench_put()


if __name__ == "__main__":
    main()
