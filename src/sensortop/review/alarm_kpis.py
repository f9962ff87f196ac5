"""Alarm-system performance figures (ISA-18.2 / IEC 62682, EEMUA 191) from journal entries.

The definitions are the README's ("Alarm KPIs: sensortop alarms"), in short:

- an *alarm* is a ``raise`` entry; a ``realarm`` (an acknowledged alarm announced
  again) is counted apart and is not a new alarm;
- periods are the 10-minute periods of the UTC clock (:00, :10, ... :50) that the
  span touches, from the one holding its start to the one holding its end;
- an *episode* is a raise up to the next ``clear`` of the same sensor and alarm;
  one still open when its run's journal ends lasts until that run's last entry
  (or ``--until``): a new run starts with every alarm normal.

Pure computation on plain entries, no I/O: the CLI and the review screen share it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sensortop.review.journal import Entry

PERIOD = 600.0
FLOOD_START = 10
"""More than this many alarms in a period starts a flood ..."""
FLOOD_END = 5
"""... and fewer than this many in a period ends it."""
CHATTER_RAISES = 3
CHATTER_WINDOW = 60.0
FLEETING = 5.0
"""An episode shorter than this (seconds) is fleeting."""
STANDING = 86_400.0
TOP = 10

TARGETS = {
    "per_10min": "~1 very likely acceptable, 2 at most manageable (ISA-18.2)",
    "per_hour": "~6 very likely acceptable, 12 at most manageable (ISA-18.2)",
    "peak_10min": "at most 10 (ISA-18.2)",
    "flood_share": "under 1 % (ISA-18.2)",
    "top_share": "~1 % to 5 % at most (ISA-18.2)",
    "chattering": "none (ISA-18.2, EEMUA 191)",
    "fleeting": "none (ISA-18.2, EEMUA 191)",
    "standing": "fewer than 5 (ISA-18.2)",
    "shelved": "each one reviewed (ISA-18.2)",
}


@dataclass(frozen=True, slots=True)
class AlarmLoad:
    """One alarm's share of the load."""

    sensor: str
    alarm: str
    priority: str
    raises: int
    share: float


@dataclass(frozen=True, slots=True)
class Chattering:
    sensor: str
    alarm: str
    raises: int
    most_in_a_minute: int


@dataclass(frozen=True, slots=True)
class Fleeting:
    sensor: str
    alarm: str
    episodes: int
    """Episodes shorter than ``FLEETING`` that began in the span."""
    shortest: float


@dataclass(frozen=True, slots=True)
class Standing:
    sensor: str
    alarm: str
    raised: float
    active: float
    """Seconds active, up to its clear or the end of what is known."""
    cleared: bool


@dataclass(frozen=True, slots=True)
class Shelved:
    sensor: str
    alarm: str
    times: int
    total: float
    longest: float
    still_shelved: bool


@dataclass(slots=True)
class AlarmKpis:
    """Every figure of the report; times are seconds since the epoch (UTC)."""

    start: float | None
    end: float | None
    periods: int
    raises: int
    realarms: int
    entries: int
    by_priority: dict[str, int] = field(default_factory=dict)
    peak: int = 0
    peak_start: float | None = None
    flood_periods: int = 0
    top: list[AlarmLoad] = field(default_factory=list)
    chattering: list[Chattering] = field(default_factory=list)
    fleeting: list[Fleeting] = field(default_factory=list)
    standing: list[Standing] = field(default_factory=list)
    shelved: list[Shelved] = field(default_factory=list)

    @property
    def per_10min(self) -> float:
        return self.raises / self.periods if self.periods else 0.0

    @property
    def per_hour(self) -> float:
        return self.per_10min * 6

    @property
    def flood_share(self) -> float:
        return self.flood_periods / self.periods if self.periods else 0.0

    @property
    def top_share(self) -> float:
        return sum(load.share for load in self.top)

    def verdicts(self) -> dict[str, bool]:
        """Whether each figure with a number for a target meets it."""
        return {"per_10min": self.per_10min <= 2, "per_hour": self.per_hour <= 12,
                "peak_10min": self.peak <= FLOOD_START, "flood_share": self.flood_share < 0.01,
                "chattering": not self.chattering, "fleeting": not self.fleeting,
                "standing": len(self.standing) < 5}


def compute_kpis(entries: Sequence[Entry], since: float | None = None,
                 until: float | None = None) -> AlarmKpis:
    """The figures for ``entries`` (in time order) between ``since`` and ``until`` (inclusive).

    Entries outside the span still shape episodes (a raise before it, cleared in it).
    """
    inside = [e for e in entries if (since is None or e.ts >= since)
              and (until is None or e.ts <= until)]
    start = since if since is not None else (inside[0].ts if inside else None)
    end = until if until is not None else (inside[-1].ts if inside else None)
    raises = [e for e in inside if e.event == "raise"]
    kpis = AlarmKpis(start, end, _period_count(start, end), len(raises),
                     sum(e.event == "realarm" for e in inside), len(inside))
    kpis.by_priority = dict(Counter(e.priority for e in raises).most_common())
    _periods(kpis, raises)
    kpis.top = _top(raises)
    kpis.chattering = _chattering(raises)
    run_end = _run_ends(entries, until)
    episodes = _episodes(entries, run_end)
    kpis.fleeting = _fleeting(episodes, since, until)
    kpis.standing = _standing(episodes, since, until)
    kpis.shelved = _shelved(entries, run_end, since, until)
    return kpis


def period_index(ts: float) -> int:
    """Which of the UTC clock's 10-minute periods holds ``ts`` (period n starts at n * 600)."""
    return math.floor(ts / PERIOD)


