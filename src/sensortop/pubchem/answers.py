"""What PUG REST answers mean: a status and body turned into a :class:`LookupResult`,
synonyms or autocomplete terms, never an exception.

A 404 is "not found" only when PubChem's own Fault says so (a wrong base URL
also answers 404); a body that is not the expected shape is a
``server_error`` with a short reason; JSON that is too deep to decode is a
ValueError like any other bad JSON. Reasons are cut to fit a pane row.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sensortop.pubchem.models import Compound, LookupResult, Outcome, clean_text

#: Reasons are shown in a narrow pane row: a server's message is cut to this.
MAX_REASON = 120

_JSONP_RE = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.DOTALL)


def short_reason(text: str) -> str:
    """``text`` made safe to show and cut to :data:`MAX_REASON`."""
    return clean_text(text, MAX_REASON)


def load_json(body: bytes | str) -> Any:
    """``json.loads`` whose every failure is a ValueError (deep nesting raises RecursionError)."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def fault(body: bytes) -> tuple[str, str] | None:
    """(Code, Message with Details) from a PUG REST Fault body, or None if it is not one."""
    try:
        data = load_json(body)
    except ValueError:
        return None
    found = data.get("Fault") if isinstance(data, dict) else None
    if not isinstance(found, dict) or not isinstance(found.get("Code"), str):
        return None
    message = found.get("Message")
    message = message if isinstance(message, str) else ""
    details = found.get("Details")
    if isinstance(details, list) and details:
        extra = "; ".join(d for d in details[:5] if isinstance(d, str))
        if extra:
            message = f"{message} ({extra})" if message else extra
    return short_reason(found["Code"]), short_reason(message)


def failure_result(query: str, status: int, body: bytes, attempts: int) -> LookupResult:
    """A non-200 answer in words; a 404 is 'not found' only if PubChem itself says so."""
    said = fault(body)
    code, message = said if said else ("", f"HTTP {status}")
    if status == 404 and code == "PUGREST.NotFound":
        return LookupResult(query, Outcome.NOT_FOUND, message=message, attempts=attempts)
    if status == 400:
        return LookupResult(query, Outcome.BAD_REQUEST, message=message, attempts=attempts)
    if status == 504 or code == "PUGREST.Timeout":
        return LookupResult(query, Outcome.TIMEOUT, message=message, attempts=attempts)
    return LookupResult(query, Outcome.SERVER_ERROR, message=message, attempts=attempts)


def property_result(query: str, status: int, body: bytes) -> LookupResult:
    """The look-up result a PUG REST property answer means, whatever its body holds.

    Never raises: a body that is not the expected ``PropertyTable`` is a
    ``server_error`` with a short reason.
    """
    if status != 200:
        return failure_result(query, status, body, 1)
    try:
        data = load_json(body)
    except ValueError:
        return LookupResult(query, Outcome.SERVER_ERROR, message="unexpected answer (not JSON)")
    table = data.get("PropertyTable") if isinstance(data, dict) else None
    records = table.get("Properties") if isinstance(table, dict) else None
    if not isinstance(records, list):
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (no PropertyTable)")  # fmt: skip
    if not records:
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (empty PropertyTable)")  # fmt: skip
    try:
        compounds = tuple(Compound.from_pubchem(record) for record in records)
    except ValueError as exc:
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message=short_reason(f"unexpected answer ({exc})"))  # fmt: skip
    return LookupResult(query, Outcome.FOUND, compounds)


def synonyms_result(query: str, body: bytes) -> list[str] | LookupResult:
    """The synonyms in a 200 synonyms answer, or a ``server_error`` saying what was wrong."""
    try:
        data = load_json(body)
    except ValueError:
        return LookupResult(query, Outcome.SERVER_ERROR, message="unexpected answer (not JSON)")
    info_list = data.get("InformationList") if isinstance(data, dict) else None
    info = info_list.get("Information") if isinstance(info_list, dict) else None
    first = info[0] if isinstance(info, list) and info else None
    synonyms = first.get("Synonym", []) if isinstance(first, dict) else None
    if not isinstance(synonyms, list):
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (no InformationList)")  # fmt: skip
    return [clean_text(s) for s in synonyms if isinstance(s, str) and s]


def autocomplete_terms(body: str) -> list[str]:
    """Terms from an autocomplete answer, JSON or JSONP (``callback({...})``)."""
    match = _JSONP_RE.match(body)
    try:
        data: Any = load_json(match.group(1) if match else body)
    except ValueError:
        return []
    found = data.get("dictionary_terms") if isinstance(data, dict) else None
    terms = found.get("compound") if isinstance(found, dict) else None
    if not isinstance(terms, list):
        return []
    return [clean_text(t, 200) for t in terms if isinstance(t, str) and t]
