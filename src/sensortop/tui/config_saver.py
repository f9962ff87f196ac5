"""``s``: where the current sensors are saved, and the saving itself.

A user's config is updated in place (``save_sensors`` keeps ``[monitor]`` and
comments, and unchanged sensor tables as they were). The built-in default is
part of the package and must not change, so it is copied - comments and
``[monitor]`` included - to a new file in the working directory first.
"""

from __future__ import annotations

from pathlib import Path

from sensortop.config.files import default_config_path
from sensortop.config.writer import save_sensors
from sensortop.model.specs import Config, SensorSpec

NEW_CONFIG_NAME = "sensortop"


def save_target_text(path: Path | None) -> str:
    """Where ``s`` will write, in words for the help screen."""
    if _is_builtin(path):
        return (f"a new {new_config_path(Path.cwd()).name} in {Path.cwd()} "
                "(the built-in config is read-only)")
    assert path is not None
    return str(path)


def _is_builtin(path: Path | None) -> bool:
    return path is None or path.resolve() == default_config_path().resolve()


def new_config_path(folder: Path) -> Path:
    """``sensortop.toml``, or ``sensortop-2.toml``... : never overwrite a file."""
    candidate = folder / f"{NEW_CONFIG_NAME}.toml"
    n = 2
    while candidate.exists():
        candidate = folder / f"{NEW_CONFIG_NAME}-{n}.toml"
        n += 1
    return candidate


def _create_new(folder: Path, text: str) -> Path:
    """Write ``text`` to a new ``sensortop[-n].toml``; exclusive creation, so a file that
    appeared since the name was chosen (another dashboard saving) is never overwritten."""
    while True:
        target = new_config_path(folder)
        try:
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        return target


def save_config(config: Config, specs: list[SensorSpec],
                folder: Path | None = None) -> tuple[Path, str]:
    """Write ``specs``; return the file written and a note for the user. Blocking I/O."""
    note = ""
    path = config.path
    if _is_builtin(path):
        source = default_config_path()
        text = source.read_text(encoding="utf-8") if path is not None else ""
        target = _create_new(folder or Path.cwd(), text)
        note = (" (a new file: the built-in config is read-only; "
                f"start with --config {target.name} to use it)")
        path = target
    assert path is not None
    save_sensors(path, specs)
    return path.absolute(), note
