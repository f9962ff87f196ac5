"""Summaries of whole archives from their metadata alone: a week of readings in a blink.

Each archive's metadata holds, per sensor, the figures a summary is made of:
counts, min/max, first/last time, readings per status, the reading intervals
(whole microseconds) per alarm state, the longest interval and where it was.
Merged across archives in run order, with the intervals between one archive's
last reading and the next one's first added, they give the summary a full read
gives, to the bit (the mean and std from exact sums, see ``moments``). Where
that cannot be exact (a log among the files, a time window, archives
overlapping in time, a sensor with too many distinct intervals) it answers
None, and the caller reads the rows.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from sensortop.logs.archive_names import ARCHIVE_SUFFIX, ARCHIVE_VERSION, METADATA_KEY
from sensortop.review.logdata import ALARMS, STATUSES, LogData, SkippedLine
from sensortop.review.moments import mean_std_of_sums, sum_texts
from sensortop.review.summary import GAP_FACTOR, Gaps, SensorSummary


def summarise_archives(files: list[Path], wanted: set[str] | None
                       ) -> tuple[LogData, list[SensorSummary]] | None:
    """The summaries of ``files`` (all archives, in run order) without reading a row."""
    if not files or not all(p.name.endswith(ARCHIVE_SUFFIX) for p in files):
        return None
    metas = []
    for path in files:
        try:
            raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
            meta = orjson.loads(raw) if raw is not None else None
        except (OSError, ValueError, pa.ArrowException):
            return None  # a full read names what is wrong with it
        if meta is None or meta.get("version") != ARCHIVE_VERSION:
            return None
        metas.append(meta)
    data = LogData(files=files, series={})
    per_sensor: dict[str, list[dict[str, Any]]] = {}
    for path, meta in zip(files, metas, strict=True):
        data.lines += meta["lines"]
        data.torn += meta["torn"]
        data.malformed += meta["malformed"]
        data.skipped += [SkippedLine(path, s["line"], s["reason"], s["detail"])
                         for s in meta["skipped"]][: max(0, 50 - len(data.skipped))]
        for name, info in meta["sensors"].items():
            per_sensor.setdefault(name, []).append(info)
    data.sensor_ids = sorted(per_sensor)
    summaries = []
    for name in sorted(per_sensor):
        if wanted is not None and name not in wanted:
            continue
        parts = [p for p in per_sensor[name] if p["count"]]
        if not parts:
            continue
        try:
            merged = _merge(name, per_sensor[name], parts)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return None  # metadata not as this version writes it: read the rows
        if merged is None:
            return None
        summaries.append(merged)
    return data, summaries


def _merge(name: str, every: list[dict[str, Any]], parts: list[dict[str, Any]]
           ) -> SensorSummary | None:
    if any(p.get("intervals") is None for p in parts):
        return None
    for before, after in itertools.pairwise(parts):
        if after["first_us"] < before["last_us"]:
            return None  # overlapping in time: only a full read orders them
    raw: dict[str, Counter[str]] = {a: Counter() for a in ALARMS}  # keys as the JSON has them
    longest: tuple[int, float, float] | None = None
    previous: dict[str, Any] | None = None
    for part in parts:
        if previous is not None:
            step = part["first_us"] - previous["last_us"]
            raw[previous["last_alarm"]][str(step)] += 1
            longest = _longer(longest, (step, previous["last"], part["first"]))
        for state, counts in part["intervals"].items():
            raw[state].update(counts)
        if part["longest"] is not None:
            step, start, end = part["longest"]
            longest = _longer(longest, (int(step), float(start), float(end)))
        previous = part
    per_state = {state: Counter({int(k): v for k, v in counts.items()})
                 for state, counts in raw.items()}
    every_step: Counter[int] = Counter()
    for counts in per_state.values():
        every_step.update(counts)
    median = _median(every_step)
    gaps = Gaps(None, 0, 0.0, None, None)
    alarm_seconds = dict.fromkeys(ALARMS, 0.0)
    if every_step:
        long = sum(c for v, c in every_step.items() if median is not None and
                   v > GAP_FACTOR * median)
        if median is not None:
            gaps = Gaps(median / 1e6, long, 0.0, None, None)
            if long and longest is not None:
                gaps = Gaps(median / 1e6, long, longest[0] / 1e6, longest[1], longest[2])
        limit = GAP_FACTOR * median if median is not None and long else math.inf
        alarm_seconds = {state: float(sum(v * c for v, c in per_state[state].items()
                                          if v <= limit)) / 1e6 for state in ALARMS}
    valid = sum(p["valid"] for p in parts)
    mean, std = _mean_std([p for p in parts if p["valid"]])
    return SensorSummary(
        sensor=name,
        units=next((p["units"] for p in reversed(every) if p.get("units") is not None), ""),
        count=sum(p["count"] for p in parts),
        first=parts[0]["first"],
        last=max(p["last"] for p in parts),
        valid=valid,
        min=min((p["min"] for p in parts if p["valid"]), default=None),
        max=max((p["max"] for p in parts if p["valid"]), default=None),
        mean=mean,
        std=std,
        statuses={s: sum(p["statuses"][s] for p in parts) for s in STATUSES},
        alarm_seconds=alarm_seconds,
        last_error=next((p["last_error"] for p in reversed(every) if p.get("last_error")), None),
        gaps=gaps,
    )


def _longer(best: tuple[int, float, float] | None, candidate: tuple[int, float, float]
            ) -> tuple[int, float, float]:
    """The first of the longest intervals in time order (as ``np.argmax`` picks it)."""
    return candidate if best is None or candidate[0] > best[0] else best


def _median(counts: Counter[int]) -> float | None:
    """``summary.median_micros`` of the intervals these counts stand for."""
    median = _middle(counts)
    if median is not None and median <= 0:
        median = _middle(Counter({v: c for v, c in counts.items() if v > 0}))
    return median if median is not None and median > 0 else None


def _middle(counts: Counter[int]) -> float | None:
    n = sum(counts.values())
    if n == 0:
        return None
    wanted = [(n - 1) // 2, n // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < 2 and seen > wanted[len(found)]:
            found.append(value)
    return (found[0] + found[1]) / 2  # as numpy: the mean of the two middle values


def _mean_std(parts: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    n = sum(p["valid"] for p in parts)
    mean, std = mean_std_of_sums(n, sum_texts([p["s1"] for p in parts]),
                                 sum_texts([p["s2"] for p in parts]))
    return _finite(mean), _finite(std)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None
