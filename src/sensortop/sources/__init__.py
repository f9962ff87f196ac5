"""Registry of sensor kinds, by name, imported only when used.

Adding a kind means one module in this package, one line here, its tests and
its sample config.
"""

from __future__ import annotations

from importlib import import_module

from sensortop.sources.base import Sample, Source, SourceError

__all__ = ["KINDS", "Sample", "Source", "SourceError", "source_class"]

KINDS: dict[str, str] = {
    "simulated": "sensortop.sources.simulated:SimulatedSource",
    "system": "sensortop.sources.system:SystemSource",
    "http": "sensortop.sources.http:HttpSource",
    "command": "sensortop.sources.command:CommandSource",
    "mqtt": "sensortop.sources.mqtt:MqttSource",
    "modbus": "sensortop.sources.modbus:ModbusSource",
    "opcua": "sensortop.sources.opcua:OpcUaSource",
    "visa": "sensortop.sources.visa:VisaSource",
}


def source_class(kind: str) -> type[Source]:
    """Return the Source subclass for ``kind``; KeyError for an unknown kind."""
    module_name, _, attr = KINDS[kind].partition(":")
    return getattr(import_module(module_name), attr)


def available_kinds() -> list[str]:
    """Kinds whose module is present (a helper may not have written every one yet)."""
    found = []
    for kind in KINDS:
        try:
            source_class(kind)
        except (ImportError, AttributeError):
            continue
        found.append(kind)
    return found
