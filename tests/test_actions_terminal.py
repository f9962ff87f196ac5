"""``bell`` and ``notify``: the escapes, their cleaning, the dashboard's plug, and the
headless fallback when there is no terminal at all."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from actions_support import event, sink_with
from sensortop.model.actions import ActionKind, ActionSpec
from sensortop.model.alarms import EventKind
from sensortop.sinks.actions.terminal import escapes
from support import wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_bell_is_bel_and_notify_is_osc_9_and_osc_777() -> None:
    bell = ActionSpec(ActionKind.BELL, 0)
    notify = ActionSpec(ActionKind.NOTIFY, 1, title="Plant; 4")
    assert escapes(bell, event()) == "\a"
    assert escapes(notify, event()) == (
        "\x1b]9;Plant, 4: reactor_temp hi raise (high): 161.2, limit 160\x07"
        "\x1b]777;notify;Plant, 4;reactor_temp hi raise (high): 161.2, limit 160\x07")


def test_control_characters_cannot_break_out_of_the_notification() -> None:
    notify = ActionSpec(ActionKind.NOTIFY, 0, title="t\x1b]0;owned\x07")
    text = escapes(notify, event(sensor="x\x07\x1b[2J\x9b31m", kind=EventKind.ACK,
                                 user="u\nv"))
    assert text.count("\x1b") == 2 and text.count("\x07") == 2  # only the frames' own
    assert "\x9b" not in text and "\n" not in text


async def test_a_plugged_writer_gets_bell_and_notify_in_order() -> None:
    sink, finishes = sink_with(ActionSpec(ActionKind.BELL, 0),
                               ActionSpec(ActionKind.NOTIFY, 1), concurrency=1)
    written: list[str] = []
    sink.plug_terminal(written.append)
    assert sink.uses_terminal
    sink.put(event())
    await wait_until(lambda: len(finishes) == 2)
    assert written[0] == "\a" and written[1].startswith("\x1b]9;sensortop: reactor_temp")
    await sink.stop(time.monotonic() + 5)
    assert sink.delivered == 2


def test_headless_with_no_terminal_is_a_reported_failure(tmp_path: Path) -> None:
    """A ``record`` under a service manager: no controlling terminal, stderr a file."""
    script = (
        "import time\n"
        "from sensortop.model.actions import ActionKind, ActionSpec\n"
        "from sensortop.sinks.actions.runner import ActionRunner, Job\n"
        "import sys; sys.path.insert(0, 'tests')\n"
        "from actions_support import event\n"
        "runner = ActionRunner()\n"
        "runner.submit(Job(ActionSpec(ActionKind.BELL, 0), event()))\n"
        "runner.wait(10); print(runner.last_error)\n")
    with (tmp_path / "err").open("w") as err:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=err, text=True, timeout=30,
                              start_new_session=True, env={"PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.strip() == ("actions[0] (bell) for reactor_temp: no terminal to write "
                                   "to (not started from one)")


def test_headless_on_a_terminal_writes_to_the_controlling_tty(tmp_path: Path) -> None:
    """``record`` started from a terminal: the escapes reach that terminal (here a pty
    that the child makes its controlling terminal), while stdout and stderr are files."""
    import os
    import pty

    master, slave = pty.openpty()
    name = os.ttyname(slave)
    script = (
        "import os, sys\n"
        "os.close(os.open(sys.argv[1], os.O_RDWR))  # a session leader's first tty: its own\n"
        "from sensortop.model.actions import ActionKind, ActionSpec\n"
        "from sensortop.sinks.actions.runner import ActionRunner, Job\n"
        "sys.path.insert(0, 'tests')\n"
        "from actions_support import event\n"
        "runner = ActionRunner(concurrency=1)\n"
        "runner.submit(Job(ActionSpec(ActionKind.BELL, 0), event()))\n"
        "runner.submit(Job(ActionSpec(ActionKind.NOTIFY, 1, title='T'), event()))\n"
        "runner.wait(10); print(runner.done, runner.last_error)\n")
    try:
        with (tmp_path / "err").open("w") as err:
            done = subprocess.run([sys.executable, "-c", script, name], cwd=ROOT,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                  text=True, timeout=30, start_new_session=True,
                                  env={"PYTHONPATH": str(ROOT / "src")})
        os.set_blocking(master, False)
        seen = os.read(master, 4096)
    finally:
        os.close(master)
        os.close(slave)
    assert done.stdout.strip() == "2 None"
    assert seen == (b"\a\x1b]9;T: reactor_temp hi raise (high): 161.2, limit 160\x07"
                    b"\x1b]777;notify;T;reactor_temp hi raise (high): 161.2, limit 160\x07")
