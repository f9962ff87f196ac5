"""``command`` actions for real: a program that writes what it got, failing and hanging ones,
and values with shell metacharacters that execute nothing (README "Actions")."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from actions_support import RECORD_EVENT, command, event, sink_with
from sensortop.model.alarms import EventKind, Priority
from sensortop.model.readings import Reading, Status
from sensortop.sinks.actions.payload import ENV_NAMES
from support import wait_until


async def test_a_program_gets_the_event_on_stdin_and_in_its_environment(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    sink, finishes = sink_with(command(str(RECORD_EVENT), str(out), "--fixed"))
    await sink.start()
    sink.put(event(user=None))
    await wait_until(lambda: len(finishes) == 1, message="the program to finish")
    assert finishes.errors == [None]
    got = json.loads(out.read_text())
    line = json.loads(got["stdin"])
    assert line == {"ts": "2026-11-18T11:06:40.250Z", "sensor": "reactor_temp", "alarm": "hi",
                    "priority": "high", "event": "raise", "from": "normal", "to": "unack",
                    "value": 161.2, "limit": 160.0}
    assert got["stdin"].endswith("\n") and got["stdin"].count("\n") == 1
    assert got["argv"] == [str(out), "--fixed"]  # nothing of the event on the command line
    event_env = {k: v for k, v in got["env"].items() if k.removeprefix("SENSORTOP_") in ENV_NAMES}
    assert event_env == {
        "SENSORTOP_TS": "2026-11-18T11:06:40.250Z", "SENSORTOP_SENSOR": "reactor_temp",
        "SENSORTOP_ALARM": "hi", "SENSORTOP_PRIORITY": "high", "SENSORTOP_EVENT": "raise",
        "SENSORTOP_FROM": "normal", "SENSORTOP_TO": "unack", "SENSORTOP_VALUE": "161.2",
        "SENSORTOP_LIMIT": "160.0", "SENSORTOP_USER": "", "SENSORTOP_UNTIL": ""}
    assert await sink.stop(time.monotonic() + 5) == []
    assert (sink.delivered, sink.error, sink.backlog) == (1, None, 0)


async def test_shell_metacharacters_in_values_execute_nothing(tmp_path: Path) -> None:
    """Hostile text in every text field the event carries reaches the program verbatim."""
    marks = [tmp_path / f"pwned{i}" for i in range(4)]
    hostile = {
        "sensor": f"x; touch {marks[0]}",
        "user": f"$(touch {marks[1]})",
    }
    out = tmp_path / "got.json"
    shell_out = tmp_path / "shell.txt"
    script = tmp_path / "quoted.sh"  # a careful shell script: uses the variables, quoted
    script.write_text(f'#!/bin/sh\nprintf "%s|%s" "$SENSORTOP_SENSOR" "$SENSORTOP_USER" '
                      f'> "{shell_out}"\n')
    script.chmod(0o755)
    from sensortop.model.actions import ActionKind, ActionSpec

    sink, finishes = sink_with(
        command(str(RECORD_EVENT), str(out)),
        ActionSpec(ActionKind.COMMAND, 1, argv=(str(script),),
                   on=frozenset({EventKind.ACK, EventKind.RAISE})))
    backtick = event(sensor=f"`touch {marks[2]}`", kind=EventKind.ACK,
                     user=f"'; touch {marks[3]}; '")
    sink.put(event(**hostile))  # type: ignore[arg-type]
    await wait_until(lambda: len(finishes) == 2, message="both programs to finish")
    got = json.loads(out.read_text())
    assert got["env"]["SENSORTOP_SENSOR"] == hostile["sensor"]
    assert got["env"]["SENSORTOP_USER"] == hostile["user"]
    assert json.loads(got["stdin"])["sensor"] == hostile["sensor"]
    assert shell_out.read_text() == f"{hostile['sensor']}|{hostile['user']}"
    sink.put(backtick)
    await wait_until(lambda: len(finishes) == 3, message="the program for the ack")
    assert shell_out.read_text() == f"{backtick.sensor}|{backtick.user}"
    await sink.stop(time.monotonic() + 5)
    assert finishes.errors == [None, None, None]
    assert not any(mark.exists() for mark in marks)


async def test_a_failing_program_is_counted_and_said_in_words(tmp_path: Path) -> None:
    sink, finishes = sink_with(command(str(RECORD_EVENT), str(tmp_path / "o.json"), "3"))
    sink.put(event())
    sink.put(event(sensor="coolant"))
    await wait_until(lambda: len(finishes) == 2, message="two failures")
    assert finishes.errors == ["exit status 3: the pager is out of paper"] * 2
    assert sink.error is not None
    assert sink.error.startswith("actions 2 failed; last: actions[0] (command ")
    assert "exit status 3: the pager is out of paper" in sink.error
    await sink.stop(time.monotonic() + 5)
    assert (sink.runner.failed, sink.runner.done) == (2, 0)


async def test_a_hanging_program_and_its_children_are_killed_at_the_time_limit(
        tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    hang = f"sleep 60 & echo $! > {pid_file}; wait"
    from sensortop.model.actions import ActionKind, ActionSpec

    sink, finishes = sink_with(ActionSpec(ActionKind.COMMAND, 0, argv=("/bin/sh", "-c", hang),
                                          timeout=0.5))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1, message="the time limit")
    assert finishes.errors == ["killed at its 0.5 s time limit"]
    child = int(pid_file.read_text())
    await wait_until(lambda: not _alive(child), message="the program's child to be gone")
    await sink.stop(time.monotonic() + 5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead; it only waits for its parent (init, here) to reap it.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


async def test_only_matching_events_run_and_readings_are_ignored(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    sink, finishes = sink_with(command(str(RECORD_EVENT), str(out),
                                       on=frozenset({EventKind.CLEAR}),
                                       priority=frozenset({Priority.CRITICAL}),
                                       sensors=frozenset({"boiler"})))
    sink.put(Reading(1.0, "boiler", 1.0, "", Status.OK))
    sink.put(event(sensor="boiler", kind=EventKind.RAISE, priority=Priority.CRITICAL))
    sink.put(event(sensor="boiler", kind=EventKind.CLEAR, priority=Priority.HIGH))
    sink.put(event(sensor="reactor", kind=EventKind.CLEAR, priority=Priority.CRITICAL))
    sink.put(event(sensor="boiler", kind=EventKind.CLEAR, priority=Priority.CRITICAL,
                   value=99.5))
    await wait_until(lambda: len(finishes) == 1, message="the one matching event")
    await sink.stop(time.monotonic() + 5)
    assert len(finishes) == 1 and sink.events == 4
    assert json.loads(out.read_text())["env"]["SENSORTOP_VALUE"] == "99.5"


async def test_past_the_queue_limit_actions_are_dropped_counted_and_handed_back(
        tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    wait_for_gate = ("-c", f"import os, time\nwhile not os.path.exists({str(gate)!r}): "
                           "time.sleep(0.01)")
    sink, finishes = sink_with(command(*wait_for_gate), concurrency=1, queue_limit=2)
    events = [event(sensor=f"s{i}") for i in range(5)]
    for item in events:  # put never waits on a program (else this would hang)
        sink.put(item)
    assert (sink.backlog, sink.dropped) == (2, 3)
    assert sink.error is not None and "3 dropped" in sink.error
    await wait_until(lambda: sink.runner.processes.running == 1, message="s0's program")
    handed_back = await sink.stop(time.monotonic() + 0.3)  # s0 runs, s1 waits: cancelled
    assert handed_back == [events[1]]
    gate.touch()
    await wait_until(lambda: len(finishes) == 1, message="s0's end")
    assert finishes.errors == ["killed by signal 9"]  # killed at the stop's deadline
    sink.put(event(sensor="late"))
    assert sink.dropped == 4


async def test_a_program_removed_after_the_config_was_read_is_a_failure(tmp_path: Path) -> None:
    program = tmp_path / "gone"
    from sensortop.model.actions import ActionKind, ActionSpec

    sink, finishes = sink_with(ActionSpec(ActionKind.COMMAND, 0, argv=(str(program),)))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    error = finishes.errors[0]
    assert error is not None and error.startswith(f"cannot start {program}: ")
    await sink.stop(time.monotonic() + 5)


@pytest.mark.parametrize("signum", [signal.SIGTERM])
async def test_a_program_killed_by_a_signal_says_which(tmp_path: Path, signum: int) -> None:
    sink, finishes = sink_with(command("-c", f"import os; os.kill(os.getpid(), {int(signum)})"))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    assert finishes.errors == [f"killed by signal {int(signum)}"]
    await sink.stop(time.monotonic() + 5)
