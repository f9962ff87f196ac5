"""Actions beside a real Engine: a hanging program never delays sampling; and, end to end,
alarm events from the engine run actions in ``record``'s session."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from actions_support import RECORD_EVENT, event, sink_with
from sensortop.config.loader import load_config, make_sensor
from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.sampling.engine import Engine
from sensortop.sampling.session import SamplingSession
from support import wait_until

HANG = 1.5
"""Seconds each hanging program runs before its time limit kills it."""


async def test_hanging_programs_are_killed_while_sampling_stays_on_schedule() -> None:
    sensors = [make_sensor({"id": f"s{i}", "interval": 0.02, "noise": 0.1, "seed": i})
               for i in range(4)]
    engine = Engine(sensors)
    hang = ActionSpec(ActionKind.COMMAND, 0, argv=("/bin/sleep", "60"), timeout=HANG)
    sink, finishes = sink_with(hang, concurrency=2)
    await engine.start()
    try:
        await wait_until(lambda: engine.readings_total >= 20, message="sampling to run")
        engine.lateness.clear()
        before = engine.readings_total
        for i in range(4):  # two rounds of two at once: ~3 s of hanging programs
            sink.put(event(sensor=f"s{i}"))
        await wait_until(lambda: len(finishes) == 4, timeout=30, message="every time limit")
        during = engine.readings_total - before
    finally:
        await engine.stop()
    assert finishes.errors == [f"killed at its {HANG:g} s time limit"] * 4
    # A loop blocked by a program would show a lateness of about HANG seconds.
    p50, p99, worst = engine.lateness.percentiles(50, 99, 100)
    assert worst < HANG / 2, (p50, p99, worst)
    assert during >= 4 * 20  # every sensor kept reading through the hang
    await sink.stop(time.monotonic() + 5)


async def test_end_to_end_a_raise_in_a_recording_session_runs_the_program(
        tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    config_path = tmp_path / "c.toml"
    argv = json.dumps([sys.executable, str(RECORD_EVENT), str(out)])
    config_path.write_text(f"""
[monitor]
log_dir = "logs"
[[sensors]]
id = "boiler"
interval = 0.05
setpoint = 150.0
noise = 0.0
walk = 0.0
limits = {{ hi = 100.0 }}
[[actions]]
kind = "command"
on = ["raise"]
argv = {argv}
""")
    session = SamplingSession(load_config(config_path))
    seen: list[AlarmEvent] = []
    session.engine.subscribe_events(
        lambda item: seen.append(item) if isinstance(item, AlarmEvent) else None)
    await session.start()
    try:
        await wait_until(lambda: out.exists(), message="the action for the raise")
    finally:
        await session.stop()
    got = json.loads(out.read_text())
    line = json.loads(got["stdin"])
    raised = next(e for e in seen if e.event.value == "raise")
    assert (line["sensor"], line["event"], line["alarm"]) == ("boiler", "raise", "hi")
    assert line["value"] == raised.value and got["env"]["SENSORTOP_SENSOR"] == "boiler"
    assert session.reports[-1].undelivered == 0 and session.sinks[-1].delivered == 1


async def test_record_shows_a_failing_action_live_and_at_the_end(tmp_path: Path) -> None:
    """The session builds the actions sink from [[actions]]; ``record``'s progress line
    and its closing lines say what failed."""
    import io

    from sensortop.cli.record import _progress_line, record
    from sensortop.sinks.actions.sink import ActionsSink

    config_path = tmp_path / "c.toml"
    argv = json.dumps([sys.executable, str(RECORD_EVENT), str(tmp_path / "o.json"), "4"])
    config_path.write_text(f'[[actions]]\nkind = "command"\nargv = {argv}\n\n'
                           '[[sensors]]\nid = "t"\ninterval = 0.05\n')
    config = load_config(config_path)
    session = SamplingSession(config, tmp_path / "logs")
    sink = session.sinks[-1]
    assert isinstance(sink, ActionsSink) and sink.purpose == "running 1 action on alarm events"
    await session.start()
    try:
        sink.put(event(sensor="t"))
        await wait_until(lambda: sink.error is not None, message="the failure")
        line = _progress_line(session, time.monotonic() - 1)
        assert "ACTIONS: actions 1 failed; last: actions[0] (command " in line
        assert "for t: exit status 4: the pager is out of paper" in line
    finally:
        await session.stop()
    out = io.StringIO()
    assert await record(config, tmp_path / "logs2", 0.2, out=out) == 0
    assert "running 1 action on alarm events\n" in out.getvalue()
    assert "actions output 1 action: 0 actions run, 0 failed\n" in out.getvalue()
