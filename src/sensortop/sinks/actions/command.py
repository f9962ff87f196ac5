"""The ``command`` action: run a program with the event on stdin and in its environment.

Never a shell, never a value on the command line: the program and its fixed
arguments come from the config, the event only through stdin and
``SENSORTOP_*`` variables, so a sensor id or a value holding ``; rm -rf`` is data,
never code. The program runs in its own process group and the whole group is
killed at the time limit (a shell script's children too). Runs in a worker
thread: every call here blocks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading

from sensortop.model.actions import ActionSpec
from sensortop.model.alarms import AlarmEvent
from sensortop.sinks.actions.payload import event_env, event_json

STDERR_TAIL = 300
"""Characters of a failed program's stderr kept for its error message."""
REAP_WAIT = 2.0


class ActionFailed(Exception):
    """An action did not complete; the message says why, in words."""


class Processes:
    """The programs running now, so a stop past its deadline can kill them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()

    def add(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.add(proc)

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(proc)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def kill_all(self) -> int:
        """Kill every running program's group; how many there were."""
        with self._lock:
            running = list(self._running)
        for proc in running:
            kill_group(proc)
        return len(running)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the program's process group (it leads one: ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_command(action: ActionSpec, event: AlarmEvent, processes: Processes) -> None:
    """Run ``action.argv`` for ``event``; ActionFailed if it fails or outlives its timeout."""
    env = {**os.environ, **event_env(event)}
    with tempfile.TemporaryFile() as err:  # a chatty program costs disk, not memory
        try:
            proc = subprocess.Popen(list(action.argv), stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=err, env=env,
                                    start_new_session=True, close_fds=True)
        except OSError as exc:
            raise ActionFailed(f"cannot start {action.argv[0]}: {exc.strerror or exc}") from None
        processes.add(proc)
        try:
            try:
                proc.communicate(event_json(event), timeout=action.timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(REAP_WAIT)
                raise ActionFailed(f"killed at its {action.timeout:g} s time limit") from None
        finally:
            processes.discard(proc)
        code = proc.returncode
        if code == 0:
            return
        err.seek(max(0, err.seek(0, os.SEEK_END) - STDERR_TAIL))
        tail = err.read().decode("utf-8", "replace").strip().splitlines()
        said = f": {_printable(tail[-1])}" if tail else ""
        if code < 0:
            raise ActionFailed(f"killed by signal {-code}{said}")
        raise ActionFailed(f"exit status {code}{said}")


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:STDERR_TAIL]
