"""The engine's alarm side: operator actions, the alarm tick, and handing events out.

A mixin of ``Engine`` so ``engine.py`` keeps only scheduling: everything here runs
on the engine's loop (the dashboard reaches it through the session's ``call``).
Operator actions carry the login name (``operator_name``), as the journal records.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sensortop.model.alarms import AlarmEvent, AlarmKind, EventKind
from sensortop.model.readings import Reading
from sensortop.sampling import lifecycle
from sensortop.sampling.flood import FloodWatch

if TYPE_CHECKING:
    from sensortop.sampling.state import SensorState

log = logging.getLogger("sensortop.sampling.engine")

TICK = 0.5
"""Seconds between alarm ticks: the resolution of delays, stale, re-alarm and shelving."""


def operator_name() -> str:
    """The login name for the journal's ``user``; never fails."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no passwd entry, no LOGNAME: still an action to record
        return "unknown"


class AlarmOperations:
    """Needs ``sensors``, ``_wall``, ``flood`` and ``_event_subscribers`` from the engine."""

    sensors: dict[str, SensorState]
    _wall: Callable[[], float]
    _event_subscribers: list[Callable[[Reading | AlarmEvent], None]]
    flood: FloodWatch

    # -- operator actions --------------------------------------------------------------
    def acknowledge(self, sensor_id: str, alarm: AlarmKind | None = None,
                    user: str | None = None) -> list[AlarmEvent]:
        """Acknowledge one alarm of a sensor, or all of them (None); the acks made.
        KeyError for an unknown sensor or alarm."""
        return self._operate(sensor_id, alarm, lifecycle.Ack(user or operator_name()))

    def acknowledge_all(self, keys: list[tuple[str, AlarmKind]],
                        user: str | None = None) -> list[AlarmEvent]:
        """Acknowledge each (sensor, alarm) given (the ones the screen shows); the acks
        made. Sensors removed meanwhile are passed over."""
        who = user or operator_name()
        events: list[AlarmEvent] = []
        for sensor_id, alarm in keys:
            if sensor_id in self.sensors:
                events += self._operate(sensor_id, alarm, lifecycle.Ack(who))
        return events

    def shelve(self, sensor_id: str, alarm: AlarmKind, seconds: float,
               user: str | None = None, one_shot: bool = False) -> list[AlarmEvent]:
        """Shelve one alarm for ``seconds`` (at most the sensor's ``shelve_max``:
        ValueError past it); ``one_shot`` also ends it when the alarm clears."""
        if not seconds > 0:
            raise ValueError("a shelving lasts a positive number of seconds")
        until = self._wall() + seconds
        return self._operate(sensor_id, alarm,
                             lifecycle.Shelve(until, user or operator_name(), one_shot))

    def unshelve(self, sensor_id: str, alarm: AlarmKind,
                 user: str | None = None) -> list[AlarmEvent]:
        return self._operate(sensor_id, alarm, lifecycle.Unshelve(user or operator_name()))

    def reset_latch(self, sensor_id: str, alarm: AlarmKind | None = None,
                    user: str | None = None) -> list[AlarmEvent]:
        """Reset a latched alarm that has cleared (None: every latched one of the sensor)."""
        return self._operate(sensor_id, alarm, lifecycle.Reset(user or operator_name()))

    def set_out_of_service(self, sensor_id: str, out: bool,
                           user: str | None = None) -> list[AlarmEvent]:
        """Take every alarm of a sensor out of service, or put them back."""
        who = user or operator_name()
        action = lifecycle.OutOfService(who) if out else lifecycle.InService(who)
        return self._operate(sensor_id, None, action)

    def _operate(self, sensor_id: str, alarm: AlarmKind | None,
                 action: lifecycle.Input) -> list[AlarmEvent]:
        state = self.sensors[sensor_id]
        with state.lock:
            events = state.alarms.operate(alarm, action, self._wall())
            state.publish()
        self._hand_out(events)
        return events

    # -- time ----------------------------------------------------------------------------
    async def _alarm_ticker(self) -> None:
        """One coarse tick for every sensor with something due: no task per alarm.

        On the loop's own clock (not the injectable ``sleep``, which paces reads)."""
        while True:
            await asyncio.sleep(TICK)
            self.alarm_tick(self._wall())

    def alarm_tick(self, now: float) -> None:
        for state in list(self.sensors.values()):
            if not state.alarms.ticking:
                continue
            with state.lock:
                events = state.alarms.tick(now, state.paused)
                if events:
                    state.publish()
            if events:
                self._hand_out(events)
        if self.flood.flooding:
            self.flood.update(now)

    # -- out -------------------------------------------------------------------------------
    def _hand_out(self, events: list[AlarmEvent]) -> None:
        """Give each event to every sink, and count raises for the flood watch."""
        if not events:
            return
        raised = sum(1 for e in events if e.event is EventKind.RAISE)
        if (raised or self.flood.flooding) and self.flood.update(events[-1].ts, raised):
            log.warning("alarm flood %s", "started" if self.flood.flooding else "ended")
        for event in events:
            for sink in self._event_subscribers:
                try:
                    sink(event)
                except Exception:  # a broken sink must not stop sampling
                    log.exception("sink %r failed", sink)


__all__ = ["AlarmOperations", "operator_name"]
