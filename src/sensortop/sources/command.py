"""Run a command on each poll and read a number from what it prints.

An argument list is run directly (no shell); a ``command`` string is split
like a shell would but still run without one, unless ``shell = true`` asks for
a shell. The child runs in its own process group, so when the engine's timeout
cancels a read the whole group is killed and reaped: no orphans, no zombies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource, SourceError

NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
STDERR_TAIL = 300


class CommandSource(PolledSource):
    """A number printed by a command."""

    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("argv", list, None, "program and arguments, e.g. [\"sensors\", \"-u\"] "
              "(give argv or command)", optional=True),
        Field("command", str, None, "a command line; split into arguments, run through "
              "/bin/sh only with shell = true", optional=True),
        Field("shell", bool, False, "run `command` through /bin/sh (pipes, globs, $VARS)"),
        Field("pattern", str, None, "regular expression; its first group (or the whole "
              "match) is the number; default: the first number in the output", optional=True),
        Field("cwd", str, None, "working directory for the command", optional=True),
    )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """Problems the per-field checks cannot see (they span fields)."""
        problems = []
        if bool(options.get("argv")) == bool(options.get("command")):
            problems.append("give exactly one of argv (a list) or command (a string)")
        if options.get("shell") and not options.get("command"):
            problems.append("shell = true needs command (a string), not argv")
        command = options.get("command")
        if command:
            problems.extend(_command_problems(command, bool(options.get("shell"))))
        if options.get("pattern"):
            try:
                re.compile(options["pattern"])
            except re.error as exc:
                problems.append(f"pattern is not a valid regular expression: {exc}")
        return problems

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self._pattern: re.Pattern[str] = NUMBER
        self._checked = False

    async def connect(self) -> None:
        problems = self.check_options(self.options)
        if problems:
            raise SourceError("; ".join(problems))
        if self.options.get("pattern"):
            self._pattern = re.compile(self.options["pattern"])
        self._checked = True

    async def read(self) -> float:
        if not self._checked:  # the engine calls connect() only for connection sources
            await self.connect()
        process = await self._start()
        try:
            stdout, stderr = await process.communicate()
        except BaseException:
            # Cancelled (the engine's timeout) or anything else: kill the group, reap it.
            await _kill_and_reap(process)
            raise
        if process.returncode != 0:
            tail = stderr.decode(errors="replace").strip()[-STDERR_TAIL:]
            raise SourceError(f"exit status {process.returncode}"
                              + (f": {tail}" if tail else " (no stderr)"))
        return self._number(stdout.decode(errors="replace"))

    async def _start(self) -> asyncio.subprocess.Process:
        options = self.options
        common: dict[str, Any] = dict(
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=options.get("cwd"),
            start_new_session=True)
        try:
            if options.get("shell"):
                return await asyncio.create_subprocess_shell(options["command"], **common)
            argv = options.get("argv") or shlex.split(options.get("command") or "")
            if not argv:
                raise SourceError("no command to run: give argv or command")
            return await asyncio.create_subprocess_exec(*argv, **common)
        except FileNotFoundError as exc:
            raise SourceError(f"command not found: {exc.filename or exc}") from None
        except PermissionError as exc:
            raise SourceError(f"not allowed to run {exc.filename or 'the command'}") from None
        except ValueError as exc:  # shlex: unbalanced quotes
            raise SourceError(f"cannot parse command: {exc}") from None

    def _number(self, text: str) -> float:
        match = self._pattern.search(text)
        if match is None:
            what = "no number" if self._pattern is NUMBER else "pattern did not match"
            raise SourceError(f"{what} in output: {text.strip()[:80]!r}")
        found = match.group(1) if match.re.groups else match.group(0)
        try:
            return float(found)
        except (TypeError, ValueError):
            raise SourceError(f"pattern matched {found!r}, which is not a number") from None


def _command_problems(command: str, shell: bool) -> list[str]:
    """What ``record`` would otherwise meet at every read: a line that cannot be split."""
    try:
        # A shell quotes as shlex does (and ignores what follows a #).
        words = shlex.split(command, comments=shell)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        what = "is not valid shell" if shell else "cannot be split into arguments"
        return [f"command {what}: {exc}"]
    if not words and not shell:
        return ["command has no program in it"]
    return []


async def _kill_and_reap(process: asyncio.subprocess.Process) -> None:
    """SIGKILL the child's whole process group and wait for the child to exit."""
    if process.returncode is None:
        if hasattr(os, "killpg"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    # Shielded so a second cancellation cannot leave a zombie behind.
    with contextlib.suppress(BaseException):
        await asyncio.shield(process.wait())
