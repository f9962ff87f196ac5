"""Alarm KPIs on a generated journal, against figures this test works out by brute force.

The generator plays each alarm's lifecycle (raise, re-alarm, ack, clear, shelve,
unshelve) over two runs, with bursts that flood, chattering, fleeting and standing
episodes; it keeps the ground truth of every episode and shelve. The expected
figures come from that truth and from plain loops over every period and every
triple of raises, not from the code under test.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.journal import read_journal

DAY = 86_400.0
T0 = 1_795_000_000.0 - 1_795_000_000.0 % 600 + 123.4  # mid-period, so alignment matters


def iso(ts: float) -> str:
    millis = round(ts * 1000)
    return datetime.fromtimestamp(millis // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") + \
        f".{millis % 1000:03d}Z"


@dataclass
class Truth:
    lines: dict[int, list[dict]] = field(default_factory=dict)  # run -> entries
    episodes: list[tuple[tuple[str, str], float, float | None, int]] = field(default_factory=list)
    shelves: list[tuple[tuple[str, str], float, float | None, float, int]] = field(
        default_factory=list)  # key, start, unshelve ts or None, expiry, run


def generate(seed: int) -> Truth:
    rng = random.Random(seed)
    truth = Truth()
    keys = [(f"s{i}", alarm) for i in range(6) for alarm in ("hi", "lo", "rate")]
    runs = [(T0, T0 + 1.6 * DAY), (T0 + 1.7 * DAY, T0 + 2.2 * DAY)]
    bursts = [(T0 + h * 3600, T0 + h * 3600 + 900) for h in (3, 20, 43)]
    for run, (start, stop) in enumerate(runs):
        lines: list[dict] = []
        for key in keys:
            priority = rng.choice(["low", "medium", "high", "critical"])

            def add(ts: float, event: str, to: str, key: tuple[str, str] = key,
                    priority: str = priority, lines: list[dict] = lines,
                    **extra: object) -> None:
                lines.append({"ts": iso(ts), "sensor": key[0], "alarm": key[1],
                              "priority": priority, "event": event, "from": "x", "to": to,
                              "value": 1.5, "limit": 1.0} | extra)

            t = start + rng.uniform(0, 3600)
            while t < stop:
                if rng.random() < 0.05:  # shelve for a while (no raises meanwhile)
                    length = rng.uniform(60, 7200)
                    add(t, "shelve", "shelved", user="op", until=iso(t + length))
                    gone = t + length
                    if rng.random() < 0.5:
                        gone = t + rng.uniform(1, length)
                    if gone < stop:
                        add(gone, "unshelve", "normal", user="op")
                        truth.shelves.append((key, round(t, 3), round(gone, 3),
                                              round(t + length, 3), run))
                    else:
                        truth.shelves.append((key, round(t, 3), None, round(t + length, 3), run))
                    t = gone + rng.uniform(1, 600)
                    continue
                in_burst = any(a <= t <= b for a, b in bursts)
                kind = rng.random()
                if in_burst:
                    active = rng.uniform(2, 60)
                elif kind < 0.15:
                    active = rng.uniform(0.2, 4.9)  # fleeting
                elif kind < 0.17:
                    active = rng.uniform(1.05 * DAY, 1.3 * DAY)  # standing
                else:
                    active = rng.uniform(6, 1800)
                add(t, "raise", "unack")
                if active > 120 and rng.random() < 0.5:
                    add(t + 60, "ack", "acked", user="op")
                    if rng.random() < 0.5:
                        add(t + 90, "realarm", "unack")
                if t + active < stop:
                    add(t + active, "clear", "normal")
                    truth.episodes.append((key, round(t, 3), round(t + active, 3), run))
                else:
                    truth.episodes.append((key, round(t, 3), None, run))
                    break
                chatter = rng.random() < 0.05
                gap = rng.uniform(1, 20) if chatter or in_burst else rng.expovariate(1 / 5400)
                before, t = t, t + active + gap
                for a, _ in bursts:  # everyone joins a burst (a flood)
                    if before + active < a < t:
                        t = a + rng.uniform(0, 300)
        lines.sort(key=lambda d: d["ts"])
        truth.lines[run] = lines
    return truth


def write(truth: Truth, folder: Path) -> None:
    """Run 0 in a file and a rotated part, torn at the end; run 1 with a junk line."""
    first, second = truth.lines[0], truth.lines[1]
    half = len(first) // 2
    (folder / "events-20261118-110000.jsonl").write_text(
        "".join(json.dumps(d) + "\n" for d in first[:half]))
    (folder / "events-20261118-110000.1.jsonl").write_text(
        "".join(json.dumps(d) + "\n" for d in first[half:]) + '{"ts": "2026-11-2')
    body = [json.dumps(d) + "\n" for d in second]
    body.insert(5, "this is not json\n")
    (folder / "events-20261120-050000.jsonl").write_text("".join(body))
    (folder / "sensortop-20261118-110000.jsonl").write_text('{"not": "a journal"}\n')


def brute_force(truth: Truth, since: float | None, until: float | None) -> dict:
    every = [d for run in truth.lines.values() for d in run]
    ts_of = {id(d): datetime.fromisoformat(d["ts"]).timestamp() for d in every}
    inside = [d for d in every if (since is None or ts_of[id(d)] >= since)
              and (until is None or ts_of[id(d)] <= until)]
    start = since if since is not None else min(ts_of[id(d)] for d in inside)
    end = until if until is not None else max(ts_of[id(d)] for d in inside)
    raises = [(ts_of[id(d)], (d["sensor"], d["alarm"])) for d in inside if d["event"] == "raise"]
    periods = []
    p = math.floor(start / 600) * 600
    while p <= end:
        periods.append(sum(1 for t, _ in raises if p <= t < p + 600))
        p += 600
    flood, flooding = 0, False
    for n in periods:
        if not flooding and n > 10:
            flooding = True
        elif flooding and n < 5:
            flooding = False
        flood += flooding
    by_key: dict[tuple[str, str], list[float]] = {}
    for t, key in raises:
        by_key.setdefault(key, []).append(t)
    chattering = {}
    for key, times in by_key.items():
        if any(times[k] - times[i] <= 60 for i in range(len(times))
               for k in range(i + 2, len(times))):
            chattering[key] = max(sum(1 for u in times if t <= u <= t + 60) for t in times)
    run_last = {run: max(datetime.fromisoformat(d["ts"]).timestamp() for d in lines)
                for run, lines in truth.lines.items()}
    if until is not None:
        run_last = {run: min(t, until) for run, t in run_last.items()}

    def in_span(t: float) -> bool:
        return (since is None or t >= since) and (until is None or t <= until)

    fleeting: dict[tuple[str, str], int] = {}
    standing: set[tuple[str, str]] = set()
    for key, raised, cleared, run in truth.episodes:
        ended = cleared if cleared is not None else run_last[run]
        if cleared is not None and cleared - raised < 5 and in_span(raised):
            fleeting[key] = fleeting.get(key, 0) + 1
        if ended - raised > DAY and (until is None or raised <= until) and \
                (since is None or ended >= since):
            standing.add(key)
    shelved: dict[tuple[str, str], float] = {}
    for key, began, gone, expiry, run in truth.shelves:
        if in_span(began):
            stop = gone if gone is not None else min(expiry, run_last[run])
            shelved[key] = shelved.get(key, 0.0) + stop - began
    counts = sorted(((-len(v), k) for k, v in by_key.items()))[:10]
    return {"periods": len(periods), "raises": len(raises), "peak": max(periods),
            "flood": flood, "chattering": chattering, "fleeting": fleeting,
            "standing": standing, "shelved": shelved,
            "realarms": sum(d["event"] == "realarm" for d in inside),
            "top": [(k, -n) for n, k in counts]}


@pytest.mark.parametrize(("seed", "window"), [(1, None), (2, None), (3, (0.4, 1.9))])
def test_kpis_match_a_brute_force_count(tmp_path: Path, seed: int,
                                        window: tuple[float, float] | None) -> None:
    truth = generate(seed)
    write(truth, tmp_path)
    since = until = None
    if window is not None:
        since, until = T0 + window[0] * DAY, T0 + window[1] * DAY
    journal = read_journal([tmp_path])
    assert [p.name for p in journal.files] == [
        "events-20261118-110000.jsonl", "events-20261118-110000.1.jsonl",
        "events-20261120-050000.jsonl"]
    assert (journal.torn, journal.malformed) == (1, 1)
    assert len(journal.entries) == sum(len(v) for v in truth.lines.values())
    kpis = compute_kpis(journal.entries, since, until)
    want = brute_force(truth, since, until)
    assert want["flood"] > 0 and want["chattering"] and want["fleeting"]  # a test that bites
    assert (kpis.periods, kpis.raises, kpis.peak, kpis.flood_periods, kpis.realarms) == (
        want["periods"], want["raises"], want["peak"], want["flood"], want["realarms"])
    assert kpis.per_10min == pytest.approx(want["raises"] / want["periods"])
    assert kpis.flood_share == pytest.approx(want["flood"] / want["periods"])
    assert [((t.sensor, t.alarm), t.raises) for t in kpis.top] == want["top"]
    assert {(c.sensor, c.alarm): c.most_in_a_minute for c in kpis.chattering} == \
        want["chattering"]
    assert {(f.sensor, f.alarm): f.episodes for f in kpis.fleeting} == want["fleeting"]
    assert {(s.sensor, s.alarm) for s in kpis.standing} == want["standing"]
    assert want["standing"] or window is not None
    got_shelved = {(s.sensor, s.alarm): s.total for s in kpis.shelved}
    assert got_shelved.keys() == want["shelved"].keys()
    for key, total in want["shelved"].items():
        assert got_shelved[key] == pytest.approx(total, abs=0.01)
