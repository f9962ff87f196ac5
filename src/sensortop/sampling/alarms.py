"""One sensor's alarms: its conditions, their lifecycle records, and what the view shows.

The engine calls ``observe`` for a reading only when it must: a good value strictly
inside ``band`` can change nothing (every level stays as it is, nothing is pending,
no other kind is configured), so a sensor with plain limits costs one comparison
per reading (README "Alarms"). Time-driven changes (stale, delays, re-alarm, the
end of a shelving) come through ``tick``; operator actions through ``operate``.
Every change is returned as ``AlarmEvent``s for the engine to hand to its sinks.
"""

from __future__ import annotations

import time
from collections import deque

from sensortop.model.alarm_specs import LEVELS, AlarmsSpec
from sensortop.model.alarms import AlarmEvent, AlarmKind, Lifecycle
from sensortop.model.readings import AlarmState
from sensortop.model.specs import Limits, SensorSpec
from sensortop.sampling import lifecycle
from sensortop.sampling.alarm_view import EMPTY, AlarmLine, AlarmSummary, Episode
from sensortop.sampling.conditions import Watch
from sensortop.sampling.conditions.deviation import Deviation
from sensortop.sampling.conditions.flatline import Flatline
from sensortop.sampling.conditions.level import Level
from sensortop.sampling.conditions.quality import BadQuality
from sensortop.sampling.conditions.rate import Rate
from sensortop.sampling.conditions.stale import Stale

EPISODES_KEPT = 100
"""Finished episodes a sensor remembers for the alarm screen (the journal keeps all)."""
INF = float("inf")
_SEVERITY = {AlarmKind.LO: 1, AlarmKind.HI: 1, AlarmKind.LOLO: 2, AlarmKind.HIHI: 2}


class Slot:
    """One alarm of the sensor: who it is, its condition, its record, its open episode."""

    __slots__ = ("count", "due", "high", "limit", "low", "opened", "record", "setting",
                 "total", "value", "watch")

    def __init__(self, setting: lifecycle.Setting, watch: Watch) -> None:
        self.setting = setting
        self.watch = watch
        self.record = lifecycle.Record()
        self.due: float | None = None
        self.value: float | None = None
        """What the condition last compared with ``limit`` (the screen shows it)."""
        self.limit: float | None = None
        self.opened = 0.0
        self.count = 0
        self.total = 0.0
        self.low = self.high = 0.0


def watches(spec: SensorSpec) -> list[Watch]:
    """The conditions ``spec`` configures: its levels, then the other kinds."""
    limits, rules = spec.limits, spec.alarms
    found: list[Watch] = [Level(kind, getattr(limits, kind.value), limits.deadband)
                          for kind in LEVELS if getattr(limits, kind.value) is not None]
    if rules.rate is not None:
        found.append(Rate(rules.rate))
    if rules.deviation is not None and spec.setpoint is not None:
        found.append(Deviation(spec.setpoint, rules.deviation.max, limits.deadband))
    if rules.stale is not None:
        found.append(Stale(rules.stale.after))
    if rules.flatline is not None:
        found.append(Flatline(rules.flatline.after, rules.flatline.within))
    if rules.bad_quality is not None:
        found.append(BadQuality(rules.bad_quality.after))
    return found


