"""Sensor kinds by name: the built-in ones and those of installed plugin distributions.

A kind name resolves to its source class: a subclass of ``PolledSource`` or
``StreamingSource`` (``sensortop.sources.base``) with ``FIELDS``. Distributions
register kinds in the entry-point group ``sensortop.sources`` (see the README,
"Writing a plugin kind"); the built-in kinds are listed here as well, so a
source checkout without installed metadata knows them too. A built-in name
always means the built-in class.

Classes are imported only when a kind is used, by name through importlib: the
config layer does not import the sources package, and a kind whose library is
missing or broken costs nothing until a sensor asks for it.
"""

from __future__ import annotations

import functools
from importlib import import_module, metadata
from typing import Any

from sensortop.config.fields import Field
from sensortop.model.specs import SensorSpec

ENTRY_POINT_GROUP = "sensortop.sources"

BUILTIN_KINDS: dict[str, str] = {
    "simulated": "sensortop.sources.simulated:SimulatedSource",
    "system": "sensortop.sources.system:SystemSource",
    "http": "sensortop.sources.http:HttpSource",
    "command": "sensortop.sources.command:CommandSource",
    "mqtt": "sensortop.sources.mqtt:MqttSource",
    "modbus": "sensortop.sources.modbus:ModbusSource",
    "opcua": "sensortop.sources.opcua:OpcUaSource",
    "visa": "sensortop.sources.visa:VisaSource",
}
"""Name -> "module:attr", as the entry points of sensortop itself say."""


class KindUnavailable(ImportError):
    """A known kind whose class cannot be loaded: its module, or what it imports, is
    missing or broken, or the entry point names something that is not a source class."""


@functools.cache
def _installed() -> dict[str, metadata.EntryPoint]:
    """Kinds registered by installed distributions (built-in names excluded), read once."""
    found: dict[str, metadata.EntryPoint] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in BUILTIN_KINDS:
            found.setdefault(entry.name, entry)
    return found


def forget_installed() -> None:
    """Read the installed entry points again on next use (after installing a plugin)."""
    _installed.cache_clear()


def kind_names() -> list[str]:
    """Every kind name: the built-ins in their order, then installed ones sorted."""
    return [*BUILTIN_KINDS, *sorted(_installed())]


def source_class(kind: str) -> Any:
    """The source class of ``kind``; KeyError when no such kind, KindUnavailable when
    it cannot be loaded. (Typed ``Any``: its base classes live in a higher layer.)"""
    entry: metadata.EntryPoint | None = None
    target = BUILTIN_KINDS.get(kind)
    if target is None:
        entry = _installed()[kind]
        target = entry.value
    try:
        if entry is not None:
            found = entry.load()
        else:
            module_name, _, attr = target.partition(":")
            found = getattr(import_module(module_name), attr)
    except Exception as exc:  # ImportError, or anything a plugin's module raises
        raise KindUnavailable(f"cannot load {target}: {type(exc).__name__}: {exc}") from exc
    _check_kind_class(found, target)
    return found


def _check_kind_class(found: Any, target: str) -> None:
    fields = getattr(found, "FIELDS", None)
    if (not isinstance(found, type) or not callable(getattr(found, "create", None))
            or not isinstance(fields, tuple)
            or not all(isinstance(f, Field) for f in fields)):
        raise KindUnavailable(f"{target} is not a sensor source class (derive it from "
                              "PolledSource or StreamingSource and give it FIELDS)")


def make_source(spec: SensorSpec) -> Any:
    """A new source for ``spec``, made by its kind's ``create`` factory (which may
    choose among classes by the spec's options, as ``opcua`` does by ``mode``)."""
    return source_class(spec.kind).create(spec)


def available_kinds() -> list[str]:
    """Kinds whose class loads here (the add-sensor form offers only these)."""
    found = []
    for kind in kind_names():
        try:
            source_class(kind)
        except (KeyError, KindUnavailable):
            continue
        found.append(kind)
    return found
