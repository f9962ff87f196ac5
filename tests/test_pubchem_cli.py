"""``sensortop lookup``: exit codes, table and --json, against the stand-in."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pubchem_standin import TEXTBOOK_NAMES, PubChemStandin
from sensortop.cli.lookup import run_lookup

pytest_plugins = ["pubchem_fixtures"]


def lookup(names: list[str], url: str | None, as_json: bool = False, **options: object
           ) -> tuple[int, str, str]:  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("backoff", 0.01)
    code = run_lookup(names, url, as_json, out=out, err=err, **options)
    return code, out.getvalue(), err.getvalue()


def test_every_name_answered_exits_0(standin: PubChemStandin, cache_dir: Path) -> None:
    code, out, _ = lookup(["water", "srthrthsr"], standin.url)
    assert code == 0
    assert "H2O" in out and "not found" in out


def test_table_has_one_row_per_name_in_the_order_given(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    code, out, _ = lookup(TEXTBOOK_NAMES, standin.url)
    rows = out.splitlines()[2:]
    assert code == 0
    assert [row.split("  ")[0] for row in rows] == TEXTBOOK_NAMES


def test_json_gives_name_status_and_properties(standin: PubChemStandin, cache_dir: Path) -> None:
    code, out, _ = lookup(["acetic acid", "srthrthsr"], standin.url, as_json=True)
    found, missing = json.loads(out)
    assert code == 0
    assert found == {
        "name": "acetic acid", "status": "found", "CID": 176, "MolecularFormula": "C2H4O2",
        "MolecularWeight": 60.05, "IUPACName": "acetic acid", "SMILES": "CC(=O)O",
        "InChIKey": "QTBSBXVTEAMEQO-UHFFFAOYSA-N", "XLogP": -0.2, "CIDs": [176],
    }  # fmt: skip
    assert missing["name"] == "srthrthsr" and missing["status"] == "not_found"
    assert "No CID found" in missing["message"]


def test_network_failure_exits_1_and_names_the_name(refused_url: str, cache_dir: Path) -> None:
    code, out, err = lookup(["water"], refused_url, as_json=True, retries=1)
    assert code == 1
    assert json.loads(out)[0]["status"] == "network_error"
    assert "water: network error: cannot connect to PubChem" in err


def test_busy_service_exits_1(standin: PubChemStandin, cache_dir: Path) -> None:
    standin.busy_next = 10
    standin.retry_after = None
    code, _, err = lookup(["water"], standin.url, retries=1)
    assert code == 1 and "PubChem busy" in err


def test_commas_are_not_split(standin: PubChemStandin, cache_dir: Path) -> None:
    code, out, _ = lookup(["2,4-dinitrophenol"], standin.url, as_json=True)
    assert code == 0
    assert [r["CID"] for r in json.loads(out)] == [1493]


def test_environment_url_stands_in_for_the_flag(
    standin: PubChemStandin, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENSORTOP_PUBCHEM_URL", standin.url)
    code, _, _ = lookup(["water"], None)
    assert code == 0 and standin.request_count == 1


def test_empty_name_is_bad_usage(cache_dir: Path) -> None:
    code, _, err = lookup(["water", "  "], "http://127.0.0.1:9/rest/pug")
    assert code == 2 and "non-empty" in err


def test_repeat_run_is_answered_from_the_cache(standin: PubChemStandin, cache_dir: Path) -> None:
    lookup(["water", "toluene"], standin.url)
    standin.reset_counts()
    code, out, _ = lookup(["water", "toluene"], standin.url)
    assert code == 0 and standin.request_count == 0 and "C7H8" in out


def test_runs_as_a_module(standin: PubChemStandin, cache_dir: Path) -> None:
    env = {**os.environ, "SENSORTOP_CACHE_DIR": str(cache_dir.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "sensortop", "lookup", "caffeine", "--json",
         "--pubchem-url", standin.url],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["CID"] == 2519


def test_client_imports_no_textual() -> None:
    code = ("import sys, sensortop.pubchem, sensortop.cli.lookup; "
            "sys.exit('textual' in sys.modules)")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], timeout=60, check=False).returncode == 0


def test_retries_are_reported_while_they_happen(standin: PubChemStandin, cache_dir: Path) -> None:
    standin.busy_next = 10
    standin.retry_after = None
    code, _, err = lookup(["water"], standin.url, retries=2)
    assert code == 1
    assert "water: PubChem busy, retrying in 0 s (1/2)" in err
    assert "water: PubChem busy, retrying in 0 s (2/2)" in err


def test_refused_connection_is_retried_once_and_said(refused_url: str, cache_dir: Path) -> None:
    code, _, err = lookup(["water"], refused_url, retries=4)
    assert code == 1
    assert "water: network error, retrying in 0 s (1/1)" in err
    assert "(2/" not in err


def test_a_500_character_name_is_answered_and_cut_short_in_the_table(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    name = "x" * 500
    code, out, _ = lookup([name, "water"], standin.url)
    assert code == 0
    assert all(len(row) < 250 for row in out.splitlines())
    assert "not found" in out and "H2O" in out
    code, out, _ = lookup([name], standin.url, as_json=True)
    assert json.loads(out)[0]["name"] == name  # --json keeps the whole name


def test_json_is_one_array_with_an_object_per_name_as_the_readme_says(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    code, out, _ = lookup(["water", "water", "srthrthsr"], standin.url, as_json=True)
    answer = json.loads(out)
    assert code == 0 and isinstance(answer, list)
    assert [item["name"] for item in answer] == ["water", "water", "srthrthsr"]


def test_name_that_is_not_utf8_is_bad_usage(standin: PubChemStandin, cache_dir: Path) -> None:
    env = {**os.environ, "SENSORTOP_CACHE_DIR": str(cache_dir.parent)}
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"sensortop", b"lookup", b"water", b"caf\xe9",
         b"--pubchem-url", standin.url.encode()],
        capture_output=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert b"name 2: name is not valid UTF-8 text" in done.stderr
    assert b"Traceback" not in done.stderr and standin.request_count == 0


def test_terminal_escapes_in_an_answer_are_not_printed(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.broken_names = {"caffeine": "escapes"}
    code, out, _ = lookup(["caffeine"], standin.url)
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    code, out, _ = lookup(["caffeine"], standin.url, as_json=True)
    assert "\x1b" not in json.loads(out)[0]["IUPACName"]


def test_a_broken_answer_for_one_name_exits_1_and_keeps_the_others(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.broken_names = {"broken": "properties_not_objects"}
    code, out, err = lookup(["water", "broken", "ethanol"], standin.url, as_json=True)
    water, broken, ethanol = json.loads(out)
    assert code == 1 and "Traceback" not in err
    assert water["CID"] == 962 and ethanol["CID"] == 702
    assert broken["status"] == "server_error" and "not an object" in broken["message"]
    assert "sensortop lookup: broken: PubChem error: unexpected answer" in err


def test_offline_lookup_fails_at_once_saying_no_network(cache_dir: Path) -> None:
    code, _, err = lookup(["water"], "http://nosuchhost.invalid/rest/pug", backoff=30.0)
    assert code == 1
    assert err == "sensortop lookup: water: network error: no network (cannot resolve host)\n"
