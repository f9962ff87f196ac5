"""Which rows the table shows, in what order: filter, sort and groups, without Textual.

The table widget draws only the lines on screen; this module decides what the
lines are. ``TableIndex.build`` turns the sensors (in config order) and a
``TableQuery`` (sort column and direction, filter text, the two toggles, the
collapsed groups) into a list of lines: group headers with their counts, and
sensor rows. Sorting is stable (equal keys keep config order) and a missing
value (see ``columns``) goes last in both directions. See README "Table view".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Protocol

from sensortop.model.readings import AlarmState
from sensortop.model.specs import SensorSpec
from sensortop.sampling.view import SensorView
from sensortop.tui.table.columns import COLUMNS, FAILING

NO_GROUP = "(no group)"
"""The header of sensors without a group, once any sensor has one (it comes last)."""


class Row(Protocol):
    """A sensor as the table reads it: its spec and its current immutable view."""

    @property
    def spec(self) -> SensorSpec: ...

    @property
    def view(self) -> SensorView: ...


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """A group's header line, with counts over all its sensors (filtered or not)."""

    name: str
    """The group as configured; "" for sensors without one."""
    sensors: int
    shown: int
    """Its sensors that pass the filter (all of them with no filter)."""
    alarms: int
    failing: int
    collapsed: bool

    @property
    def title(self) -> str:
        return self.name or NO_GROUP


Line = Row | GroupHeader


@dataclass(slots=True)
class TableQuery:
    """What the operator asked for: sort, filter, toggles and collapsed groups."""

    sort: str | None = None
    """A column key (``columns.COLUMN_KEYS``), or None for config order."""
    descending: bool = False
    text: str = ""
    """Filter as typed: every word must occur in the id, name, units or group."""
    only_alarms: bool = False
    only_failing: bool = False
    collapsed: set[str] = field(default_factory=set)

    @property
    def filtering(self) -> bool:
        return bool(self.text.strip()) or self.only_alarms or self.only_failing


@dataclass(frozen=True, slots=True)
class TableLines:
    """What one build found: the lines to draw and how many sensors passed the filter."""

    lines: list[Line]
    shown: int
    total: int


class TableIndex:
    """Builds the table's lines; keeps each sensor's filter text between builds."""

    def __init__(self) -> None:
        self._haystacks: dict[str, str] = {}

    def _haystack(self, spec: SensorSpec) -> str:
        text = self._haystacks.get(spec.id)
        if text is None:
            text = "\n".join((spec.id, spec.name, spec.units, spec.group)).casefold()
            self._haystacks[spec.id] = text
        return text

    def forget(self, keep: set[str]) -> None:
        """Drop cached text of removed sensors."""
        for sensor_id in set(self._haystacks) - keep:
            del self._haystacks[sensor_id]

    def build(self, rows: Sequence[Row], query: TableQuery, now: float) -> TableLines:
        """The lines for ``rows`` (in config order) under ``query`` at time ``now``."""
        terms = query.text.casefold().split()
        grouped = any(row.spec.group for row in rows)
        needs_status = grouped or query.only_failing
        views = [row.view for row in rows]
        statuses = [view.status_word(now) for view in views] if needs_status else None
        kept: list[int] = []
        for index, (row, view) in enumerate(zip(rows, views, strict=True)):
            if terms:
                haystack = self._haystack(row.spec)
                if not all(term in haystack for term in terms):
                    continue
            if query.only_alarms and view.alarm is AlarmState.NORMAL:
                continue
            if query.only_failing and statuses is not None and statuses[index] not in FAILING:
                continue
            kept.append(index)
        order = self._sorted(kept, views, query, now)
        if not grouped:
            return TableLines([rows[i] for i in order], len(order), len(rows))
        assert statuses is not None
        return TableLines(self._grouped(rows, views, statuses, order, query),
                          len(order), len(rows))

    @staticmethod
    def _sorted(kept: list[int], views: list[SensorView], query: TableQuery,
                now: float) -> list[int]:
        if query.sort is None:
            return kept
        column = next(c for c in COLUMNS if c.key == query.sort)
        present: list[tuple[float | str, int]] = []
        missing: list[int] = []
        for index in kept:
            key = column.sort_key(views[index], now)
            if key is None:
                missing.append(index)
            else:
                present.append((key, index))
        # Python's sort is stable, reverse=True included: ties keep config order.
        present.sort(key=itemgetter(0), reverse=query.descending)
        return [index for _, index in present] + missing

    @staticmethod
    def _grouped(rows: Sequence[Row], views: list[SensorView], statuses: list[str],
                 order: list[int], query: TableQuery) -> list[Line]:
        names: dict[str, list[int]] = {}  # group -> its rows in config order
        for index, row in enumerate(rows):
            names.setdefault(row.spec.group, []).append(index)
        if "" in names:  # the sensors without a group come last
            names[""] = names.pop("")
        shown: dict[str, list[int]] = {name: [] for name in names}
        for index in order:
            shown[rows[index].spec.group].append(index)
        lines: list[Line] = []
        for name, members in names.items():
            picked = shown[name]
            if query.filtering and not picked:
                continue
            collapsed = name in query.collapsed
            lines.append(GroupHeader(
                name, len(members), len(picked),
                sum(views[i].alarm is not AlarmState.NORMAL for i in members),
                sum(statuses[i] in FAILING for i in members), collapsed))
            if not collapsed:
                lines.extend(rows[i] for i in picked)
        return lines


__all__ = ["NO_GROUP", "GroupHeader", "Line", "Row", "TableIndex", "TableLines", "TableQuery"]
