"""The engine side never imports Textual: the dashboard and `record` are two faces of one engine."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import sensortop


def engine_side_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(sensortop.__path__, prefix="sensortop."):
        if info.name == "sensortop.tui" or info.name.startswith("sensortop.tui."):
            continue
        if info.name == "sensortop.__main__":
            continue
        names.append(info.name)
    return names


def test_engine_side_modules_exist() -> None:
    names = engine_side_modules()
    for expected in ("sensortop.sampling.engine", "sensortop.logs.writer",
                     "sensortop.sources.simulated", "sensortop.config.loader",
                     "sensortop.sampling.session", "sensortop.cli.record"):
        assert expected in names


def test_no_engine_side_module_imports_textual() -> None:
    modules = engine_side_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    leaked = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "    assert not leaked, f'{name} imported {leaked[:3]}'\n"
        "print('clean', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("clean")
