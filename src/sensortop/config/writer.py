"""Saving sensors back into a config file as a text edit (the dashboard's ``s``).

An unchanged ``[[sensors]]`` table keeps its exact bytes, so saving twice gives the
same file; comments and layout outside the changed tables are never touched. See
the README, "Configuration".
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from sensortop.config.kinds import KindUnavailable, source_class
from sensortop.config.loader import parse_config
from sensortop.model.specs import SensorSpec


def sensor_table(spec: SensorSpec) -> dict[str, Any]:
    """The ``[[sensors]]`` table for ``spec``, leaving out options at their kind's default."""
    try:
        defaults = {f.name: f.default for f in source_class(spec.kind).FIELDS}
    except (KeyError, KindUnavailable):
        defaults = {}
    return spec.to_toml_dict(defaults)

def save_sensors(path: Path, sensors: list[SensorSpec]) -> None:
    """Write ``sensors`` back into the config at ``path``, keeping everything else.

    The file is edited as text, one ``[[sensors]]`` table at a time: an unchanged
    sensor keeps its exact bytes (comments, layout, key order), a changed one is
    rewritten in its place, a removed one is cut out with its own lines only, and a
    new one is appended after the last. So saving twice gives the same bytes. The
    result is checked by parsing it back; should the text edit not give exactly the
    wanted sensors (an unusual layout), the file is rewritten through tomlkit instead.
    Written to a temporary file and renamed, so a crash never leaves half a config.
    """
    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    except UnicodeDecodeError as exc:
        raise OSError(f"cannot update {path}: it is no longer UTF-8 text ({exc.reason}); "
                      "fix or move it, then save again") from None
    bom = "\ufeff" if old_text.startswith("\ufeff") else ""
    old_text = old_text.removeprefix(bom)
    try:
        tomllib.loads(old_text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        # Edited by hand since it was loaded: never overwrite what someone is writing.
        raise OSError(f"cannot update {path}: it is no longer valid TOML ({exc}); "
                      "fix or move it, then save again") from None
    wanted = [sensor_table(spec) for spec in sensors]
    text = _edit_sensor_tables(old_text, wanted)
    if text is None or not _saves_as(text, old_text, wanted):
        text = _rebuild_with_tomlkit(old_text, wanted)
    if text == old_text and path.exists():
        return  # nothing changed: leave the file (and its time stamp) alone
    target = path.resolve()  # a symlinked config stays a symlink; its target is updated
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(bom + text, encoding="utf-8")
    with contextlib.suppress(OSError):  # keep the file's permissions (e.g. group-writable)
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    os.replace(tmp, target)


_HEADER = re.compile(r"[ \t]*\[")
_SENSORS_HEADER = re.compile(r"[ \t]*\[\[[ \t]*sensors[ \t]*\]\][ \t]*(#.*)?\r?\n?")
_SENSORS_SUBTABLE = re.compile(r"[ \t]*\[\[?[ \t]*sensors[ \t]*\.")


def _split_sensor_tables(text: str) -> list[tuple[bool, str]]:
    """The file as (is_sensor_table, text) pieces that join back to the whole file.

    A sensor piece runs from its ``[[sensors]]`` line to the next table header that
    is not one of its sub-tables (``[sensors.limits]``).
    """
    pieces: list[tuple[bool, str]] = []
    current: list[str] = []
    in_sensor = False
    for line in text.splitlines(keepends=True):
        starts_sensor = _SENSORS_HEADER.fullmatch(line) is not None
        other_header = (_HEADER.match(line) is not None and not starts_sensor
                        and _SENSORS_SUBTABLE.match(line) is None)
        if starts_sensor or (in_sensor and other_header):
            carried: list[str] = []
            if in_sensor:  # comment lines just above a header describe the table below
                while current[1:] and current[-1].lstrip().startswith("#"):
                    carried.insert(0, current.pop())
            if current:
                pieces.append((in_sensor, "".join(current)))
            current = carried
            in_sensor = starts_sensor
        current.append(line)
    if current:
        pieces.append((in_sensor, "".join(current)))
    return pieces


def _trailing_notes(chunk: str) -> str:
    """The blank and comment lines that end a table's text: they belong to the layout
    (often to the table below), so a rewritten table keeps them."""
    lines = chunk.splitlines(keepends=True)
    n = len(lines)
    while n > 1 and (not lines[n - 1].strip() or lines[n - 1].lstrip().startswith("#")):
        n -= 1
    return "".join(lines[n:])


def _edit_one_table(source: str, raw: Any, wanted: dict[str, Any]) -> str | None:
    """A changed sensor table with only its changed keys rewritten, comments kept.

    None when the old table is not a valid sensor (it is then written afresh).
    """
    import tomlkit

    if not isinstance(raw, dict):
        return None
    old, problems = parse_config({"sensors": [raw]}, "<saved>")
    if problems or not old.sensors:
        return None
    before = sensor_table(old.sensors[0])
    try:
        doc = tomlkit.parse(source)
        table = doc["sensors"][0]
    except Exception:  # tomlkit's own errors: write the table afresh instead
        return None
    for key in [*before, *(k for k in wanted if k not in before)]:
        if before.get(key) == wanted.get(key):
            continue
        if key not in wanted:
            if key in table:
                del table[key]
        else:
            table[key] = _toml_value(key, wanted[key])
    return tomlkit.dumps(doc)


def _toml_value(key: str, value: Any) -> Any:
    """``limits`` as an inline table; ``alarms`` as a ``[sensors.alarms]`` sub-table whose
    own tables (``rate = { ... }``) are inline, as the README writes them."""
    import tomlkit

    def inline(mapping: dict[str, Any]) -> Any:
        table = tomlkit.inline_table()
        table.update(mapping)
        return table

    if key == "limits":
        return inline(value)
    if key == "alarms":
        table = tomlkit.table()
        for name, item in value.items():
            table.add(name, inline(item) if isinstance(item, dict) else item)
        return table
    return value


def _leading_notes(chunk: str) -> str:
    """The comment lines above a table's ``[[sensors]]`` line."""
    lines = chunk.splitlines(keepends=True)
    n = 0
    while n < len(lines) and _SENSORS_HEADER.fullmatch(lines[n]) is None:
        n += 1
    return "".join(lines[:n]) if n < len(lines) else ""


def _render_sensor(wanted: dict[str, Any]) -> str:
    import tomlkit

    table = tomlkit.table()
    for key, value in wanted.items():
        table.add(key, _toml_value(key, value))
    aot = tomlkit.aot()
    aot.append(table)
    doc = tomlkit.document()
    doc.add("sensors", aot)
    return tomlkit.dumps(doc).strip("\n") + "\n"


def _edit_sensor_tables(old_text: str, wanted: list[dict[str, Any]]) -> str | None:
    """The text edit described in ``save_sensors``; None when the file is not editable so."""
    try:
        data = tomllib.loads(old_text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    old_raw = data.get("sensors", [])
    pieces = _split_sensor_tables(old_text)
    sensor_pieces = [text for is_sensor, text in pieces if is_sensor]
    if not isinstance(old_raw, list) or len(sensor_pieces) != len(old_raw):
        return None  # e.g. sensors = [ {...} ] inline: not tables to edit one by one
    old_by_id: dict[Any, int] = {}
    for position, raw in enumerate(old_raw):
        if isinstance(raw, dict):
            old_by_id.setdefault(raw.get("id"), position)
    kept: list[tuple[int, dict[str, Any]]] = []  # (old index, wanted) in the new order
    added: list[dict[str, Any]] = []
    for table in wanted:
        index = old_by_id.pop(table["id"], None)
        if index is None:
            added.append(table)
        else:
            kept.append((index, table))
    surviving = {index for index, _ in kept}
    fill = iter(kept)  # kept tables fill the surviving tables' places, in the new order
    out: list[str] = []
    sensor_index = -1
    last_sensor_at = -1
    for is_sensor, chunk in pieces:
        if not is_sensor:
            out.append(chunk)
            continue
        sensor_index += 1
        if sensor_index not in surviving:
            continue  # removed: its lines go, and nothing else
        index, table = next(fill)
        source = sensor_pieces[index]
        if _same_sensor_raw(old_raw[index], table):
            text = source
        else:
            text = _edit_one_table(source, old_raw[index], table) or (
                _leading_notes(source) + _render_sensor(table) + _trailing_notes(source))
        if not chunk.endswith("\n") and text is not source:
            text = text.rstrip("\n")  # the file's last line had no newline: keep it so
        out.append(text)
        last_sensor_at = len(out) - 1
    if added:
        block = "".join(_render_sensor(table) if i == 0 else "\n" + _render_sensor(table)
                        for i, table in enumerate(added))
        at = last_sensor_at + 1 if last_sensor_at >= 0 else len(out)
        before = "".join(out[:at])
        if before and not before.endswith("\n"):
            block = "\n\n" + block
        elif before and not before.endswith("\n\n"):
            block = "\n" + block
        if at < len(out):
            block += "\n"
        out.insert(at, block)
    return "".join(out)


def _saves_as(text: str, old_text: str, wanted: list[dict[str, Any]]) -> bool:
    """True when ``text`` holds exactly ``wanted`` and the old file's other settings."""
    try:
        new_data = tomllib.loads(text)
        old_data = tomllib.loads(old_text) if old_text else {}
    except (tomllib.TOMLDecodeError, RecursionError):
        return False
    if {k: v for k, v in new_data.items() if k != "sensors"} != \
            {k: v for k, v in old_data.items() if k != "sensors"}:
        return False
    config, problems = parse_config({"sensors": new_data.get("sensors", [])}, "<saved>")
    if problems or len(config.sensors) != len(wanted):
        return False
    return [sensor_table(spec) for spec in config.sensors] == wanted


def _rebuild_with_tomlkit(old_text: str, wanted: list[dict[str, Any]]) -> str:
    """The fallback: a fresh sensors array in a document that keeps everything else."""
    import tomlkit

    doc = tomlkit.parse(old_text) if old_text else tomlkit.document()
    new_array = tomlkit.aot()
    for table in wanted:
        rendered = tomlkit.parse(_render_sensor(table))["sensors"]
        new_array.append(rendered[0])
    if "sensors" in doc:
        doc["sensors"] = new_array
    else:
        doc.add("sensors", new_array)
    return tomlkit.dumps(doc)


def _same_sensor_raw(raw: Any, wanted: dict[str, Any]) -> bool:
    if not isinstance(raw, dict):
        return False
    data, problems = parse_config({"sensors": [raw]}, "<saved>")
    if problems or not data.sensors:
        return False
    return sensor_table(data.sensors[0]) == wanted
