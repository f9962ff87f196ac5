"""Sensor sources, one module per kind; ``base`` is the contract.

Kinds are found by name through ``sensortop.config.kinds`` (built-ins and installed
plugins alike). Adding a built-in kind means one module here, one line in
``sensortop.config.kinds.BUILTIN_KINDS`` and in the ``sensortop.sources`` entry points,
its tests and its sample config.
"""

from __future__ import annotations

from sensortop.sources.base import PolledSource, Sample, Source, SourceError, StreamingSource

__all__ = ["PolledSource", "Sample", "Source", "SourceError", "StreamingSource"]
