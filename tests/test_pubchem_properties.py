"""Property tests: any body PubChem (or anything posing as it) sends, and any cache file,
gives a typed outcome or a cache miss, never another exception. Derandomised and bounded."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensortop.pubchem.answers import autocomplete_terms, property_result, synonyms_result
from sensortop.pubchem.cache import LookupCache
from sensortop.pubchem.models import Compound, LookupResult, Outcome, clean_text

NOW = 1_800_000_000.0
SETTINGS = settings(derandomize=True, max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

KEYS = st.sampled_from(["PropertyTable", "Properties", "CID", "MolecularFormula",
                        "MolecularWeight", "IUPACName", "SMILES", "IsomericSMILES",
                        "ConnectivitySMILES", "InChIKey", "XLogP", "InformationList",
                        "Information", "Synonym", "Fault", "Code", "version", "key",
                        "stored", "outcome", "compounds", "cid", "molecular_weight",
                        "xlogp", "message", "found"]) | st.text(max_size=8)  # fmt: skip
SCALARS = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30) | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20) | st.sampled_from(["found", "not_found", "busy", "289.5", "1e999",
                                              "nan", "\x1b[2J", "\ud800"])
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)


PROPERTY_VALUES = SCALARS | JSON
#: Records that look like PubChem's, so the found path is reached with odd values in it.
RECORDS = st.fixed_dictionaries(
    {"CID": st.integers(min_value=1, max_value=10**7)},
    optional={key: PROPERTY_VALUES for key in ("MolecularFormula", "MolecularWeight",
              "IUPACName", "SMILES", "IsomericSMILES", "ConnectivitySMILES",
              "CanonicalSMILES", "InChIKey", "XLogP")},
)  # fmt: skip
COMPOUND_DICTS = st.fixed_dictionaries(
    {"cid": st.integers(min_value=1, max_value=10**7)},
    optional={key: PROPERTY_VALUES for key in ("molecular_formula", "molecular_weight",
              "iupac_name", "smiles", "connectivity_smiles", "inchikey", "xlogp")},
)  # fmt: skip


def shaped(record: Any) -> dict[str, Any]:
    """Wrap anything where PubChem puts its property records, so parsing gets deep."""
    return {"PropertyTable": {"Properties": record}}


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def encode(value: Any) -> bytes:
    """JSON as a server (or a damaged file) might send it: NaN literals included."""
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def assert_safe_compound(compound: Compound) -> None:
    assert 0 < compound.cid < 2**53
    for number in (compound.molecular_weight, compound.xlogp):
        assert number is None or math.isfinite(number)
    for text in (compound.molecular_formula, compound.iupac_name, compound.smiles,
                 compound.inchikey):  # fmt: skip
        assert text is None or clean_text(text) == text


def assert_typed(result: LookupResult) -> None:
    assert isinstance(result.outcome, Outcome)
    assert len(result.message) <= 200
    if result.outcome is Outcome.FOUND:
        assert result.compounds
        for compound in result.compounds:
            assert_safe_compound(compound)
    else:
        assert not result.compounds


BODIES = (
    JSON.map(encode)
    | JSON.map(shaped).map(encode)
    | st.lists(JSON, max_size=3).map(lambda rows: encode(shaped(rows)))
    | st.lists(RECORDS, min_size=1, max_size=3).map(lambda rows: encode(shaped(rows)))
    | st.binary(max_size=200)
    | st.integers(min_value=1, max_value=200_000).map(lambda d: deep(d).encode())
)


@SETTINGS
@given(status=st.sampled_from([200, 200, 200, 400, 404, 500, 503, 504]), body=BODIES)
def test_any_property_answer_gives_a_typed_outcome(status: int, body: bytes) -> None:
    assert_typed(property_result("x", status, body))


@SETTINGS
@given(rows=st.lists(RECORDS | JSON, min_size=1, max_size=3))
def test_any_values_in_pubchem_shaped_records_give_found_or_a_reason(rows: list[Any]) -> None:
    result = property_result("x", 200, encode(shaped(rows)))
    assert_typed(result)
    assert result.outcome in (Outcome.FOUND, Outcome.SERVER_ERROR)


@SETTINGS
@given(body=BODIES | JSON.map(lambda v: encode({"InformationList": {"Information": [v]}})))
def test_any_synonyms_answer_gives_synonyms_or_a_typed_outcome(body: bytes) -> None:
    answer = synonyms_result("x", body)
    if isinstance(answer, LookupResult):
        assert_typed(answer)
        assert answer.outcome is Outcome.SERVER_ERROR
    else:
        assert all(isinstance(s, str) and clean_text(s) == s for s in answer)


@SETTINGS
@given(body=BODIES.map(lambda b: b.decode("utf-8", "replace")))
def test_any_autocomplete_answer_gives_a_list_of_terms(body: str) -> None:
    terms = autocomplete_terms(body)
    assert isinstance(terms, list) and all(isinstance(t, str) for t in terms)


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"version": 1, "key": "water", "stored": NOW, "outcome": "found",
                            "message": "", "compounds": [{"cid": 962}]}  # fmt: skip
    base.update(fields)
    return base


ENTRIES = (
    JSON.map(encode)
    | st.dictionaries(st.sampled_from(["stored", "outcome", "compounds", "message", "version",
                                       "key"]), JSON, max_size=3)
      .map(lambda fields: encode(entry(**fields)))
    | st.lists(st.dictionaries(KEYS, JSON, max_size=4), max_size=3)
      .map(lambda compounds: encode(entry(compounds=compounds)))
    | st.lists(COMPOUND_DICTS | JSON, min_size=1, max_size=3)
      .map(lambda compounds: encode(entry(compounds=compounds)))
    | st.tuples(st.lists(COMPOUND_DICTS, max_size=2), st.sampled_from(["found", "not_found"]),
                SCALARS)
      .map(lambda c: encode(entry(compounds=c[0], outcome=c[1], message=c[2])))
    | st.binary(max_size=200)
    | st.integers(min_value=1, max_value=200_000).map(lambda d: deep(d).encode())
)  # fmt: skip


@SETTINGS
@given(raw=ENTRIES)
def test_any_cache_file_is_an_answer_or_a_miss(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = LookupCache(Path(tmp), clock=lambda: NOW)
        for kind in ("lookup", "synonyms"):
            path = cache._file(kind, "water")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(raw)
        result = cache.get("water")
        if result is not None:
            assert result.outcome.is_answer and result.from_cache
            assert_typed(result)
        synonyms = cache.get_synonyms("water")
        assert synonyms is None or all(isinstance(s, str) for s in synonyms)
