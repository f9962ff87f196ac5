"""The command source: real child processes, killed and reaped at the timeout."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from peers import EngineRun, neighbour, spec, wait_until
from sensortop.model.readings import Status
from sensortop.sources import SourceError
from sensortop.sources.command import CommandSource

PY = sys.executable


async def read(**options: object) -> float:
    source = CommandSource(spec("c", "command", **options))
    async with source:
        return await source.read()


async def test_first_number_in_the_output_of_an_argument_list() -> None:
    assert await read(argv=[PY, "-c", "print('temp: 23.5 C, fan 2')"]) == 23.5


async def test_pattern_group_picks_the_number() -> None:
    value = await read(argv=[PY, "-c", "print('fan 2 rpm 1500')"], pattern=r"rpm (\d+)")
    assert value == 1500.0


async def test_command_string_runs_without_a_shell_unless_asked() -> None:
    # Without a shell, '$HOME' is passed literally, so there is no number to read.
    with pytest.raises(SourceError, match="no number"):
        await read(command="echo $HOME-not-a-number")
    assert await read(command="echo $((6*7))", shell=True) == 42.0


async def test_non_zero_exit_is_an_error_with_the_stderr_tail() -> None:
    script = "import sys; sys.stderr.write('sensor unplugged\\n'); sys.exit(3)"
    with pytest.raises(SourceError, match="exit status 3: sensor unplugged"):
        await read(argv=[PY, "-c", script])


async def test_output_without_a_number_is_an_error() -> None:
    with pytest.raises(SourceError, match="no number in output"):
        await read(argv=[PY, "-c", "print('offline')"])


async def test_missing_program_is_an_error_that_names_it() -> None:
    with pytest.raises(SourceError, match="command not found"):
        await read(argv=["/nonexistent/sensor-tool"])


def test_argv_and_command_together_are_refused_by_the_config() -> None:
    from sensortop.config.loader import make_sensor
    from sensortop.config.problems import ConfigError

    with pytest.raises(ConfigError, match="exactly one of argv"):
        make_sensor({"id": "c", "kind": "command", "argv": ["true"], "command": "true"})


def test_bad_regular_expression_is_refused_by_the_config() -> None:
    from sensortop.config.loader import make_sensor
    from sensortop.config.problems import ConfigError

    with pytest.raises(ConfigError, match="not a valid regular expression"):
        make_sensor({"id": "c", "kind": "command", "argv": ["true"], "pattern": "(unclosed"})


async def test_hanging_command_is_killed_and_reaped_when_the_read_is_cancelled(tmp_path) -> None:
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); " \
             "time.sleep(60)"
    source = CommandSource(spec("c", "command", argv=[PY, "-c", script]))
    task = asyncio.create_task(source.read())
    await wait_until(lambda: pid_file.exists() and pid_file.read_text() != "", 10, "the child")
    pid = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_shell_grandchildren_die_with_the_command(tmp_path) -> None:
    pid_file = tmp_path / "pid"
    source = CommandSource(spec("c", "command", shell=True,
                                command=f"sleep 60 & echo $! > {pid_file}; wait"))
    task = asyncio.create_task(source.read())
    await wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 10,
                     "the grandchild")
    grandchild = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    def gone() -> bool:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            return True
        # a killed orphan may linger as a zombie until init reaps it
        with open(f"/proc/{grandchild}/stat") as stat:
            return stat.read().split(")")[1].split()[0] == "Z"

    await wait_until(gone, 10, "the grandchild to die")


async def test_hanging_command_times_out_in_the_engine_and_others_carry_on(tmp_path) -> None:
    hang = spec("hang", "command", argv=[PY, "-c", "import time; time.sleep(60)"],
                interval=0.2, timeout=0.3)
    ok = spec("ok", "command", argv=[PY, "-c", "print(7)"], interval=0.2, timeout=5.0)
    async with EngineRun([hang, ok, neighbour()], tmp_path) as run:
        await run.wait_for("hang", Status.TIMEOUT, 2)
        await run.wait_for("ok", Status.OK, 2)
        await run.wait_for("neighbour", Status.OK, 10)
    lines = run.log_lines()
    assert {line["status"] for line in lines if line["sensor"] == "hang"} == {"timeout"}
    assert [line["value"] for line in lines if line["sensor"] == "ok"][:2] == [7.0, 7.0]
