"""The ISA-18.2 lifecycle, table-driven on virtual time (README "Alarms").

Each row: the alarm's settings, the inputs at their times, and exactly the events
(time, why, from, to) that must come out. ``lifecycle.step`` is pure, so the
table is the whole truth: every transition, delay, latch, shelving and re-alarm.
"""

from __future__ import annotations

import pytest

from sensortop.model.alarm_specs import Effective
from sensortop.model.alarms import AlarmKind, EventKind, Lifecycle, Priority
from sensortop.sampling import lifecycle as lc

N, U, A = Lifecycle.NORMAL, Lifecycle.UNACK, Lifecycle.ACKED
R, L = Lifecycle.RTN_UNACK, Lifecycle.LATCHED
S, OOS = Lifecycle.SHELVED, Lifecycle.OUT_OF_SERVICE
E = EventKind
ON, OFF = lc.Condition(True, 12.0, 10.0), lc.Condition(False, 8.0, 10.0)
TICK = lc.Tick()


def rule(on_delay: float = 0.0, off_delay: float = 0.0, latch: bool = False,
         realarm: float = 0.0) -> Effective:
    return Effective(Priority.HIGH, on_delay, off_delay, latch, realarm)


def run(settings: Effective, inputs: list[tuple[float, lc.Input]]
        ) -> tuple[lc.Record, list[tuple[float, EventKind, Lifecycle, Lifecycle]]]:
    setting = lc.Setting("s", AlarmKind.HI, settings)
    record = lc.Record()
    seen = []
    for t, event in inputs:
        record, events = lc.step(record, event, t, setting)
        seen += [(e.ts, e.event, e.from_state, e.to_state) for e in events]
    return record, seen


