"""Output kinds by name: the built-ins, and any package's ``sensortop.sinks`` entry points.

A third-party package adds a kind without touching sensortop by declaring, in its
own ``pyproject.toml``::

    [project.entry-points."sensortop.sinks"]
    parquet = "sensortop_parquet:ParquetSink"

where ``ParquetSink`` subclasses ``sensortop.sinks.base.Sink``. The built-in kinds
are registered here in code and win over an entry point of the same name.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from sensortop.config.fields import Field, show
from sensortop.config.loader import check_fields, closest
from sensortop.config.problems import ConfigError, Problem
from sensortop.model.specs import Config, OutputSpec
from sensortop.sinks.base import Sink, SinkContext
from sensortop.sinks.journal import JournalSink
from sensortop.sinks.jsonl import JsonlSink

log = logging.getLogger(__name__)

GROUP = "sensortop.sinks"
BUILTIN: dict[str, str] = {
    "jsonl": "sensortop.sinks.jsonl:JsonlSink",
    "mqtt": "sensortop.sinks.mqtt:MqttSink",
}


def kinds() -> dict[str, str]:
    """Every known kind -> ``module:attribute``: built-ins first, then entry points."""
    found = dict(BUILTIN)
    for point in entry_points(group=GROUP):
        found.setdefault(point.name, point.value)
    return found


def sink_class(kind: str) -> type[Sink]:
    """The Sink subclass for ``kind``: KeyError if unknown, ImportError if it cannot load."""
    target = kinds()[kind]
    module_name, _, attr = target.partition(":")
    try:
        found = import_module(module_name)
        for part in attr.split("."):
            found = getattr(found, part)
    except ImportError:
        raise
    except Exception as exc:  # a plugin that fails as it loads is unavailable, not a crash
        raise ImportError(f"{target}: {type(exc).__name__}: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, Sink)):
        raise ImportError(f"{target} is not a sensortop Sink")
    return found


def check_output(spec: OutputSpec,
                 problems: list[Problem]) -> tuple[type[Sink], dict[str, Any]] | None:
    """Validate one ``[[outputs]]`` table against its kind's FIELDS; None (and problems) if bad."""
    known = kinds()
    if not spec.kind:
        problems.append(Problem(spec.file, spec.where, "kind", "is required",
                                f"which output: one of {', '.join(known)}"))
        return None
    if spec.kind not in known:
        close = closest(spec.kind[:100], dict.fromkeys(known, Field("", str)))
        hint = f"did you mean '{close}'?" if close else f"one of: {', '.join(known)}"
        problems.append(Problem(spec.file, f"outputs[{spec.index}]", "kind",
                                f"unknown output kind {show(spec.kind)}", hint))
        return None
    try:
        cls = sink_class(spec.kind)
    except ImportError as exc:
        problems.append(Problem(spec.file, spec.where, "kind",
                                f"output kind {spec.kind!r} is not available: {exc}"))
        return None
    before = len(problems)
    values = check_fields(spec.options, cls.FIELDS, spec.file, spec.where, problems)
    # Only the valid fields (a missing required one absent): one run shows every problem.
    options = {f.name: values.get(f.name, f.default) for f in cls.FIELDS
               if f.name in values or not f.required}
    for message in cls.check_options(options):
        problems.append(Problem(spec.file, spec.where, None, message))
    return None if len(problems) > before else (cls, options)


def check_outputs(config: Config) -> list[Problem]:
    """Every problem with ``config``'s ``[[outputs]]``, located (``check-config`` shows them)."""
    problems: list[Problem] = []
    first_jsonl: OutputSpec | None = None
    for spec in config.outputs:
        if spec.kind == "jsonl" and first_jsonl is not None:
            problems.append(Problem(spec.file, spec.where, "kind",
                                    f"a second jsonl output (outputs[{first_jsonl.index}] is one)",
                                    "a run writes one log; its folder is [monitor] log_dir"))
        elif spec.kind == "jsonl":
            first_jsonl = spec
        check_output(spec, problems)
    return problems


def build_sinks(config: Config, log_dir: Path, publish: str | None = None) -> list[Sink]:
    """The run's sinks, the JSON Lines log first and its alarm journal second; ConfigError
    for a bad ``[[outputs]]``.

    The log is always there (``review`` reads it): with no jsonl output declared it
    takes the defaults. ``publish`` (``record --publish``) adds an mqtt output.
    """
    problems = check_outputs(config)
    if problems:
        raise ConfigError(problems)
    specs = list(config.outputs)
    if not any(spec.kind == "jsonl" for spec in specs):
        specs.insert(0, OutputSpec("jsonl", {}, -1, "<default>"))
    if publish is not None:
        specs.append(OutputSpec("mqtt", {"url": publish}, len(specs), "--publish"))
    sinks: list[Sink] = []
    for spec in specs:
        checked = check_output(spec, problems)
        if checked is None:
            raise ConfigError(problems)
        cls, options = checked
        context = SinkContext(config.monitor, log_dir, spec.base_dir)
        sink = cls.from_options(options, context)
        if spec.kind == "jsonl":
            sinks.insert(0, sink)
        else:
            sinks.append(sink)
    readings = sinks[0]
    assert isinstance(readings, JsonlSink)
    sinks.insert(1, JournalSink.beside(readings.recorder))  # always on, beside the log
    if config.actions:
        from sensortop.sinks.actions.sink import ActionsSink  # threads, httpx: only when used

        sinks.append(ActionsSink(config.actions))
    return sinks
