"""Typed PubChem results: what a look-up found, or why it found nothing.

PubChem's answers change shape over the years (MolecularWeight a number in
2021 and a string since; ``IsomericSMILES`` renamed ``SMILES`` in 2025), so
everything past this module sees one stable shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, TypeGuard


class Outcome(StrEnum):
    """How a look-up ended; only ``found`` and ``not_found`` are answers."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    BAD_REQUEST = "bad_request"
    BUSY = "busy"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    SERVER_ERROR = "server_error"

    @property
    def is_answer(self) -> bool:
        """True when PubChem answered the question, whether or not it knew the name."""
        return self in (Outcome.FOUND, Outcome.NOT_FOUND)


OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.FOUND: "found",
    Outcome.NOT_FOUND: "not found",
    Outcome.BAD_REQUEST: "bad request",
    Outcome.BUSY: "PubChem busy",
    Outcome.TIMEOUT: "timed out",
    Outcome.NETWORK_ERROR: "network error",
    Outcome.SERVER_ERROR: "PubChem error",
}

# Property names in answers, newest first: the 2025 names win when both appear.
_SMILES_KEYS = ("SMILES", "IsomericSMILES")
_CONNECTIVITY_SMILES_KEYS = ("ConnectivitySMILES", "CanonicalSMILES")


#: CIDs are positive and PubChem's are far below this; a bigger one is a broken answer
#: (and a 5,000-digit integer cannot even be printed).
MAX_CID = 2**53
#: Text kept from an answer: an IUPAC name of a large molecule runs to a few hundred
#: characters; a megabyte "name" is a broken or hostile answer.
MAX_TEXT = 4000
#: Control characters (terminal escapes!) and lone surrogates are never shown or stored.
_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _number(value: Any) -> float | None:
    """Parse a PubChem number that may arrive as a JSON number or a string ("289.5").

    Only finite numbers count: NaN or 1e999 in an answer is no molecular weight.
    """
    if value is None or isinstance(value, bool):
        return None
    number: float
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer of 400 digits
            return None
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def format_number(value: float | None) -> str:
    """A property number for a table cell: shortest general form, blank when missing."""
    return "" if value is None else f"{value:g}"


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """Text from PubChem made safe to print and store: no control characters or lone
    surrogates (replaced by U+FFFD), at most ``limit`` characters (cut with …)."""
    text = _UNSAFE_RE.sub("\ufffd", value[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


def valid_cid(value: Any) -> TypeGuard[int]:
    """A JSON value that can be a PubChem CID: a positive integer of sane size."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_CID


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = _text(record.get(key))
        if value is not None:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Compound:
    """One PubChem compound's properties; any of them may be missing (XLogP for salts)."""

    cid: int
    molecular_formula: str | None = None
    molecular_weight: float | None = None
    iupac_name: str | None = None
    smiles: str | None = None
    connectivity_smiles: str | None = None
    inchikey: str | None = None
    xlogp: float | None = None

    @classmethod
    def from_pubchem(cls, record: dict[str, Any]) -> Compound:
        """Build from one ``PropertyTable.Properties`` entry, old or new naming."""
        if not isinstance(record, dict):
            raise ValueError(f"a property record that is not an object ({type(record).__name__})")
        cid = record.get("CID")
        if not valid_cid(cid):
            raise ValueError("a property record without a valid CID")
        smiles = _first(record, _SMILES_KEYS)
        connectivity = _first(record, _CONNECTIVITY_SMILES_KEYS)
        return cls(
            cid=cid,
            molecular_formula=_text(record.get("MolecularFormula")),
            molecular_weight=_number(record.get("MolecularWeight")),
            iupac_name=_text(record.get("IUPACName")),
            smiles=smiles or connectivity,
            connectivity_smiles=connectivity,
            inchikey=_text(record.get("InChIKey")),
            xlogp=_number(record.get("XLogP")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the cache file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Compound:
        """Inverse of :meth:`to_dict`; raises ValueError on anything that is not one."""
        if not isinstance(data, dict):
            raise ValueError("compound that is not an object")
        cid = data.get("cid")
        if not valid_cid(cid):
            raise ValueError("compound without a valid cid")
        fields: dict[str, Any] = {"cid": cid}
        for name in ("molecular_formula", "iupac_name", "smiles", "connectivity_smiles",
                     "inchikey"):  # fmt: skip
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} is not text")
            fields[name] = clean_text(value) if value else None
        for name in ("molecular_weight", "xlogp"):
            value = data.get(name)
            number = _number(value) if not isinstance(value, str) else None
            if value is not None and number is None:
                raise ValueError(f"{name} is not a number")
            fields[name] = number
        return cls(**fields)

    def to_pubchem(self) -> dict[str, Any]:
        """The properties under PubChem's own names (2025 naming), for ``--json``."""
        return {
            "CID": self.cid,
            "MolecularFormula": self.molecular_formula,
            "MolecularWeight": self.molecular_weight,
            "IUPACName": self.iupac_name,
            "SMILES": self.smiles,
            "InChIKey": self.inchikey,
            "XLogP": self.xlogp,
        }


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The answer for one query: every matching compound (first = best), or a reason."""

    query: str
    outcome: Outcome
    compounds: tuple[Compound, ...] = ()
    message: str = ""
    from_cache: bool = False
    attempts: int = 0

    @property
    def compound(self) -> Compound | None:
        """The first match, which is what tables show."""
        return self.compounds[0] if self.compounds else None

    @property
    def is_answer(self) -> bool:
        return self.outcome.is_answer

    def describe(self) -> str:
        """The outcome in words for a table cell, e.g. "not found" or "timed out"."""
        words = OUTCOME_WORDS[self.outcome]
        if self.outcome is Outcome.FOUND and len(self.compounds) > 1:
            return f"found ({len(self.compounds)} CIDs)"
        if self.outcome.is_answer or not self.message:
            return words
        return f"{words}: {self.message}"
