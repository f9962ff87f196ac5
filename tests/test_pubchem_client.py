"""PubChemClient against the PUG REST stand-in on 127.0.0.1 (never the real PubChem)."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from pubchem_standin import TEXTBOOK_NAMES, PubChemStandin
from sensortop.pubchem import Compound, Outcome, PubChemClient, ThrottleLevel
from sensortop.pubchem.routes import autocomplete_base, resolve_base_url

pytest_plugins = ["pubchem_fixtures"]

YELLOW = ("Request Count status: Yellow (60%), Request Time status: Green (0%), "
          "Service status: Green (13%)")  # fmt: skip


def quick_client(url: str, **kwargs: object) -> PubChemClient:
    """A client with short backoff so retry tests take milliseconds, not seconds."""
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("timeout", 5.0)
    return PubChemClient(url, **kwargs)  # type: ignore[arg-type]


async def collect(client: PubChemClient, names: list[str]) -> dict[str, object]:
    return {r.query: r async for r in client.lookup_many(names)}


# -- the textbook's ten, politely -------------------------------------------------


async def test_textbook_ten_names_all_found_within_the_five_per_second_limit(
    standin: PubChemStandin,
) -> None:
    async with quick_client(standin.url) as client:
        results = await collect(client, TEXTBOOK_NAMES)
    assert {name: r.outcome for name, r in results.items()} == dict.fromkeys(
        TEXTBOOK_NAMES, Outcome.FOUND
    )
    assert 503 not in standin.statuses()
    assert standin.request_count == 10


async def test_found_compound_has_every_property(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("aspirin")
    assert result.compound == Compound(
        cid=2244,
        molecular_formula="C9H8O4",
        molecular_weight=180.16,
        iupac_name="2-acetyloxybenzoic acid",
        smiles="CC(=O)OC1=CC=CC=C1C(=O)O",
        connectivity_smiles=None,
        inchikey="BSYNRYMUTXBXSQ-UHFFFAOYSA-N",
        xlogp=1.2,
    )


async def test_missing_xlogp_is_none(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("ammonia")
    assert result.compound is not None and result.compound.xlogp is None


async def test_results_stream_before_the_slowest_answers(standin: PubChemStandin) -> None:
    standin.hold_names = {"caffeine"}
    order: list[str] = []
    async with quick_client(standin.url) as client:
        async for result in client.lookup_many(["caffeine", "water", "ethanol"]):
            order.append(result.query)
            if len(order) == 2:
                standin.release_held()
    assert order[-1] == "caffeine"


async def test_repeated_name_in_a_batch_costs_one_request(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        results = [r async for r in client.lookup_many(["water", "Water", "water"])]
    assert sorted(r.query for r in results) == ["Water", "water", "water"]
    assert standin.request_count == 1


# -- names that need encoding -------------------------------------------------------


async def test_name_with_a_space_is_percent_encoded(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("acetic acid")
    assert result.outcome is Outcome.FOUND
    assert "/compound/name/acetic%20acid/property/" in standin.seen[0].path


async def test_name_with_commas_is_one_name(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("2,4-dinitrophenol")
    assert result.compound is not None and result.compound.cid == 1493
    assert standin.seen[0].name == "2,4-dinitrophenol"


async def test_name_with_a_slash_goes_by_post_form(standin: PubChemStandin) -> None:
    standin.add_name("sodium chloride/water", 962)
    async with quick_client(standin.url) as client:
        result = await client.lookup("sodium chloride/water")
    assert result.outcome is Outcome.FOUND
    assert standin.seen[0].method == "POST"
    assert standin.seen[0].name == "sodium chloride/water"


async def test_unicode_name_is_encoded_as_utf8(standin: PubChemStandin) -> None:
    standin.add_name("α-D-glucopyranose", 79025)
    async with quick_client(standin.url) as client:
        result = await client.lookup("α-D-glucopyranose")
    assert result.compound is not None and result.compound.cid == 79025
    assert standin.seen[0].name == "α-D-glucopyranose"
    assert "%CE%B1-D-glucopyranose" in standin.seen[0].path


async def test_name_of_500_characters_is_answered(standin: PubChemStandin) -> None:
    long_name = ("poly(oxy-1,2-ethanediyl)-" * 21)[:500]
    standin.add_name(long_name, 702)
    async with quick_client(standin.url) as client:
        result = await client.lookup(long_name)
    assert result.outcome is Outcome.FOUND
    assert standin.seen[0].name == long_name


async def test_unknown_name_of_500_unicode_characters_is_not_found(
    standin: PubChemStandin,
) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("é" * 500)
    assert result.outcome is Outcome.NOT_FOUND
    assert standin.seen[0].name == "é" * 500


@pytest.mark.parametrize("name", ["50% acetic acid?", "a+b#c", "caffeine (anhydrous) [1]", ".."])
async def test_names_with_url_characters_arrive_intact(
    standin: PubChemStandin, name: str
) -> None:
    standin.add_name(name, 2519)
    async with quick_client(standin.url) as client:
        result = await client.lookup(name)
    assert result.outcome is Outcome.FOUND
    assert standin.seen[0].name == name


async def test_surrounding_spaces_are_trimmed(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("  toluene ")
    assert result.outcome is Outcome.FOUND and result.query == "  toluene "


async def test_empty_name_is_a_bad_request_without_asking_pubchem(
    standin: PubChemStandin,
) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("   ")
    assert result.outcome is Outcome.BAD_REQUEST and result.message == "empty name"
    assert standin.request_count == 0


# -- answers and faults -----------------------------------------------------------------


async def test_unknown_name_is_not_found_with_pubchems_words(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup("srthrthsr")
    assert result.outcome is Outcome.NOT_FOUND
    assert result.describe() == "not found"
    assert "No CID found" in result.message


async def test_name_matching_several_cids_keeps_them_all_first_shown(
    standin: PubChemStandin,
) -> None:
    standin.add_name("glucose (any)", 5793, 79025)
    async with quick_client(standin.url) as client:
        result = await client.lookup("glucose (any)")
    assert [c.cid for c in result.compounds] == [5793, 79025]
    assert result.compound is not None and result.compound.cid == 5793
    assert result.describe() == "found (2 CIDs)"


async def test_several_cids_go_in_one_request(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup_cids([1, 2, 3, 4])
    assert [c.cid for c in result.compounds] == [1, 2, 3, 4]
    assert standin.request_count == 1
    assert "/compound/cid/1,2,3,4/property/" in standin.seen[0].path


async def test_unknown_cid_is_not_found(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup_cids([999999999])
    assert result.outcome is Outcome.NOT_FOUND


async def test_non_positive_cid_is_a_bad_request(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup_cids([0])
    assert result.outcome is Outcome.BAD_REQUEST
    assert standin.request_count == 0


async def test_pubchem_bad_request_is_reported_with_its_message(standin: PubChemStandin) -> None:
    standin.bad_request_next = 2  # the 2025 names and then the pre-2025 ones
    async with quick_client(standin.url) as client:
        result = await client.lookup("water")
    assert result.outcome is Outcome.BAD_REQUEST
    assert "Missing CID list" in result.message


async def test_service_before_2025_gets_the_old_smiles_names(standin: PubChemStandin) -> None:
    standin.legacy_smiles = True
    async with quick_client(standin.url) as client:
        first = await client.lookup("benzene")
        second = await client.lookup("toluene")
    assert first.compound is not None and first.compound.smiles == "C1=CC=CC=C1"
    assert second.compound is not None and second.compound.smiles == "CC1=CC=CC=C1"
    assert standin.statuses() == [400, 200, 200]  # it learns once, then asks the old way
    assert "IsomericSMILES" in standin.seen[2].path


async def test_molecular_weight_as_a_2021_number_is_parsed(standin: PubChemStandin) -> None:
    standin.legacy_smiles = True  # the 2021 stand-in sends MolecularWeight as a number
    async with quick_client(standin.url) as client:
        result = await client.lookup("caffeine")
    assert result.compound is not None and result.compound.molecular_weight == 194.19


def test_either_smiles_naming_is_read() -> None:
    new = Compound.from_pubchem({"CID": 702, "SMILES": "CCO", "ConnectivitySMILES": "CCO"})
    old = Compound.from_pubchem({"CID": 702, "IsomericSMILES": "CCO", "CanonicalSMILES": "CCO"})
    only_canonical = Compound.from_pubchem({"CID": 702, "CanonicalSMILES": "CCO"})
    assert new.smiles == old.smiles == only_canonical.smiles == "CCO"


def test_molecular_weight_string_and_number_both_parse() -> None:
    # the webchem 2023 recording (string) and the chemistry_tools 2021 one (number)
    def weight(value: object) -> float | None:
        return Compound.from_pubchem({"CID": 1, "MolecularWeight": value}).molecular_weight

    assert weight("289.5") == 289.5
    assert weight(641.7) == 641.7
    assert weight("n/a") is None


async def test_wrong_base_url_is_an_error_not_a_not_found(standin: PubChemStandin) -> None:
    url = f"http://127.0.0.1:{standin.port}/wrong/pug"
    async with quick_client(url) as client:
        result = await client.lookup("water")
    assert result.outcome is Outcome.SERVER_ERROR
    assert "HTTP 404" in result.message


# -- busy, maintenance, timeouts, refused ------------------------------------------------


async def test_503_storm_is_retried_to_success(standin: PubChemStandin) -> None:
    standin.busy_next = 3
    standin.retry_after = None
    async with quick_client(standin.url) as client:
        result = await client.lookup("ethanol")
    assert result.outcome is Outcome.FOUND
    assert standin.statuses() == [503, 503, 503, 200]


async def test_503_storm_longer_than_the_retries_is_reported_busy(
    standin: PubChemStandin,
) -> None:
    standin.busy_next = 10
    standin.retry_after = None
    async with quick_client(standin.url, retries=2) as client:
        result = await client.lookup("ethanol")
    assert result.outcome is Outcome.BUSY
    assert result.describe() == "PubChem busy: Too many requests or server too busy"
    assert standin.request_count == 3


async def test_html_maintenance_503_is_retried_to_success(standin: PubChemStandin) -> None:
    standin.maintenance_next = 2
    async with quick_client(standin.url) as client:
        result = await client.lookup("methanol")
    assert result.outcome is Outcome.FOUND
    assert standin.statuses() == [503, 503, 200]


async def test_html_maintenance_503_that_lasts_says_so(standin: PubChemStandin) -> None:
    standin.maintenance_next = 10
    async with quick_client(standin.url, retries=1) as client:
        result = await client.lookup("methanol")
    assert result.outcome is Outcome.BUSY
    assert "maintenance" in result.message


async def test_retry_after_is_honoured_before_asking_again(standin: PubChemStandin) -> None:
    standin.busy_next = 1
    standin.retry_after = "1"
    async with quick_client(standin.url) as client:
        result = await client.lookup("benzene")
    assert result.outcome is Outcome.FOUND
    first, second = standin.seen
    assert second.at - first.at >= 0.9  # a lower bound: a slow machine only waits longer


async def test_progress_says_busy_and_retrying(standin: PubChemStandin) -> None:
    standin.busy_next = 1
    standin.retry_after = None
    said: list[tuple[str, str]] = []
    async with quick_client(standin.url) as client:
        await client.lookup("benzene", progress=lambda q, words: said.append((q, words)))
    assert said and said[0][0] == "benzene"
    assert said[0][1].startswith("PubChem busy, retrying")


async def test_timeout_gives_a_clear_per_name_error(standin: PubChemStandin) -> None:
    standin.hang = True
    async with quick_client(standin.url, timeout=0.3) as client:
        results = await collect(client, ["water", "ethanol"])
    assert {r.outcome for r in results.values()} == {Outcome.TIMEOUT}
    assert results["water"].describe() == "timed out: no answer within 0.3 s"


async def test_refused_connection_gives_a_clear_per_name_error(refused_url: str) -> None:
    async with quick_client(refused_url, retries=1) as client:
        results = await collect(client, ["water", "ethanol"])
    assert {r.outcome for r in results.values()} == {Outcome.NETWORK_ERROR}
    assert results["water"].describe().startswith("network error: cannot connect to PubChem")
    assert results["water"].attempts == 2


async def test_black_light_stops_the_client_until_the_pause_ends(
    standin: PubChemStandin,
) -> None:
    standin.black_next = 1
    standin.retry_after = "1"
    async with quick_client(standin.url) as client:
        result = await client.lookup("toluene")
    assert result.outcome is Outcome.FOUND
    first, second = standin.seen
    assert first.status == 503
    assert second.at - first.at >= 0.9


async def test_yellow_light_slows_the_client_down(standin: PubChemStandin) -> None:
    standin.throttle_header = YELLOW
    async with quick_client(standin.url) as client:
        await client.lookup("water")  # its answer turns the light yellow
        assert client.limiter.level is ThrottleLevel.YELLOW
        await collect(client, ["ethanol", "benzene", "toluene"])
    arrivals = [s.at for s in standin.seen]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 3 and min(gaps) >= 0.45  # lower bounds: slowness only widens them


async def test_standin_itself_refuses_a_sixth_request_in_a_second(
    standin: PubChemStandin,
) -> None:
    """The stand-in is a fair judge: an impolite client really does get 503s."""
    async with httpx.AsyncClient() as http:
        url = f"{standin.url}/compound/name/water/property/MolecularFormula/JSON"
        replies = await asyncio.gather(*(http.get(url) for _ in range(7)))
    busy = [r for r in replies if r.status_code == 503]
    assert busy
    assert busy[0].json() == {
        "Fault": {"Code": "PUGREST.ServerBusy", "Message": "Too many requests or server too busy"}
    }
    assert busy[0].headers["Retry-After"] == "1"
    assert busy[0].headers["X-Throttling-Control"].endswith(
        "too many requests per second or blacklisted"
    )


# -- synonyms, autocomplete, configuration ---------------------------------------------------


async def test_synonyms_on_demand(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        synonyms = await client.synonyms("aspirin")
    assert isinstance(synonyms, list) and synonyms[:3] == ["aspirin", "ACETYLSALICYLIC ACID",
                                                           "50-78-2"]  # fmt: skip


async def test_synonyms_of_unknown_name_say_not_found(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        answer = await client.synonyms("srthrthsr")
    assert not isinstance(answer, list) and answer.outcome is Outcome.NOT_FOUND


async def test_autocomplete_suggests_names(standin: PubChemStandin) -> None:
    async with quick_client(standin.url) as client:
        terms = await client.autocomplete("tolu", limit=5)
    assert terms == ["toluol", "toluene"]
    assert standin.seen[0].path == "/rest/autocomplete/compound/tolu/json?limit=5"


async def test_autocomplete_trouble_is_no_suggestions(standin: PubChemStandin) -> None:
    standin.maintenance_next = 1
    async with quick_client(standin.url) as client:
        assert await client.autocomplete("tolu") == []


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENSORTOP_PUBCHEM_URL", "http://127.0.0.1:9/rest/pug/")
    assert resolve_base_url(None) == "http://127.0.0.1:9/rest/pug"
    assert resolve_base_url("http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"


def test_default_base_url_is_pubchem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENSORTOP_PUBCHEM_URL", raising=False)
    assert resolve_base_url(None) == "https://pubchem.ncbi.nlm.nih.gov/rest/pug"


def test_autocomplete_lives_beside_pug_rest() -> None:
    assert (autocomplete_base("https://pubchem.ncbi.nlm.nih.gov/rest/pug")
            == "https://pubchem.ncbi.nlm.nih.gov/rest/autocomplete")  # fmt: skip
