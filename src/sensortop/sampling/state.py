"""A running sensor's live state, and the immutable view other threads read.

Kept apart from the engine's scheduling: the engine changes these fields
under the sensor's lock and drops the view, which the first reader rebuilds
under the same lock; the dashboard (on another
thread) and the status line read ``SensorState.view`` and nothing else.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from sensortop.model.readings import Reading
from sensortop.model.specs import SensorSpec
from sensortop.sampling.alarms import SensorAlarms
from sensortop.sampling.history import History
from sensortop.sampling.view import SensorView
from sensortop.sources import Source

_new_view = tuple.__new__


@dataclass(eq=False)
class SensorState:
    """A running sensor: its spec, source, memory and counters."""

    spec: SensorSpec
    source: Source
    history: History
    alarms: SensorAlarms
    paused: bool = False
    last_reading: Reading | None = None
    readings: int = 0
    failures: int = 0
    skipped_slots: int = 0
    connected: bool = False
    task: asyncio.Task[None] | None = None
    resumed: asyncio.Event = field(default_factory=asyncio.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held by the engine while it changes the fields a view is made of; a reader
    takes it only to rebuild a view that was dropped or fell behind."""
    _view: SensorView | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def view(self) -> SensorView:
        """The sensor now, as one immutable view: what other threads read.

        After a reading the engine drops the view (``unpublish``) and the first
        reader rebuilds it; until the next change that is one reference read. If
        the fields were changed some other way (a test, an embedder), the view is
        rebuilt too. Always under ``lock``, never from a half-written reading.
        """
        view = self._view
        if view is None or not self._matches(view):
            with self.lock:
                view = self._view
                if view is None or not self._matches(view):
                    view = self.publish()
        return view

    def _matches(self, view: SensorView) -> bool:
        alarms = self.alarms
        return (view.version == self.history.version and view.last_reading is self.last_reading
                and view.alarm is alarms.level and view.alarm_summary is alarms.summary
                and view.paused == self.paused and view.readings == self.readings
                and view.failures == self.failures and view.skipped_slots == self.skipped_slots
                and view.connected == self.connected)

    def publish(self) -> SensorView:
        """Build the view from the live fields and publish it (call under ``lock``)."""
        history, alarms = self.history, self.alarms
        # tuple.__new__ is SensorView(...) without its Python-level __new__: a third
        # of the view's cost, paid on every reading.
        view: SensorView = _new_view(SensorView, (
            self.spec, history.version, history, self.last_reading, history.last_good_ts,
            self.paused, self.connected, self.readings, self.failures, self.skipped_slots,
            alarms.level, alarms.acknowledged, history.stats_fields(), alarms.summary))
        self._view = view
        return view

    def unpublish(self) -> None:
        """Drop the published view after a change (call under ``lock``): the next
        reader rebuilds it. Cheaper than ``publish`` for a view few readers ask for."""
        self._view = None

    def is_stale(self, now: float | None = None) -> bool:
        """No good reading for a few intervals (always False while paused)."""
        return self.view.is_stale(now)

    def status_word(self, now: float | None = None) -> str:
        """One of ok, timeout, error, alarm, paused, stale, waiting: what the panel shows."""
        return self.view.status_word(now)
