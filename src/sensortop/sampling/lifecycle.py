"""The ISA-18.2 alarm lifecycle as one pure function: ``step(record, input, now, setting)``.

No clocks, no I/O, no mutation: the same (record, input, time) always gives the same
new record and the same events, so every transition is tested table-driven on
virtual time (README "Alarms", "The lifecycle").

- A condition that holds for ``on_delay`` raises the alarm (normal -> unack); one
  gone for ``off_delay`` clears it (unack -> rtn_unack, acked -> normal, or, when
  latching, either -> latched until the operator resets it).
- Acknowledge: unack -> acked, rtn_unack -> normal. Re-alarm: acked and still
  active ``realarm`` s after the acknowledgement -> unack again.
- Shelving and out of service suppress the alarm: its condition is still tracked,
  but nothing is announced; when it comes back it starts from normal and, if its
  condition is active then, is raised anew at once. Shelving is timed (and ends
  by itself at ``until``) or one-shot (it also ends when the condition clears).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sensortop.model.alarm_specs import Effective
from sensortop.model.alarms import AlarmEvent, AlarmKind, EventKind, Lifecycle

NORMAL, UNACK, ACKED = Lifecycle.NORMAL, Lifecycle.UNACK, Lifecycle.ACKED
RTN_UNACK, LATCHED = Lifecycle.RTN_UNACK, Lifecycle.LATCHED
SHELVED, OUT_OF_SERVICE = Lifecycle.SHELVED, Lifecycle.OUT_OF_SERVICE


class Setting(NamedTuple):
    """Who the alarm is and how it behaves: fixed for the alarm's life."""

    sensor: str
    kind: AlarmKind
    rule: Effective


@dataclass(slots=True, frozen=True)
class Record:
    """One alarm's state between inputs."""

    state: Lifecycle = NORMAL
    """normal, unack, acked, rtn_unack or latched: the announced state when not suppressed."""
    active: bool = False
    """Raised: the condition held for the on-delay and has not been gone for the off-delay."""
    condition: bool = False
    """The condition as last evaluated, before any delay."""
    changed_at: float = 0.0
    """When ``condition`` last changed: the start of a pending on- or off-delay."""
    since: float | None = None
    """When the alarm last raised (while active)."""
    acked_at: float | None = None
    shelved_until: float | None = None
    one_shot: bool = False
    out_of_service: bool = False
    value: float | None = None
    """What the condition last compared with ``limit``."""
    limit: float | None = None

    @property
    def shown(self) -> Lifecycle:
        """The state as the journal and the screen name it."""
        if self.out_of_service:
            return OUT_OF_SERVICE
        if self.shelved_until is not None:
            return SHELVED
        return self.state

    @property
    def suppressed(self) -> bool:
        return self.out_of_service or self.shelved_until is not None


class Condition(NamedTuple):
    """The alarm's condition evaluated at ``now``: on or off, and what was compared."""

    on: bool
    value: float | None
    limit: float | None


class Tick(NamedTuple):
    """Time passed: delays, re-alarm and shelving expire."""


class Ack(NamedTuple):
    user: str


class Shelve(NamedTuple):
    until: float
    user: str
    one_shot: bool = False


class Unshelve(NamedTuple):
    user: str | None = None
    """None when the shelving ran out by itself."""


class Reset(NamedTuple):
    user: str


class OutOfService(NamedTuple):
    user: str


class InService(NamedTuple):
    user: str


Input = Condition | Tick | Ack | Shelve | Unshelve | Reset | OutOfService | InService
Step = tuple[Record, list[AlarmEvent]]


