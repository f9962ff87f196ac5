"""Reading -> JSON line, byte for byte as DESIGN.md shows the log line.

Serialisation is the recorder's real cost, so the line is assembled from
cached pieces: the per-second timestamp prefix and the JSON-encoded sensor id
and units are computed once; only the value and the milliseconds change.
That is faster than building a dict for orjson, and keeps DESIGN.md's
``{"ts": "...", "sensor": ...}`` spacing exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson

from sensortop.readings import AlarmState, Reading

_CACHE_LIMIT = 4096
_prefix_cache: dict[int, str] = {}
_string_cache: dict[str, str] = {}


def format_ts(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and Z: ``2026-11-24T14:03:07.512Z``."""
    second, ms = divmod(round(ts * 1000), 1000)
    prefix = _prefix_cache.get(second)
    if prefix is None:
        if len(_prefix_cache) > _CACHE_LIMIT:
            _prefix_cache.clear()
        prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _prefix_cache[second] = prefix
    return f"{prefix}.{ms:03d}Z"


def _json_string(text: str) -> str:
    encoded = _string_cache.get(text)
    if encoded is None:
        if len(_string_cache) > _CACHE_LIMIT:
            _string_cache.clear()
        encoded = orjson.dumps(text).decode()
        _string_cache[text] = encoded
    return encoded


def format_line(reading: Reading) -> str:
    """One reading as one JSON line, newline included; error and alarm only where set."""
    value = reading.value
    number = "null" if value is None or not math.isfinite(value) else repr(float(value))
    line = (f'{{"ts": "{format_ts(reading.ts)}", "sensor": {_json_string(reading.sensor)}, '
            f'"value": {number}, "units": {_json_string(reading.units)}, '
            f'"status": "{reading.status.value}"')
    if reading.error:
        line += f', "error": {orjson.dumps(reading.error).decode()}'
    if reading.alarm is not AlarmState.NORMAL:
        line += f', "alarm": "{reading.alarm.value}"'
    return line + "}\n"


def encode_lines(readings: Iterable[Reading]) -> bytes:
    """Many readings as one UTF-8 chunk of JSON lines."""
    return "".join([format_line(r) for r in readings]).encode()
