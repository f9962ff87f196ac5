"""``sensortop lookup NAME ...``: PubChem properties for each name, concurrently and politely.

Exit 0 when every name got an answer (found or not found); 1 when any failed
for a service or network reason (busy, timeout, refused...); 2 for bad usage.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from sensortop.pubchem.cache import LookupCache
from sensortop.pubchem.client import PubChemClient
from sensortop.pubchem.models import LookupResult, clean_text, format_number
from sensortop.pubchem.routes import name_problem, resolve_base_url
from sensortop.pubchem.transport import Progress

TABLE_COLUMNS = ("name", "status", "CID", "formula", "MW", "XLogP", "InChIKey", "IUPAC name")
#: A longer cell (a 500-character name, a long IUPAC name) is cut so the table stays readable;
#: ``--json`` carries the full text.
MAX_CELL = 60


def result_row(result: LookupResult) -> tuple[str, ...]:
    """One table row; the first matching compound is the one shown."""
    c = result.compound
    if c is None:
        return (result.query, result.describe(), "", "", "", "", "", "")
    return (
        result.query,
        result.describe(),
        str(c.cid),
        c.molecular_formula or "",
        format_number(c.molecular_weight),
        format_number(c.xlogp),
        c.inchikey or "",
        c.iupac_name or "",
    )


def result_json(result: LookupResult) -> dict[str, Any]:
    """``--json`` object: name, status, message where there is one, the properties, all CIDs."""
    out: dict[str, Any] = {"name": result.query, "status": result.outcome.value}
    if result.message:
        out["message"] = result.message
    if result.compound is not None:
        out.update(result.compound.to_pubchem())
        out["CIDs"] = [c.cid for c in result.compounds]
    return out


def _cell(text: str) -> str:
    """A cell or stderr mention: no control characters, at most MAX_CELL characters."""
    return clean_text(text, MAX_CELL)


def format_table(results: list[LookupResult]) -> str:
    rows = [TABLE_COLUMNS, *(tuple(map(_cell, result_row(r))) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def lookup_all(
    names: list[str], client: PubChemClient, progress: Progress | None = None
) -> list[LookupResult]:
    """Every name's result, in the order the names were given."""
    by_position: dict[int, LookupResult] = {}
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        positions.setdefault(name, []).append(i)
    async for result in client.lookup_many(names, progress):
        for i in positions[result.query]:
            by_position.setdefault(i, result)
    return [by_position[i] for i in range(len(names))]


def run_lookup(
    names: list[str],
    pubchem_url: str | None,
    as_json: bool,
    *,
    cache_dir: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    **client_options: Any,
) -> int:
    """Look the names up, print a table or JSON, and return the exit code.

    ``pubchem_url`` None means ``$SENSORTOP_PUBCHEM_URL`` or PubChem itself.
    The cache lives in ``$SENSORTOP_CACHE_DIR/pubchem`` or the user's cache folder.
    ``client_options`` (timeout, retries, backoff...) go to :class:`PubChemClient`.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    empty = [n for n in names if not n.strip()]
    if not names or empty:
        print("sensortop lookup: give at least one non-empty compound name", file=err)
        return 2
    for position, name in enumerate(names, 1):
        problem = name_problem(name)
        if problem:
            print(f"sensortop lookup: name {position}: {problem}", file=err)
            return 2

    def progress(query: str, words: str) -> None:
        """Retries and waits can take a while: say so rather than sit silent."""
        print(f"sensortop lookup: {_cell(query)}: {words}", file=err, flush=True)

    async def go() -> list[LookupResult]:
        cache = LookupCache(cache_dir)
        client = PubChemClient(resolve_base_url(pubchem_url), cache=cache, **client_options)
        async with client:
            return await lookup_all(names, client, progress)

    results = asyncio.run(go())
    if as_json:
        print(json.dumps([result_json(r) for r in results], indent=2, ensure_ascii=False),
              file=out)  # fmt: skip
    else:
        print(format_table(results), file=out)
    failed = [r for r in results if not r.is_answer]
    for r in failed:
        print(f"sensortop lookup: {_cell(r.query)}: {r.describe()}", file=err)
    return 1 if failed else 0