CASES = {
    # the basic cycle: normal -> unack -> acked -> normal
    "raise, ack, clear": (rule(), [(0, ON), (1, lc.Ack("op")), (2, OFF)],
                          [(0, E.RAISE, N, U), (1, E.ACK, U, A), (2, E.CLEAR, A, N)]),
    # unacknowledged return to normal, then the ack that ends it
    "clear unacked, then ack": (rule(), [(0, ON), (2, OFF), (3, lc.Ack("op"))],
                                [(0, E.RAISE, N, U), (2, E.CLEAR, U, R), (3, E.ACK, R, N)]),
    "back while rtn_unack": (rule(), [(0, ON), (2, OFF), (3, ON)],
                             [(0, E.RAISE, N, U), (2, E.CLEAR, U, R), (3, E.RAISE, R, U)]),
    "ack with nothing to ack": (rule(), [(0, lc.Ack("op")), (1, ON), (2, lc.Ack("op")),
                                         (3, lc.Ack("op"))],
                                [(1, E.RAISE, N, U), (2, E.ACK, U, A)]),
    # on-delay: a blip shorter than it raises nothing; a longer one raises at expiry
    "on-delay blip": (rule(on_delay=5), [(0, ON), (4, OFF), (10, TICK)], []),
    "on-delay by tick": (rule(on_delay=5), [(0, ON), (4.9, TICK), (5, TICK)],
                         [(5, E.RAISE, N, U)]),
    "on-delay by reading": (rule(on_delay=5), [(0, ON), (3, ON), (6, ON)],
                            [(6, E.RAISE, N, U)]),
    # off-delay: a dip shorter than it clears nothing
    "off-delay dip": (rule(off_delay=5), [(0, ON), (1, OFF), (3, ON), (20, TICK)],
                      [(0, E.RAISE, N, U)]),
    "off-delay expires": (rule(off_delay=5), [(0, ON), (1, OFF), (5.9, TICK), (6, TICK)],
                          [(0, E.RAISE, N, U), (6, E.CLEAR, U, R)]),
    # latching: stays until reset after it clears; reset before it clears does nothing
    "latch unacked": (rule(latch=True), [(0, ON), (1, lc.Reset("op")), (2, OFF),
                                         (3, lc.Ack("op")), (4, lc.Reset("op"))],
                      [(0, E.RAISE, N, U), (2, E.CLEAR, U, L), (4, E.RESET, L, N)]),
    "latch acked": (rule(latch=True), [(0, ON), (1, lc.Ack("op")), (2, OFF),
                                       (3, lc.Reset("op"))],
                    [(0, E.RAISE, N, U), (1, E.ACK, U, A), (2, E.CLEAR, A, L),
                     (3, E.RESET, L, N)]),
    "latched comes back": (rule(latch=True), [(0, ON), (2, OFF), (3, ON)],
                           [(0, E.RAISE, N, U), (2, E.CLEAR, U, L), (3, E.RAISE, L, U)]),
    # re-alarm: acknowledged and still active after `realarm` s -> unack again
    "re-alarm": (rule(realarm=10), [(0, ON), (1, lc.Ack("op")), (10.9, TICK), (11, TICK),
                                    (12, lc.Ack("op")), (22, TICK)],
                 [(0, E.RAISE, N, U), (1, E.ACK, U, A), (11, E.REALARM, A, U),
                  (12, E.ACK, U, A), (22, E.REALARM, A, U)]),
    "no re-alarm once clear": (rule(realarm=10), [(0, ON), (1, lc.Ack("op")), (5, OFF),
                                                  (30, TICK)],
                               [(0, E.RAISE, N, U), (1, E.ACK, U, A), (5, E.CLEAR, A, N)]),
    # shelving: suppressed while shelved, tracked, back at expiry (raised anew if active)
    "shelve expires active": (rule(), [(0, ON), (1, lc.Shelve(60, "op")), (30, OFF),
                                       (40, ON), (59, TICK), (60, TICK)],
                              [(0, E.RAISE, N, U), (1, E.SHELVE, U, S),
                               (60, E.UNSHELVE, S, N), (60, E.RAISE, N, U)]),
    "shelve expires clear": (rule(), [(0, ON), (1, lc.Shelve(60, "op")), (30, OFF),
                                      (61, TICK)],
                             [(0, E.RAISE, N, U), (1, E.SHELVE, U, S),
                              (61, E.UNSHELVE, S, N)]),
    "unshelve by hand": (rule(), [(0, lc.Shelve(60, "op")), (5, ON), (6, lc.Ack("op")),
                                  (7, lc.Unshelve("op"))],
                         [(0, E.SHELVE, N, S), (7, E.UNSHELVE, S, N), (7, E.RAISE, N, U)]),
    "one-shot ends when it clears": (rule(), [(0, ON), (1, lc.Shelve(600, "op", True)),
                                              (5, OFF), (6, ON)],
                                     [(0, E.RAISE, N, U), (1, E.SHELVE, U, S),
                                      (5, E.UNSHELVE, S, N), (6, E.RAISE, N, U)]),
    "shelve again extends": (rule(), [(0, lc.Shelve(10, "op")), (5, lc.Shelve(50, "op")),
                                      (20, TICK), (50, TICK)],
                             [(0, E.SHELVE, N, S), (5, E.SHELVE, S, S),
                              (50, E.UNSHELVE, S, N)]),
    "shelving drops a latch": (rule(latch=True), [(0, ON), (1, OFF), (2, lc.Shelve(5, "op")),
                                                  (7, TICK)],
                               [(0, E.RAISE, N, U), (1, E.CLEAR, U, L), (2, E.SHELVE, L, S),
                                (7, E.UNSHELVE, S, N)]),
    # out of service: like shelving, with no end but the operator's
    "out of service and back": (rule(), [(0, ON), (1, lc.OutOfService("op")),
                                         (2, lc.Shelve(5, "op")), (3, lc.Ack("op")),
                                         (100, TICK), (101, lc.InService("op"))],
                                [(0, E.RAISE, N, U), (1, E.OUT_OF_SERVICE, U, OOS),
                                 (101, E.IN_SERVICE, OOS, N), (101, E.RAISE, N, U)]),
    "out of service ends a shelving": (rule(), [(0, lc.Shelve(5, "op")),
                                                (1, lc.OutOfService("op")), (9, TICK),
                                                (10, lc.InService("op"))],
                                       [(0, E.SHELVE, N, S), (1, E.OUT_OF_SERVICE, S, OOS),
                                        (10, E.IN_SERVICE, OOS, N)]),
    "in service when not out": (rule(), [(0, lc.InService("op")), (1, lc.Unshelve("op"))], []),
    # delays and shelving together: the on-delay runs while shelved
    "on-delay while shelved": (rule(on_delay=5), [(0, lc.Shelve(20, "op")), (1, ON),
                                                  (6, TICK), (20, TICK)],
                               [(0, E.SHELVE, N, S), (20, E.UNSHELVE, S, N),
                                (20, E.RAISE, N, U)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lifecycle_table(name: str) -> None:
    settings, inputs, expected = CASES[name]
    assert run(settings, inputs)[1] == expected


def test_every_transition_is_in_the_table() -> None:
    """The table covers every (why, from, to) the lifecycle can make."""
    covered = {(e, f, t) for _, inputs, expected in CASES.values() for _, e, f, t in expected}
    wanted = {(E.RAISE, N, U), (E.RAISE, R, U), (E.RAISE, L, U), (E.ACK, U, A), (E.ACK, R, N),
              (E.CLEAR, A, N), (E.CLEAR, U, R), (E.CLEAR, U, L), (E.CLEAR, A, L),
              (E.RESET, L, N), (E.REALARM, A, U), (E.SHELVE, N, S), (E.SHELVE, U, S),
              (E.SHELVE, L, S), (E.SHELVE, S, S), (E.UNSHELVE, S, N),
              (E.OUT_OF_SERVICE, U, OOS), (E.OUT_OF_SERVICE, S, OOS), (E.IN_SERVICE, OOS, N)}
    assert wanted <= covered


def test_events_carry_who_why_value_limit_and_until() -> None:
    setting = lc.Setting("reactor", AlarmKind.HIHI, rule())
    record, raised = lc.step(lc.Record(), lc.Condition(True, 171.5, 170.0), 100.0, setting)
    assert raised[0].journal_fields() == {
        "ts": 100.0, "sensor": "reactor", "alarm": "hihi", "priority": "high",
        "event": "raise", "from": "normal", "to": "unack", "value": 171.5, "limit": 170.0}
    _, shelved = lc.step(record, lc.Shelve(700.0, "ana"), 200.0, setting)
    fields = shelved[0].journal_fields()
    assert (fields["user"], fields["until"], fields["value"], fields["limit"]) == \
        ("ana", 700.0, None, 170.0)


def test_next_due_names_the_next_time_driven_change() -> None:
    settings = rule(on_delay=5, realarm=30)
    record, _ = run(settings, [(0, ON)])
    assert lc.next_due(record, settings) == 5
    record, _ = run(settings, [(0, ON), (5, TICK), (6, lc.Ack("op"))])
    assert lc.next_due(record, settings) == 36
    record, _ = run(settings, [(0, lc.Shelve(50, "op"))])
    assert lc.next_due(record, settings) == 50
    assert lc.next_due(lc.Record(), settings) is None
