"""Sensor kinds from installed distributions (README, "Writing a plugin kind").

The plugin is a real wheel, installed by pip into a folder of its own and put
on PYTHONPATH for a ``sensortop`` subprocess: sensortop is never touched.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from sensortop.config import kinds
from sensortop.config.kinds import BUILTIN_KINDS, KindUnavailable, make_source, source_class
from sensortop.config.loader import load_config
from sensortop.config.problems import ConfigError
from sensortop.review.reader import read_logs
from sensortop.sources.base import PolledSource, StreamingSource

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

PLUGIN_MODULE = '''
"""A counter: start, start + step, start + 2 step, ..."""
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource


class CounterSource(PolledSource):
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("start", float, help="first value"),
        Field("step", float, 1.0, "added at every reading"),
        Field("limit", float, None, "the count never reaches this", optional=True),
    )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        limit = options.get("limit")
        if limit is not None and limit <= options["start"]:
            return [f"limit ({limit:g}) must be above start ({options['start']:g})"]
        return []

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.count = 0

    async def read(self) -> float:
        value = self.options["start"] + self.options["step"] * self.count
        self.count += 1
        return value


def not_a_source() -> None:
    """An entry point may name anything; this is not a sensor source class."""
'''

ENTRY_POINTS = """[sensortop.sources]
counter = sensortop_counter_kind:CounterSource
readme_counter = sensortop_counter:CounterSource
helper = sensortop_counter_kind:not_a_source
broken = sensortop_counter_broken:Source
http = sensortop_counter_kind:CounterSource
"""
"""``http`` is a built-in name: the built-in class keeps it."""


def _readme_example() -> str:
    """The plugin module shown in the README, "Writing a plugin kind"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Writing a plugin kind"):]
    return section[section.index("```python\n") + 10:section.index("\n```\n")]


