"""Property: any TOML document, any parsed data and any bytes given to the config loader
give sensor specs or a ConfigError whose problems are located - never another exception.
"""

from __future__ import annotations

import string
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensortop.config.kinds import BUILTIN_KINDS, source_class
from sensortop.config.loader import (
    LIMIT_FIELDS,
    MONITOR_FIELDS,
    SENSOR_FIELDS,
    load_config,
    parse_config,
)
from sensortop.config.problems import ConfigError
from sensortop.model.specs import Config

FIELD_NAMES = sorted({f.name for f in MONITOR_FIELDS + SENSOR_FIELDS + LIMIT_FIELDS}
                     | {f.name for kind in BUILTIN_KINDS for f in source_class(kind).FIELDS})
SETTINGS = settings(derandomize=True, max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
keys = st.one_of(st.sampled_from(FIELD_NAMES), text)
scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),  # nan and both infinities included
    text,
    st.sampled_from([*BUILTIN_KINDS, "", "a", "ok_id", "a\n", "\0", "../x"]),
    st.datetimes(),
    st.dates(),
    st.times(),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=20)
sensor_tables = st.dictionaries(keys, values, max_size=8)
documents = st.fixed_dictionaries({}, optional={
    "monitor": st.one_of(st.dictionaries(keys, values, max_size=5), values),
    "sensors": st.one_of(st.lists(sensor_tables, max_size=4), values),
    "extra": values,
})


def check_outcome(outcome: Config | ConfigError, file: str) -> None:
    if isinstance(outcome, ConfigError):
        assert outcome.problems
        for problem in outcome.problems:
            shown = str(problem)
            assert shown.startswith(file) and "\n" not in shown


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@SETTINGS
@given(documents)
def test_any_parsed_document_gives_specs_or_located_problems(data: dict[str, Any]) -> None:
    config, problems = parse_config(data, "any.toml")
    assert isinstance(config, Config)
    for problem in problems:
        assert str(problem).startswith("any.toml: ") and "\n" not in str(problem)


@SETTINGS
@given(documents)
def test_any_toml_document_loads_or_gives_located_problems(folder: Path,
                                                          data: dict[str, Any]) -> None:
    try:
        text_ = tomlkit.dumps(data)
    except Exception:  # tomlkit cannot write every shape (e.g. a bare value at the top)
        return
    path = folder / "doc.toml"
    path.write_text(text_, encoding="utf-8")
    try:
        outcome: Config | ConfigError = load_config(path, need_sensors=True)
    except ConfigError as exc:
        outcome = exc
    check_outcome(outcome, str(path))


@SETTINGS
@given(st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=string.printable + "[]{}=\"'\0\u00e9", max_size=300).map(str.encode),
    st.integers(min_value=1, max_value=800).map(lambda n: b"x = " + b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=800).map(lambda n: b"x = " + b"{a=" * n + b"1"
                                                 + b"}" * n),
))
def test_any_bytes_load_or_give_located_problems(folder: Path, raw: bytes) -> None:
    path = folder / "raw.toml"
    path.write_bytes(raw)
    try:
        outcome: Config | ConfigError = load_config(path)
    except ConfigError as exc:
        outcome = exc
    check_outcome(outcome, str(path))