def _period_count(start: float | None, end: float | None) -> int:
    if start is None or end is None or end < start:
        return 0
    return period_index(end) - period_index(start) + 1


def _periods(kpis: AlarmKpis, raises: list[Entry]) -> None:
    """Peak period and flood periods (a flood starts above FLOOD_START, ends below FLOOD_END)."""
    if kpis.start is None or not kpis.periods:
        return
    first = period_index(kpis.start)
    counts = Counter(period_index(e.ts) - first for e in raises)
    if counts:
        index, kpis.peak = max(counts.items(), key=lambda item: (item[1], -item[0]))
        kpis.peak_start = (first + index) * PERIOD
    flooding = False
    for index in range(kpis.periods):
        count = counts.get(index, 0)
        flooding = count >= FLOOD_END if flooding else count > FLOOD_START
        kpis.flood_periods += flooding


def _top(raises: list[Entry]) -> list[AlarmLoad]:
    counts = Counter(e.key for e in raises)
    priority = {e.key: e.priority for e in raises}  # the latest seen
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    return [AlarmLoad(s, a, priority[(s, a)], n, n / len(raises)) for (s, a), n in ranked]


def _chattering(raises: list[Entry]) -> list[Chattering]:
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for e in raises:
        times[e.key].append(e.ts)
    found = []
    for (sensor, alarm), ts in times.items():
        most, lo = 0, 0
        for hi, t in enumerate(ts):
            while t - ts[lo] > CHATTER_WINDOW:
                lo += 1
            most = max(most, hi - lo + 1)
        if most >= CHATTER_RAISES:
            found.append(Chattering(sensor, alarm, len(ts), most))
    return sorted(found, key=lambda c: (-c.most_in_a_minute, -c.raises, c.sensor, c.alarm))


def _run_ends(entries: Sequence[Entry], until: float | None) -> dict[int, float]:
    """Each run's last known moment: its last entry (``--until`` cuts it short)."""
    ends: dict[int, float] = {}
    for e in entries:
        ends[e.run] = max(ends.get(e.run, e.ts), e.ts)
    return {run: min(t, until) if until is not None else t for run, t in ends.items()}


Episode = tuple[tuple[str, str], float, float, bool]
"""(sensor, alarm), raised, ended, whether a clear ended it."""


def _episodes(entries: Sequence[Entry], run_end: dict[int, float]) -> list[Episode]:
    open_at: dict[tuple[str, str], tuple[float, int]] = {}
    episodes: list[Episode] = []
    for e in entries:
        run = e.run
        began = open_at.get(e.key)
        if began is not None and began[1] != run:  # its run ended with it still active
            episodes.append((e.key, began[0], run_end[began[1]], False))
            del open_at[e.key]
            began = None
        if e.event == "raise" and began is None:
            open_at[e.key] = (e.ts, run)
        elif e.event == "clear" and began is not None:
            episodes.append((e.key, began[0], e.ts, True))
            del open_at[e.key]
    for key, (raised, run) in open_at.items():
        episodes.append((key, raised, run_end[run], False))
    return episodes


def _in_span(ts: float, since: float | None, until: float | None) -> bool:
    return (since is None or ts >= since) and (until is None or ts <= until)


def _fleeting(episodes: list[Episode], since: float | None,
              until: float | None) -> list[Fleeting]:
    short: dict[tuple[str, str], list[float]] = defaultdict(list)
    for key, raised, ended, cleared in episodes:
        if cleared and ended - raised < FLEETING and _in_span(raised, since, until):
            short[key].append(ended - raised)
    found = [Fleeting(s, a, len(d), min(d)) for (s, a), d in short.items()]
    return sorted(found, key=lambda f: (-f.episodes, f.sensor, f.alarm))


def _standing(episodes: list[Episode], since: float | None,
              until: float | None) -> list[Standing]:
    longest: dict[tuple[str, str], Standing] = {}
    for (sensor, alarm), raised, ended, cleared in episodes:
        overlaps = (until is None or raised <= until) and (since is None or ended >= since)
        active = ended - raised
        if overlaps and active > STANDING:
            best = longest.get((sensor, alarm))
            if best is None or active > best.active:
                longest[(sensor, alarm)] = Standing(sensor, alarm, raised, active, cleared)
    return sorted(longest.values(), key=lambda s: (-s.active, s.sensor, s.alarm))


def _shelved(entries: Sequence[Entry], run_end: dict[int, float],
             since: float | None, until: float | None) -> list[Shelved]:
    """Shelves begun in the span: each lasts to its unshelve, else its expiry or run's end."""
    began: dict[tuple[str, str], tuple[float, float | None, int]] = {}
    spans: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)

    def close(key: tuple[str, str], at: float | None, done: bool) -> None:
        ts, expiry, run = began.pop(key)
        stop = at if at is not None else min(expiry or math.inf, run_end[run])
        if _in_span(ts, since, until):
            spans[key].append((max(stop - ts, 0.0), not done))

    for e in entries:
        run = e.run
        if e.key in began and began[e.key][2] != run:
            close(e.key, None, True)
        if e.event == "shelve":
            if e.key in began:
                close(e.key, e.ts, True)
            began[e.key] = (e.ts, e.until, run)
        elif e.event in ("unshelve", "out_of_service") and e.key in began:
            close(e.key, e.ts, True)
    for key in list(began):
        expiry, run = began[key][1], began[key][2]
        close(key, None, expiry is not None and expiry <= run_end[run])
    found = [Shelved(s, a, len(d), sum(x for x, _ in d), max(x for x, _ in d),
                     any(still for _, still in d)) for (s, a), d in spans.items()]
    return sorted(found, key=lambda s: (-s.total, s.sensor, s.alarm))