def _wheel(folder: Path) -> Path:
    """A pure-Python wheel of the plugin (built by hand: no build backend needed)."""
    dist = "sensortop_counter_kind-1.0.dist-info"
    files = {
        "sensortop_counter_kind.py": PLUGIN_MODULE,
        "sensortop_counter_broken.py": "import sensortop_no_such_library\n",
        "sensortop_counter.py": _readme_example(),
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: sensortop-counter-kind\nVersion: 1.0\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": ENTRY_POINTS,
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
        record.append(f"{name},sha256={digest.rstrip(b'=').decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    path = folder / "sensortop_counter_kind-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
        wheel.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    return path


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the plugin distribution is pip-installed into (its own site)."""
    folder = tmp_path_factory.mktemp("plugin")
    site = folder / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", "--target", str(site),
                    str(_wheel(folder))], check=True, timeout=120)
    return site


@pytest.fixture
def installed(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The plugin importable in this process too, and the registry reading it afresh."""
    monkeypatch.syspath_prepend(str(plugin_site))
    kinds.forget_installed()
    yield plugin_site
    kinds.forget_installed()


def _sensortop(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(SRC)])}
    return subprocess.run([sys.executable, "-m", "sensortop", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _config(folder: Path, body: str) -> Path:
    path = folder / "plant.toml"
    path.write_text('[monitor]\nlog_dir = "logs"\n\n[[sensors]]\n' + body, encoding="utf-8")
    return path


def test_plugin_kind_from_an_installed_distribution_is_recorded_end_to_end(
        plugin_site: Path, tmp_path: Path) -> None:
    """The README's example plugin, pip-installed, through check-config and record."""
    config = _config(tmp_path, 'id = "count"\nkind = "readme_counter"\nstart = 4.25\nstep = 0.5\n'
                               'interval = 0.2\nunits = "pcs"\n')
    checked = _sensortop(plugin_site, "check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "OK, 1 sensor" in checked.stdout
    recorded = _sensortop(plugin_site, "record", "--config", str(config), "--duration", "2",
                          cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    data = read_logs([tmp_path / "logs"])
    assert data.skipped_total == 0
    series = data.series["count"]
    assert series.units == "pcs" and len(series.value) >= 2
    expected = 4.25 + 0.5 * np.arange(len(series.value))
    np.testing.assert_array_equal(series.value, expected)  # every reading, in order


def test_check_config_lists_a_plugin_kinds_field_errors_like_a_builtins(
        plugin_site: Path, tmp_path: Path) -> None:
    config = _config(tmp_path, 'id = "count"\nkind = "counter"\nstart = "four"\nstpe = 1\n\n'
                               '[[sensors]]\nid = "capped"\nkind = "counter"\nstart = 5.0\n'
                               'limit = 2.0\n\n[[sensors]]\nid = "nostart"\nkind = "counter"\n')
    result = _sensortop(plugin_site, "check-config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any("sensors[0] 'count': field 'start': must be a number" in line
               and "(hint: first value)" in line for line in lines), lines
    assert any("sensors[0] 'count': field 'stpe': unknown key (hint: did you mean 'step'?)"
               in line for line in lines), lines
    assert any("sensors[1] 'capped': limit (2) must be above start (5)" in line
               for line in lines), lines
    assert any("sensors[2] 'nostart': field 'start': is required" in line
               for line in lines), lines


def test_unknown_kind_hint_names_the_installed_plugin_kinds(installed: Path,
                                                            tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, 'id = "x"\nkind = "countr"\n'))
    (problem,) = caught.value.problems
    assert problem.field == "kind" and problem.message == "unknown kind 'countr'"
    assert problem.hint == "one of: " + ", ".join(
        [*BUILTIN_KINDS, "broken", "counter", "helper", "readme_counter"])


def test_a_plugin_that_cannot_load_is_a_located_config_error(installed: Path,
                                                             tmp_path: Path) -> None:
    body = 'id = "a"\nkind = "broken"\n\n[[sensors]]\nid = "b"\nkind = "helper"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, body))
    first, second = caught.value.problems
    assert first.where == "sensors[0] 'a'" and first.field == "kind"
    assert "kind 'broken' is not available: cannot load sensortop_counter_broken:Source" \
        in first.message and "sensortop_no_such_library" in first.message
    assert second.where == "sensors[1] 'b'" and "is not a sensor source class" in second.message


def test_a_builtin_name_always_means_the_builtin_class(installed: Path) -> None:
    from sensortop.sources.http import HttpSource

    assert source_class("http") is HttpSource
    assert source_class("counter").__module__ == "sensortop_counter_kind"


def test_builtin_kinds_load_without_any_installed_entry_points(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "entry_points", lambda **kwargs: [])
    kinds.forget_installed()
    try:
        assert kinds.kind_names() == list(BUILTIN_KINDS)
        assert kinds.available_kinds() == list(BUILTIN_KINDS)
    finally:
        kinds.forget_installed()


@pytest.mark.parametrize("kind", list(BUILTIN_KINDS))
def test_every_builtin_source_keeps_exactly_one_contract(kind: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the visa sample's yaml path is relative to the repo root
    sample = "reactor" if kind == "simulated" else kind
    for spec in load_config(ROOT / "sample_configs" / f"{sample}.toml").sensors:
        source = make_source(spec)
        assert isinstance(source, PolledSource) != isinstance(source, StreamingSource), spec.id
        assert "kind" not in vars(type(source)), "the registry is the one place for names"


def test_a_polled_class_without_read_cannot_be_made() -> None:
    class NoRead(PolledSource):
        FIELDS = ()

    with pytest.raises(TypeError, match="abstract"):
        NoRead.create(load_config(ROOT / "sample_configs" / "reactor.toml").sensors[0])


def test_pyproject_registers_the_builtin_kinds_as_entry_points() -> None:
    """Installed sensortop and a source checkout must agree on every built-in name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    registered = project.get("entry-points", {}).get("sensortop.sources", {})
    assert registered == BUILTIN_KINDS


def test_config_layer_never_imports_the_sources_package() -> None:
    """The config and model packages find kinds by name only (no cycle): config imports
    config and model, model imports nothing of sensortop (import-linter checks all layers)."""
    for package, allowed in (("config", ("sensortop.config", "sensortop.model")),
                             ("model", ("sensortop.model",))):
        for path in sorted((SRC / "sensortop" / package).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = [node.module or "" for node in ast.walk(tree)
                        if isinstance(node, ast.ImportFrom)]
            imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                         for alias in node.names]
            ours = [m for m in imported if m.startswith("sensortop")]
            assert all(m.startswith(allowed) for m in ours), (path.name, ours)


def test_an_unloadable_kind_is_reported_not_raised_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BUILTIN_KINDS, "ghost", "sensortop.sources.no_such_module:Ghost")
    with pytest.raises(KindUnavailable, match=re.escape("cannot load sensortop.sources.no_such")):
        source_class("ghost")
    with pytest.raises(KeyError):
        source_class("no such kind")
