"""The lookup pane's text, apart from its widget: names split from what was typed,
words and columns fitted to the table's cells, detail lines hung under their labels.

Plain functions of strings and widths, so the rules the pane draws by are tested
(and read) without a running app.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence

from rich.cells import cell_len

from sensortop.pubchem.cache import normalise_query

COLUMNS = (("name", "name"), ("CID", "cid"), ("formula", "formula"), ("MW", "mw"),
           ("status", "status"))  # fmt: skip
OPTIONAL_COLUMNS = ("cid", "formula", "mw")  # dropped from the right when the pane is narrow
STATUS_MIN = 16  # cells the status keeps before an optional column is shown


LOCANT = re.compile(r"(?:\d+|[A-Za-z])['′]*")  # the 2 of 2,4-; the N of N,N-


def split_names(text: str) -> list[str]:
    """Names from the input: comma-separated, trimmed, blanks and repeats (any case) dropped.

    A comma between locants stays in its name: 2,4-dinitrophenol, 2,4,6-trinitrotoluene,
    N,N-dimethylformamide are one name each, while "water,ethanol" is two.
    """
    parts: list[str] = []
    start = 0
    for comma in (m.start() for m in re.finditer(",", text)):
        token = re.split(r"[\s,\-(\[]", text[start:comma])[-1]
        following = text[comma + 1 : comma + 2]
        if LOCANT.fullmatch(token) and following.isalnum():
            continue
        parts.append(text[start:comma])
        start = comma + 1
    parts.append(text[start:])
    names: dict[str, str] = {}
    for part in parts:
        name = part.strip()
        if name:
            names.setdefault(normalise_query(name), name)
    return list(names.values())


def fit_words(text: str, room: int) -> str:
    """``text`` whole if it fits in ``room`` cells, else cut at a word and ended with ``…``
    (never a bare ``network error, re``): the whole text is in the detail area."""
    if cell_len(text) <= room:
        return text
    if room <= 1:
        return "…"
    cut = text[: room - 1]
    while cell_len(cut) > room - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space >= (room - 1) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,:;(") + "…"


def fit_columns(width: int, pad: int, names: Sequence[str],
                cells: Sequence[Mapping[str, str]], statuses: Sequence[str]) -> dict[str, int]:
    """Which columns fit ``width`` cells and how wide each is (``pad`` included), for rows
    of ``names`` with their optional ``cells`` and the ``statuses`` shown.

    The name (cut to a third of the pane at most) and the status always show;
    CID, formula and MW follow, in that order, while the status keeps STATUS_MIN
    cells. Nothing is cut by the table's edge: what does not fit is whole below.
    """

    def widest(column: str, label: str) -> int:
        texts = [label, *(row[column] for row in cells)]
        return max(cell_len(text) for text in texts) + pad

    longest_name = max([cell_len("name"), *(cell_len(n) for n in names)])
    plan = {"name": min(longest_name, max(10, width // 3)) + pad}
    longest_status = max([cell_len("status"), *(cell_len(t) for t in statuses)])
    status = min(longest_status, STATUS_MIN) + pad
    for label, column in COLUMNS:
        if column in OPTIONAL_COLUMNS:
            need = widest(column, label)
            if sum(plan.values()) + need + status > width:
                break  # the next ones from the right go too, never a gap in the middle
            plan[column] = need
    plan["status"] = max(width - sum(plan.values()), status)
    return plan


LABEL_WIDTH = 11  # "InChIKey   "


def hang(line: str, width: int) -> list[str]:
    """One detail line in ``width`` cells, its value continued under the value."""
    if cell_len(line) <= width:
        return [line]
    label, value = line[:LABEL_WIDTH], line[LABEL_WIDTH:]
    if not (label.endswith(" ") and label.strip()):  # the name line: no label
        return textwrap.wrap(line, width, break_on_hyphens=False) or [line]
    rows = textwrap.wrap(value, width - LABEL_WIDTH, break_on_hyphens=False) or [value]
    return [label + rows[0], *(" " * LABEL_WIDTH + row for row in rows[1:])]


__all__ = ["COLUMNS", "LABEL_WIDTH", "LOCANT", "OPTIONAL_COLUMNS", "STATUS_MIN", "fit_columns",
           "fit_words", "hang", "split_names"]
