"""Which config file, and its text read safely: nothing here knows what a config means.

Apart from the validation in ``loader`` because the hazards differ: here a path may
name a device, a FIFO, a huge or binary file, or TOML nested past the parser's
depth, and each must become one located problem (exit 2), never a hang, a memory
blow-up or a traceback.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sensortop.config.problems import ConfigError, Problem

DEFAULT_CONFIG_NAME = "reactor.toml"
MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""A config is a few KB; 4 MB is ~20,000 sensors. Bigger is a wrong file, not a config."""


def default_config_path() -> Path:
    """The built-in default config: the simulated reactor."""
    return Path(str(resources.files("sensortop") / "data" / DEFAULT_CONFIG_NAME))


def resolve_config_path(flag: str | None) -> Path:
    """--config, else $SENSORTOP_CONFIG, else the built-in reactor."""
    chosen = flag or os.environ.get("SENSORTOP_CONFIG")
    return Path(chosen).expanduser() if chosen else default_config_path()


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """TOML text -> data; ConfigError for bad syntax or nesting too deep to parse."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(file, "TOML syntax", None, str(exc),
                                   "check quotes, brackets and '=' on that line")]) from None
    except RecursionError:
        raise ConfigError([Problem(file, "TOML syntax", None,
                                   "arrays or tables nested too deeply to read",
                                   "a config needs at most a few levels")]) from None


def read_config_text(path: Path, file: str) -> str:
    """The file's text, refusing what is not a regular file of sane size before reading.

    A device (/dev/zero, /dev/urandom) or a FIFO would hang or fill memory: it is
    refused on ``stat``, and opened non-blocking in case it is swapped in meanwhile.
    """
    def fail(message: str, hint: str = "") -> ConfigError:
        return ConfigError([Problem(file, "file", None, message, hint)])

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise fail("no such file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise fail(f"cannot read it: {exc}") from None
    _check_regular(info, fail)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise fail(f"cannot read it: {exc}") from None
    try:
        _check_regular(os.fstat(fd), fail)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read it: {exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise fail(f"larger than {MAX_CONFIG_BYTES // 1024**2} MB: not a sensortop config")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # Notepad's byte-order mark
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(f"not UTF-8 text (line {line}: {exc.reason})",
                   "save the file as UTF-8") from None


def _check_regular(info: os.stat_result, fail: Callable[..., ConfigError]) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise fail("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise fail("is not a regular file (a device, pipe or socket)",
                   "give the path of a .toml file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise fail(f"is {info.st_size:,} bytes, larger than "
                   f"{MAX_CONFIG_BYTES // 1024**2} MB: not a sensortop config")


__all__ = ["DEFAULT_CONFIG_NAME", "MAX_CONFIG_BYTES", "default_config_path", "parse_toml",
           "read_config_text", "resolve_config_path"]
