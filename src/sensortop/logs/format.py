"""Reading -> JSON line, byte for byte as the README's "The log files" shows it.

Serialisation is the recorder's real cost, so the line is assembled from
cached pieces: the per-second timestamp prefix and the JSON-encoded sensor id
and units are computed once; only the value and the milliseconds change.
That is faster than building a dict for orjson, and keeps the README's
``{"ts": "...", "sensor": ...}`` spacing exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import orjson

from sensortop.model.readings import AlarmState, Reading, Status

_CACHE_LIMIT = 4096
_prefix_cache: dict[int, str] = {}
_string_cache: dict[str, str] = {}


_MILLIS = [f"{ms:03d}Z" for ms in range(1000)]
_STATUS_TEXT = {status: f'"{status.value}"' for status in Status}


def _prefix(second: int) -> str:
    prefix = _prefix_cache.get(second)
    if prefix is None:
        if len(_prefix_cache) > _CACHE_LIMIT:
            _prefix_cache.clear()
        prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        _prefix_cache[second] = prefix
    return prefix


def format_ts(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and Z: ``2026-11-24T14:03:07.512Z`` (nearest ms).

    Rounding, not truncation, so a time parsed back from a log line (whose
    binary float may sit a hair below the millisecond) formats to the same text.
    """
    second, ms = divmod(int((ts * 1000 + 0.5) // 1), 1000)  # floor: before 1970 too
    return _prefix(second) + _MILLIS[ms]


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
    return encode_lines((reading,)).decode()


def encode_lines(readings: Iterable[Reading]) -> bytes:
    """Many readings as one UTF-8 chunk of JSON lines.

    The hot loop of the recorder: everything it touches is a local name, the
    timestamp prefix is reused while the second is the same, and the sensor
    id, units and status come from caches.
    """
    parts: list[str] = []
    append = parts.append
    strings = _string_cache
    json_string = _json_string
    status_text = _STATUS_TEXT
    millis = _MILLIS
    float_repr = float.__repr__
    normal = AlarmState.NORMAL
    ok = Status.OK
    ok_text = status_text[ok]
    last_second: int | None = None  # not -1: that is a real second (1969-12-31 23:59:59)
    prefix = ""
    for r in readings:
        second, ms = divmod(int((r.ts * 1000 + 0.5) // 1), 1000)  # nearest millisecond
        if second != last_second:
            prefix = _prefix(second)
            last_second = second
        value = r.value
        # None, NaN and infinities are not numbers in JSON: they become null.
        number = "null" if value is None or value - value != 0 else float_repr(float(value))
        sensor = strings.get(r.sensor) or json_string(r.sensor)
        units = strings.get(r.units) or json_string(r.units)
        status = ok_text if r.status is ok else status_text[r.status]
        line = (f'{{"ts": "{prefix}{millis[ms]}", "sensor": {sensor}, '
                f'"value": {number}, "units": {units}, "status": {status}')
        if r.error:
            line += f', "error": {orjson.dumps(r.error).decode()}'
        if r.alarm is not normal:
            line += f', "alarm": "{r.alarm.value}"'
        append(line + "}\n")
    return "".join(parts).encode()
