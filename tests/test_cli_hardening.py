"""The command line: honest usage words, bad flags and environment values exit 2 with
one line, every face refuses a bad config the same way, and an early Ctrl-C is quiet."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from sensortop.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": SRC, **env}
    return subprocess.run([sys.executable, "-m", "sensortop", *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, env=full_env,
                          cwd=cwd)


def config(tmp_path: Path, text: str = '[[sensors]]\nid = "a"\ninterval = 0.05\n',
           name: str = "plant.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def subcommand_helps() -> dict[str, str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return {name: p.format_help() for name, p in sub.choices.items()}  # type: ignore[union-attr]


def test_usage_shows_the_command_as_optional() -> None:
    usage = build_parser().format_usage()
    assert "[COMMAND ...]" in usage
    assert "{" not in usage


def test_no_usage_or_help_shows_internal_names() -> None:
    texts = [build_parser().format_help(), *subcommand_helps().values()]
    for text in texts:
        assert "SUB_" not in text and "sub_" not in text
    helps = subcommand_helps()
    assert "--config PATH" in helps["record"] and "--log-dir DIR" in helps["record"]
    assert "--pubchem-url URL" in helps["lookup"]
    assert "--duration SECONDS" in helps["record"]


def test_subcommand_usage_starts_with_the_program_and_command_only() -> None:
    assert subcommand_helps()["record"].startswith("usage: sensortop record [-h]")


def test_theme_help_lists_every_shipped_theme() -> None:
    help_text = " ".join(build_parser().format_help().split())
    for path in sorted((ROOT / "themes").glob("*.toml")):
        name = tomllib.loads(path.read_text(encoding="utf-8"))["name"]
        assert name in help_text.replace("- ", "-"), name


def test_an_unknown_theme_exits_2_naming_the_known_ones(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--theme", "no-such-theme", "--config", str(config(tmp_path))])
    err = capsys.readouterr().err
    assert code == 2
    assert "no theme named 'no-such-theme'" in err
    assert "control-room" in err and "textual-dark" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e12", "soon"])
def test_a_bad_duration_is_a_usage_error(tmp_path: Path, value: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["record", "--config", str(config(tmp_path)), "--duration", value])
    assert info.value.code == 2
    assert "--duration" in capsys.readouterr().err


def test_check_config_counts_one_sensor_in_the_singular(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path)
    assert main(["check-config", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: OK, 1 sensor\n"


def test_check_config_of_an_empty_config_says_there_are_no_sensors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path, "# to be filled in\n")
    assert main(["check-config", str(path)]) == 2
    assert "no sensors" in capsys.readouterr().err


def test_record_with_an_empty_config_exits_2_saying_so(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path, "[monitor]\n")
    assert main(["record", "--config", str(path), "--duration", "1"]) == 2
    assert "no sensors" in capsys.readouterr().err


def test_a_bad_seed_in_the_environment_exits_2(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SENSORTOP_SEED", "abc")
    assert main(["record", "--config", str(config(tmp_path)), "--duration", "1"]) == 2
    assert "SENSORTOP_SEED must be a whole number; got 'abc'" in capsys.readouterr().err


def test_a_log_dir_that_is_a_file_exits_2(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "logs"
    afile.write_text("not a folder")
    code = main(["record", "--config", str(config(tmp_path)), "--log-dir", str(afile),
                 "--duration", "1"])
    assert code == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_a_log_dir_with_a_nul_exits_2(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "--config", str(config(tmp_path)), "--log-dir", "a\0b",
                 "--duration", "1"]) == 2
    assert "NUL" in capsys.readouterr().err


def test_the_dashboard_refuses_a_bad_config_like_check_config(tmp_path: Path) -> None:
    path = config(tmp_path, '[[sensors]]\nid = "a"\ninterval = nan\n')
    checked = run("check-config", str(path))
    dashboard = run("--config", str(path))
    assert checked.returncode == dashboard.returncode == 2
    assert dashboard.stderr == checked.stderr
    assert "field 'interval': must be a finite number" in dashboard.stderr
    assert dashboard.stdout == ""  # Textual never drew a screen


def test_the_dashboard_refuses_an_unreadable_config_file_like_check_config() -> None:
    checked = run("check-config", "/dev/zero")
    dashboard = run("--config", "/dev/zero")
    assert checked.returncode == dashboard.returncode == 2
    assert dashboard.stderr == checked.stderr and "not a regular file" in checked.stderr


def _in_pythons_own_start_up(err: str) -> bool:
    """The interpreter was still starting: its frames are all frozen start-up modules
    (site, codecs, runpy), none of them sensortop's."""
    return ("Traceback" in err or "runpy" in err) and "sensortop" not in err \
        and ("<frozen" in err or "init_import_site" in err or "Could not import runpy" in err)


@pytest.mark.parametrize("delay", [0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45])
def test_an_early_ctrl_c_never_prints_a_traceback(tmp_path: Path, delay: float) -> None:
    path = config(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "sensortop", "record", "--config", str(path), "--duration",
         "30", "--log-dir", str(tmp_path / "logs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": SRC})
    time.sleep(delay)  # the moment of the interrupt is the variable here, not a wait
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if _in_pythons_own_start_up(err):
        pytest.skip("on a loaded machine the interrupt landed in Python's own start-up, "
                    "before any sensortop code ran (nothing of ours to test)")
    assert "Traceback" not in err
    # 0: record's own clean stop; 130 / -SIGINT: interrupted while starting.
    assert process.returncode in (0, 130, -signal.SIGINT), err


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3])
def test_an_early_sigterm_to_record_never_prints_a_traceback(tmp_path: Path,
                                                            delay: float) -> None:
    path = config(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "sensortop", "record", "--config", str(path), "--duration",
         "30", "--log-dir", str(tmp_path / "logs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": SRC})
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    assert process.returncode in (0, 143, -signal.SIGTERM), err


@pytest.mark.parametrize("args", [["--config", ""], ["record", "--config", ""],
                                  ["record", "--log-dir", ""], ["lookup", "x",
                                                                "--pubchem-url", ""]])
def test_an_empty_path_or_url_flag_is_a_usage_error_not_the_default(
        args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "is empty" in capsys.readouterr().err
