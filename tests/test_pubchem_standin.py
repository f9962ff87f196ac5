"""The stand-in answers byte for byte as the live PubChem service did when recorded.

The bodies below are copied from the recordings, not from the stand-in, so a
stand-in that drifts from PubChem fails here rather than flattering the client.
"""

from __future__ import annotations

import json
import re

import httpx

from pubchem_standin import PubChemStandin

pytest_plugins = ["pubchem_fixtures"]

# fault_404_notfound_name_srthrthsr_chemtools2021.json (and the MetMashR httptest mock)
RECORDED_404 = (b'{\n  "Fault": {\n    "Code": "PUGREST.NotFound",\n    "Message": "No CID found",'
                b'\n    "Details": [\n      "No CID found that matches the given name"\n'
                b'    ]\n  }\n}\n')
# fault_400_badrequest_cid_nonnumeric_chemtools2021.json
RECORDED_400 = (b'{\n  "Fault": {\n    "Code": "PUGREST.BadRequest",\n'
                b'    "Message": "Missing CID list",\n    "Details": [\n'
                b'      "Expected a comma-separated list of CIDs via URL or POST"\n    ]\n  }\n}\n')
# property_cid_5564_triclosan_formula_mw_POST_webchem.json (MolecularWeight a string)
RECORDED_TRICLOSAN = {"PropertyTable": {"Properties": [
    {"CID": 5564, "MolecularFormula": "C12H7Cl3O2", "MolecularWeight": "289.5"}]}}
# property_cid_1-4_IsomericSMILES_InChIKey_XLogP_chemtools2021.json (2020, old SMILES name)
RECORDED_CIDS_1_4 = {"PropertyTable": {"Properties": [
    {"CID": 1, "IsomericSMILES": "CC(=O)OC(CC(=O)[O-])C[N+](C)(C)C",
     "InChIKey": "RDHQFKQIGNGIED-UHFFFAOYSA-N", "XLogP": 0.4},
    {"CID": 2, "IsomericSMILES": "CC(=O)OC(CC(=O)O)C[N+](C)(C)C",
     "InChIKey": "RDHQFKQIGNGIED-UHFFFAOYSA-O", "XLogP": -0.3},
    {"CID": 3, "IsomericSMILES": "C1=CC(C(C(=C1)C(=O)O)O)O",
     "InChIKey": "INCSWYKICIYAHB-UHFFFAOYSA-N", "XLogP": -0.3},
    {"CID": 4, "IsomericSMILES": "CC(CN)O", "InChIKey": "HXKKHQJGJAFBHI-UHFFFAOYSA-N",
     "XLogP": -1}]}}  # fmt: skip
THROTTLE = re.compile(r"^Request Count status: (Green|Yellow|Red|Black) \(\d+%\), Request Time "
                      r"status: \w+ \(\d+%\), Service status: \w+ \(\d+%\)")


def test_unknown_name_is_the_recorded_404(standin: PubChemStandin) -> None:
    reply = httpx.get(f"{standin.url}/compound/name/srthrthsr/property/MolecularFormula/JSON")
    assert (reply.status_code, reply.reason_phrase) == (404, "PUGREST.NotFound")
    assert reply.headers["Content-Type"] == "application/json"
    assert THROTTLE.match(reply.headers["X-Throttling-Control"])
    assert reply.content == RECORDED_404


def test_non_numeric_cid_is_the_recorded_400(standin: PubChemStandin) -> None:
    reply = httpx.get(f"{standin.url}/compound/cid/aergaerhg/property/MolecularFormula/JSON")
    assert (reply.status_code, reply.reason_phrase) == (400, "PUGREST.BadRequest")
    assert reply.content == RECORDED_400


def test_busy_is_the_transcribed_503_with_retry_after(standin: PubChemStandin) -> None:
    standin.busy_next = 1
    reply = httpx.get(f"{standin.url}/compound/name/water/property/MolecularFormula/JSON")
    assert (reply.status_code, reply.reason_phrase) == (503, "PUGREST.ServerBusy")
    assert reply.json() == {"Fault": {"Code": "PUGREST.ServerBusy",
                                      "Message": "Too many requests or server too busy"}}
    assert reply.headers["Retry-After"] == standin.retry_after


def test_posted_cid_answers_like_the_webchem_recording(standin: PubChemStandin) -> None:
    reply = httpx.post(f"{standin.url}/compound/cid/property/MolecularFormula,MolecularWeight/JSON",
                       data={"cid": "5564"})
    assert (reply.status_code, reply.reason_phrase) == (200, "OK")
    assert reply.json() == RECORDED_TRICLOSAN


def test_a_2020_service_answers_like_the_chemistry_tools_recording() -> None:
    with PubChemStandin(legacy_smiles=True) as old:
        reply = httpx.get(f"{old.url}/compound/cid/1,2,3,4/property/IsomericSMILES,InChIKey,XLogP"
                          "/JSON")
    assert json.loads(reply.content) == RECORDED_CIDS_1_4