def step(record: Record, event: Input, now: float, setting: Setting) -> Step:
    """The record after ``event`` at ``now``, and the events it caused (oldest first)."""
    out: list[AlarmEvent] = []
    if isinstance(event, Condition):
        if event.on != record.condition:
            record = replace(record, condition=event.on, changed_at=now)
        record = replace(record, value=event.value, limit=event.limit)
    elif isinstance(event, Ack):
        if not record.suppressed and record.state in (UNACK, RTN_UNACK):
            to = ACKED if record.state is UNACK else NORMAL
            record = _emit(record, out, setting, now, EventKind.ACK, to, user=event.user,
                           acked_at=now)
    elif isinstance(event, Reset):
        if not record.suppressed and record.state is LATCHED:
            record = _emit(record, out, setting, now, EventKind.RESET, NORMAL, user=event.user)
    elif isinstance(event, Shelve):
        if not record.out_of_service:
            record = _emit(record, out, setting, now, EventKind.SHELVE, SHELVED,
                           user=event.user, until=event.until, state=NORMAL,
                           shelved_until=event.until, one_shot=event.one_shot)
    elif isinstance(event, Unshelve):
        if record.shelved_until is not None:
            record = _return(record, out, setting, now, EventKind.UNSHELVE, event.user,
                             shelved_until=None, one_shot=False)
    elif isinstance(event, OutOfService):
        if not record.out_of_service:
            record = _emit(record, out, setting, now, EventKind.OUT_OF_SERVICE,
                           OUT_OF_SERVICE, user=event.user, state=NORMAL,
                           out_of_service=True, shelved_until=None, one_shot=False)
    elif isinstance(event, InService) and record.out_of_service:
        record = _return(record, out, setting, now, EventKind.IN_SERVICE, event.user,
                         out_of_service=False)
    return _settle(record, out, now, setting), out


def next_due(record: Record, rule: Effective) -> float | None:
    """The earliest time a ``Tick`` could change ``record``; None if only inputs can."""
    times = []
    if record.condition != record.active:
        times.append(record.changed_at + (rule.on_delay if record.condition else rule.off_delay))
    if record.state is ACKED and rule.realarm > 0 and record.acked_at is not None \
            and not record.suppressed:
        times.append(record.acked_at + rule.realarm)
    if record.shelved_until is not None and not record.out_of_service:
        times.append(record.shelved_until)
    return min(times) if times else None


def _settle(record: Record, out: list[AlarmEvent], now: float, setting: Setting) -> Record:
    """Apply whatever time has made due: delays, re-alarm, the end of a shelving."""
    rule = setting.rule
    if record.condition and not record.active and now - record.changed_at >= rule.on_delay:
        record = replace(record, active=True, since=now)
        if not record.suppressed:
            record = _emit(record, out, setting, now, EventKind.RAISE, UNACK)
    elif not record.condition and record.active and \
            now - record.changed_at >= rule.off_delay:
        record = replace(record, active=False, since=None)
        if not record.suppressed and record.state in (UNACK, ACKED):
            unacked = record.state is UNACK
            to = LATCHED if rule.latch else (RTN_UNACK if unacked else NORMAL)
            record = _emit(record, out, setting, now, EventKind.CLEAR, to)
        elif record.shelved_until is not None and record.one_shot \
                and not record.out_of_service:
            record = _return(record, out, setting, now, EventKind.UNSHELVE, None,
                             shelved_until=None, one_shot=False)
    if record.state is ACKED and record.active and not record.suppressed and rule.realarm > 0 \
            and record.acked_at is not None and now - record.acked_at >= rule.realarm:
        record = _emit(record, out, setting, now, EventKind.REALARM, UNACK)
    if record.shelved_until is not None and now >= record.shelved_until \
            and not record.out_of_service:
        record = _return(record, out, setting, now, EventKind.UNSHELVE, None,
                         shelved_until=None, one_shot=False)
    return record


def _return(record: Record, out: list[AlarmEvent], setting: Setting, now: float,
            kind: EventKind, user: str | None, **changes: Any) -> Record:
    """Back from suppression: to normal, then raised at once if the condition is active."""
    record = _emit(record, out, setting, now, kind, NORMAL, user=user, state=NORMAL, **changes)
    if record.active and not record.suppressed:
        record = _emit(record, out, setting, now, EventKind.RAISE, UNACK, since=now)
    return record


def _emit(record: Record, out: list[AlarmEvent], setting: Setting, now: float,
          kind: EventKind, to: Lifecycle, *, user: str | None = None,
          until: float | None = None, **changes: Any) -> Record:
    """Record one event from the record's shown state to ``to``; return the changed record.

    ``to`` is what the journal says; the record's ``state`` becomes ``to`` unless a
    suppression (shelved, out of service) is what ``to`` names."""
    if to not in (SHELVED, OUT_OF_SERVICE) and "state" not in changes:
        changes["state"] = to
    operator = kind not in (EventKind.RAISE, EventKind.CLEAR, EventKind.REALARM)
    out.append(AlarmEvent(now, setting.sensor, setting.kind, setting.rule.priority, kind,
                          record.shown, to, None if operator else record.value,
                          record.limit, user, until))
    return replace(record, **changes)