class SensorAlarms:
    """A sensor's alarm set, changed only on the engine's loop."""

    def __init__(self, spec: SensorSpec | Limits) -> None:
        if isinstance(spec, Limits):  # a bare set of limits (older callers, tests)
            spec = SensorSpec("sensor", limits=spec)
        self.sensor = spec.id
        self.limits = spec.limits
        self.rules: AlarmsSpec = spec.alarms
        self.slots = [Slot(lifecycle.Setting(spec.id, w.kind, self.rules.effective(w.kind)), w)
                      for w in watches(spec)]
        self.by_kind = {slot.setting.kind: slot for slot in self.slots}
        self.plain = all(isinstance(s.watch, Level) for s in self.slots)
        self.failures = any(s.watch.failures for s in self.slots)
        self.level = AlarmState.NORMAL
        """The most severe active level alarm: the reading's ``alarm`` field."""
        self.summary: AlarmSummary = EMPTY
        self.episodes: deque[Episode] = deque(maxlen=EPISODES_KEPT)
        self.out_of_service = False
        self.acknowledged = True
        """No alarm waits for an acknowledgement (kept up to date: read per reading)."""
        self.band_lo, self.band_hi = -INF, INF
        self.ticking = False
        self._refresh()

    # -- what older callers read -------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether the sensor has any alarm configured."""
        return bool(self.slots)

    @property
    def state(self) -> AlarmState:
        return self.level

    def update(self, value: float, now: float | None = None) -> AlarmState:
        """Feed one good value (at ``now``, default the wall clock); the level alarm after it."""
        self.observe(time.time() if now is None else now, value)
        return self.level

    def acknowledge(self, now: float | None = None, user: str = "") -> list[AlarmEvent]:
        return self.operate(None, lifecycle.Ack(user), time.time() if now is None else now)

    # -- the three ways in ---------------------------------------------------------------
    def observe(self, ts: float, value: float | None) -> list[AlarmEvent]:
        """One reading (``value`` None for a failed read); the events it caused."""
        events: list[AlarmEvent] = []
        stepped = False
        for slot in self.slots:
            verdict = slot.watch.reading(ts, value)
            was = slot.record.active
            due = slot.due is not None and ts >= slot.due
            if verdict is not None:
                slot.value, slot.limit = verdict.value, verdict.limit
                if verdict.on != slot.record.condition or due:
                    self._step(slot, verdict, ts, events)
                    stepped = True
            elif due:
                self._step(slot, lifecycle.Tick(), ts, events)
                stepped = True
            if was and slot.record.active and value is not None:
                _add(slot, value)
        if stepped or self.summary.lines:  # else nothing shown can have changed
            self._refresh()
        return events

    def tick(self, now: float, paused: bool = False) -> list[AlarmEvent]:
        """Time passed: what is due now, and the conditions time alone can turn on
        (a paused sensor expects no reading: it is never stale)."""
        events: list[AlarmEvent] = []
        for slot in self.slots:
            watch = slot.watch
            verdict = None
            if isinstance(watch, Stale):
                verdict = watch.hold(now) if paused else watch.tick(now)
            if verdict is not None:
                slot.value, slot.limit = verdict.value, verdict.limit
            if verdict is not None and verdict.on != slot.record.condition:
                self._step(slot, verdict, now, events)
            elif slot.due is not None and now >= slot.due:
                self._step(slot, lifecycle.Tick(), now, events)
        self._refresh()
        return events

    def operate(self, kind: AlarmKind | None, action: lifecycle.Input,
                now: float) -> list[AlarmEvent]:
        """An operator's action on one alarm (``kind``) or on all of them (None).

        KeyError for a kind the sensor does not have; ValueError for a shelving
        longer than ``shelve_max``."""
        slots = self.slots if kind is None else [self.by_kind[kind]]
        if isinstance(action, lifecycle.Shelve) and \
                action.until - now > self.rules.shelve_max + 1e-6:
            raise ValueError(f"{self.sensor}: shelving is limited to "
                             f"{self.rules.shelve_max:g} s (shelve_max)")
        if isinstance(action, lifecycle.OutOfService | lifecycle.InService):
            self.out_of_service = isinstance(action, lifecycle.OutOfService)
        events: list[AlarmEvent] = []
        for slot in slots:
            self._step(slot, action, now, events)
        self._refresh()
        return events

    # -- bookkeeping -----------------------------------------------------------------------
    def _step(self, slot: Slot, action: lifecycle.Input, now: float,
              events: list[AlarmEvent]) -> None:
        was = slot.record.active
        slot.record, new = lifecycle.step(slot.record, action, now, slot.setting)
        events.extend(new)
        slot.due = lifecycle.next_due(slot.record, slot.setting.rule)
        if slot.record.active and not was:
            slot.opened, slot.count, slot.total = now, 0, 0.0
            value = slot.record.value
            if slot.setting.kind in LEVELS or slot.setting.kind is AlarmKind.DEVIATION:
                assert value is not None
                _add(slot, value)
        elif was and not slot.record.active:
            self._close(slot, now)

    def _close(self, slot: Slot, now: float) -> None:
        setting, n = slot.setting, slot.count
        self.episodes.append(Episode(
            setting.sensor, setting.kind, setting.rule.priority, slot.opened, now, n,
            slot.low if n else None, slot.total / n if n else None, slot.high if n else None))

    def _refresh(self) -> None:
        """Recompute what the engine and the view read after any change."""
        lines = []
        level = 0
        self.level = AlarmState.NORMAL
        quiet = self.plain
        low, high = -INF, INF
        ticking = False
        for slot in self.slots:
            record, setting = slot.record, slot.setting
            kind = setting.kind
            if record.active and kind in _SEVERITY and _SEVERITY[kind] > level:
                level = _SEVERITY[kind]
                self.level = AlarmState(kind.value)
            shown = record.shown
            if shown is not Lifecycle.NORMAL or record.active:
                lines.append(AlarmLine(setting.sensor, kind, setting.rule.priority, shown,
                                       record.active, record.since if record.active else None,
                                       slot.value, slot.limit, record.shelved_until,
                                       setting.rule.latch))
            if slot.due is not None or slot.watch.ticks:
                ticking = True
            if record.active or record.condition or slot.due is not None:
                quiet = False
            elif quiet and isinstance(slot.watch, Level):
                lo, hi = slot.watch.quiet_band()
                low, high = max(low, lo), min(high, hi)
        self.ticking = ticking
        self.band_lo, self.band_hi = (low, high) if quiet else (INF, -INF)
        summary = AlarmSummary(tuple(lines), tuple(self.episodes), self.out_of_service)
        if summary != self.summary:
            self.summary = summary
            self.acknowledged = summary.unacknowledged == 0


def _add(slot: Slot, value: float) -> None:
    if slot.count == 0:
        slot.low = slot.high = value
    else:
        slot.low, slot.high = min(slot.low, value), max(slot.high, value)
    slot.count += 1
    slot.total += value
