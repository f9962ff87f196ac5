"""The engine: drift-free schedules, failures as readings, no sensor stalls another."""

from __future__ import annotations

import time

import numpy as np

from sensortop.config.loader import make_sensor
from sensortop.model.readings import Reading, Status
from sensortop.sampling.engine import Engine
from sensortop.sources import Source
from support import wait_until


def sensor(sensor_id: str, **fields: object):
    return make_sensor({"id": sensor_id, "noise": 0.0, **fields})


async def collect(engine: Engine) -> list[Reading]:
    readings: list[Reading] = []
    engine.subscribe(readings.append)
    return readings


async def test_hung_and_raising_sensors_do_not_stall_a_neighbour() -> None:
    engine = Engine([
        sensor("healthy", interval=0.05),
        sensor("hung", interval=0.05, timeout=0.2, hang_rate=1.0),
        sensor("raising", interval=0.05, fail_rate=1.0),
    ])
    readings = await collect(engine)
    await engine.start()
    started = time.monotonic()
    healthy = engine.sensors["healthy"]
    await wait_until(lambda: healthy.readings >= 40, message="40 healthy readings")
    elapsed = time.monotonic() - started
    await engine.stop()
    # Every slot of the healthy sensor's schedule produced a reading or was skipped for
    # lateness: the hung and raising neighbours took nothing from it.
    slots = elapsed / 0.05
    assert healthy.readings + healthy.skipped_slots >= slots - 2
    by_sensor = {sid: [r for r in readings if r.sensor == sid] for sid in engine.sensors}
    assert all(r.status is Status.OK for r in by_sensor["healthy"])
    assert by_sensor["hung"] and all(r.status is Status.TIMEOUT for r in by_sensor["hung"])
    assert "no answer within 0.2 s" in (by_sensor["hung"][0].error or "")
    assert by_sensor["raising"] and all(r.status is Status.ERROR for r in by_sensor["raising"])
    assert by_sensor["raising"][0].error == "simulated instrument fault"


# The schedule itself (grid, skipped slots, retries, pause, backoff) is tested on
# virtual time in test_engine_schedule.py.


async def test_add_remove_pause_resume_while_running() -> None:
    engine = Engine([sensor("first", interval=0.02)])
    readings = await collect(engine)
    await engine.start()
    engine.add(sensor("second", interval=0.02))
    await wait_until(lambda: engine.sensors["second"].readings >= 5, message="second reads")
    engine.pause("second")
    paused_at = engine.sensors["second"].readings
    first_at = engine.sensors["first"].readings
    await wait_until(lambda: engine.sensors["first"].readings >= first_at + 10,
                     message="first keeps reading")
    assert engine.sensors["second"].readings == paused_at
    assert engine.sensors["second"].status_word() == "paused"
    engine.resume("second")
    await wait_until(lambda: engine.sensors["second"].readings >= paused_at + 5,
                     message="second resumes")
    await engine.remove("first")
    assert "first" not in engine.sensors
    count = sum(r.sensor == "first" for r in readings)
    await wait_until(lambda: engine.sensors["second"].readings >= paused_at + 15,
                     message="second goes on")
    assert sum(r.sensor == "first" for r in readings) == count
    await engine.stop()


async def test_adding_a_taken_id_is_refused() -> None:
    engine = Engine([sensor("only")])
    try:
        engine.add(sensor("only"))
    except ValueError as exc:
        assert "already exists" in str(exc)
    else:
        raise AssertionError("duplicate id accepted")


class FlakyConnection(Source):
    """A connection source whose peer can be taken away and given back."""

    connection = True

    def __init__(self, spec) -> None:  # type: ignore[no-untyped-def]
        super().__init__(spec)
        self.peer_up = True
        self.connects = 0

    async def connect(self) -> None:
        if not self.peer_up:
            raise ConnectionRefusedError("peer down")
        self.connects += 1

    async def read(self) -> float:
        if not self.peer_up:
            raise ConnectionResetError("peer went away")
        return 1.0


async def test_connection_source_reconnects_after_peer_returns() -> None:
    spec = sensor("link", interval=0.02)
    source = FlakyConnection(spec)
    engine = Engine()
    engine.add(spec, source=source)
    readings = await collect(engine)
    await engine.start()
    await wait_until(lambda: len(readings) >= 3, message="first readings")
    source.peer_up = False
    await wait_until(lambda: sum(r.status is Status.ERROR for r in readings) >= 3,
                     message="errors while the peer is down")
    assert engine.sensors["link"].status_word() == "error"
    source.peer_up = True
    errors = len(readings)
    await wait_until(lambda: any(r.status is Status.OK for r in readings[errors:]), timeout=20,
                     message="values again after reconnect")
    await engine.stop()
    assert source.connects >= 2
    texts = [r.error for r in readings if r.error]
    assert any("peer went away" in t for t in texts)


async def test_stale_when_no_good_reading_for_three_intervals() -> None:
    engine = Engine([sensor("s", interval=0.1)])
    state = engine.sensors["s"]
    state.history.append(time.time() - 1.0, 5.0)
    state.last_reading = Reading(time.time() - 1.0, "s", 5.0, "", Status.OK)
    assert state.status_word() == "stale"


async def test_history_keeps_running_stats() -> None:
    engine = Engine([sensor("s", interval=0.01, setpoint=10.0)], history=16)
    await engine.start()
    await wait_until(lambda: engine.sensors["s"].readings >= 40, message="40 readings")
    await engine.stop()
    history = engine.sensors["s"].history
    ts, values = history.snapshot()
    assert len(values) == 16 and np.all(np.diff(ts) > 0)
    stats = history.running_stats()
    assert stats.count == engine.sensors["s"].readings
    assert stats.minimum <= values.min() and stats.maximum >= values.max()
