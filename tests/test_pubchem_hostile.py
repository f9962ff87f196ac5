"""Answers and networks nobody planned for: each is one name's outcome, never the batch's.

Broken answers come from the stand-in's ``broken_names`` (a proxy, a captive
portal or a broken mirror may answer so); offline is an unresolvable ``.invalid``
host, which never touches the internet.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from pubchem_standin import PubChemStandin
from sensortop.pubchem import LookupResult, Outcome, PubChemClient
from sensortop.pubchem.ratelimit import (
    MAX_RETRY_AFTER,
    ThrottleLevel,
    parse_retry_after,
    parse_throttling_control,
)
from sensortop.pubchem.transport import MAX_REDIRECTS
from support import max_in_window

pytest_plugins = ["pubchem_fixtures"]

GOOD = ["water", "ethanol", "caffeine"]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def quick_client(url: str, **kwargs: object) -> PubChemClient:
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("timeout", 5.0)
    return PubChemClient(url, **kwargs)  # type: ignore[arg-type]


async def batch(client: PubChemClient, names: list[str]) -> dict[str, LookupResult]:
    return {r.query: r async for r in client.lookup_many(names)}



@pytest.mark.parametrize(
    ("kind", "outcome", "words"),
    [
        ("properties_not_objects", Outcome.SERVER_ERROR, "not an object"),
        ("redirect_loop", Outcome.SERVER_ERROR, "too many redirects"),
        ("bad_gzip", Outcome.SERVER_ERROR, "cannot be decoded"),
        ("html_200", Outcome.SERVER_ERROR, "not JSON"),
        ("not_utf8", Outcome.SERVER_ERROR, "not JSON"),
        ("deep_json", Outcome.SERVER_ERROR, "not JSON"),
        ("huge", Outcome.SERVER_ERROR, "larger than 8 MB"),
        ("huge_cid", Outcome.SERVER_ERROR, "valid CID"),
        ("trickle", Outcome.TIMEOUT, "no answer within 1 s"),
    ],
)
async def test_a_broken_answer_is_that_names_failure_and_the_batch_goes_on(
    standin: PubChemStandin, kind: str, outcome: Outcome, words: str
) -> None:
    standin.broken_names = {"broken": kind}
    async with quick_client(standin.url, timeout=1.0) as client:
        results = await batch(client, ["broken", *GOOD])
    assert results["broken"].outcome is outcome
    assert words in results["broken"].message
    assert len(results["broken"].describe()) <= 140  # a reason, not a dump of the answer
    assert {name: results[name].outcome for name in GOOD} == dict.fromkeys(GOOD, Outcome.FOUND)


async def test_a_redirect_is_followed_through_the_limiter(standin: PubChemStandin) -> None:
    standin.broken_names = {"water": "redirect_once"}
    async with quick_client(standin.url) as client:
        result = await client.lookup("water")
        assert client.limiter.granted == 2  # the hop was a request of its own
    assert result.outcome is Outcome.FOUND and result.compound is not None
    assert standin.statuses() == [302, 200]


async def test_redirect_loops_stay_within_five_requests_a_second(
    standin: PubChemStandin,
) -> None:
    """Redirects once bypassed the limiter: a loop sent 63 requests in one second."""
    loops = ["loop one", "loop two", "loop three"]
    standin.broken_names = dict.fromkeys(loops, "redirect_loop")
    async with quick_client(standin.url) as client:
        results = await batch(client, [*loops, *GOOD])
    assert {results[n].outcome for n in loops} == {Outcome.SERVER_ERROR}
    assert {results[n].outcome for n in GOOD} == {Outcome.FOUND}
    assert standin.request_count == len(loops) * (1 + MAX_REDIRECTS) + len(GOOD)
    assert 503 not in standin.statuses()
    assert max_in_window([s.at for s in standin.seen]) <= 5


async def test_terminal_escapes_in_an_answer_never_reach_the_screen(
    standin: PubChemStandin,
) -> None:
    standin.broken_names = {"caffeine": "escapes"}
    async with quick_client(standin.url) as client:
        result = await client.lookup("caffeine")
    compound = result.compound
    assert result.outcome is Outcome.FOUND and compound is not None
    assert compound.iupac_name is not None and compound.molecular_formula is not None
    assert not CONTROL.search(compound.iupac_name + compound.molecular_formula)
    assert "caffeine" in compound.iupac_name


async def test_unresolvable_host_fails_at_once_saying_there_is_no_network() -> None:
    said: list[str] = []
    async with quick_client("http://nosuchhost.invalid/rest/pug", retries=4) as client:
        result = await client.lookup("water", progress=lambda _q, words: said.append(words))
    assert result.outcome is Outcome.NETWORK_ERROR
    assert result.describe() == "network error: no network (cannot resolve host)"
    assert result.attempts == 1 and said == []  # no retries, no "retrying in" messages


async def test_refused_connection_gets_one_quick_retry(refused_url: str) -> None:
    async with quick_client(refused_url, retries=4, backoff=30.0) as client:
        result = await asyncio.wait_for(client.lookup("water"), timeout=20)
    assert result.outcome is Outcome.NETWORK_ERROR
    assert result.message == "cannot connect to PubChem (connection refused)"
    assert result.attempts == 2


async def test_retry_after_nan_falls_back_to_backoff(standin: PubChemStandin) -> None:
    standin.busy_next = 1
    standin.retry_after = "nan"
    async with quick_client(standin.url) as client:
        result = await client.lookup("benzene")
        assert client.limiter.blocked_for() == 0.0
    assert result.outcome is Outcome.FOUND
    assert standin.statuses() == [503, 200]


@pytest.mark.parametrize(
    "name",
    ["a/b/../../c", "..", ".", "%2F%2e%2e", "what?is=this#frag", "nul\x00byte", "x" * 10_000,
     "naïve/ünïcode", "\\", "  spaced  "],
)
async def test_awkward_names_arrive_intact(standin: PubChemStandin, name: str) -> None:
    standin.add_name(name, 2519)
    async with quick_client(standin.url) as client:
        result = await client.lookup(name)
    assert result.outcome is Outcome.FOUND, result.message
    assert standin.seen[0].name is not None
    assert standin.seen[0].name.strip() == name.strip()


async def test_name_that_is_not_utf8_is_a_bad_request_without_asking(
    standin: PubChemStandin,
) -> None:
    name = b"caf\xe9".decode("utf-8", errors="surrogateescape")  # as argv delivers it
    async with quick_client(standin.url) as client:
        result = await client.lookup(name)
    assert result.outcome is Outcome.BAD_REQUEST
    assert result.message == "name is not valid UTF-8 text"
    assert standin.request_count == 0


async def test_an_unforeseen_exception_is_that_names_outcome(
    standin: PubChemStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with quick_client(standin.url) as client:
        original = client._property_request

        async def explode(query: str, *args: object) -> LookupResult:
            if query == "water":
                raise KeyError("a bug nobody foresaw")
            return await original(query, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(client, "_property_request", explode)
        results = await batch(client, ["water", "ethanol"])
    assert results["water"].outcome is Outcome.SERVER_ERROR
    assert results["water"].message == "unexpected error (KeyError)"
    assert results["ethanol"].outcome is Outcome.FOUND


async def test_429_from_a_proxy_is_busy_and_retried(standin: PubChemStandin) -> None:
    standin.broken_names = {"water": "too_many_requests"}
    async with quick_client(standin.url, retries=1) as client:
        result = await client.lookup("water")
    assert result.outcome is Outcome.BUSY
    assert result.message == "too many requests (HTTP 429)"
    assert standin.statuses() == [429, 429]


@pytest.mark.parametrize("cids", [["x"], [10**5000], [True], [1.5], [-3], [2**60]])
async def test_cids_that_are_not_cids_are_a_bad_request_without_asking(
    standin: PubChemStandin, cids: list[object]
) -> None:
    async with quick_client(standin.url) as client:
        result = await client.lookup_cids(cids)  # type: ignore[arg-type]
    assert result.outcome is Outcome.BAD_REQUEST
    assert standin.request_count == 0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("nan", None), ("NaN", None), ("inf", None), ("garbage", None), ("", None),
        ("1_0", None), ("0x10", None), ("-5", 0.0), ("3", 3.0), ("2.5", 2.5),
        ("999999999999", MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),  # an HTTP date far ahead
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # one in the past
        ("Mon, 01 Jan 99999 00:00:00 GMT", None),  # a year datetime cannot hold
        ("9" * 10_000, None),
    ],
)
def test_retry_after_is_bounded_and_garbage_ignored(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("Request Count status: Purple (999%)", None),
        ("\x00\xff garbage", None),
        ("green" * 10_000, None),  # no word boundary: not a status
        ("Request Count status: Green (0%), Service status: red (80%)", ThrottleLevel.RED),
        ("x" * 100_000 + " Black", ThrottleLevel.BLACK),
    ],
)
def test_throttling_header_garbage_is_read_safely(value: str, level: ThrottleLevel | None) -> None:
    assert parse_throttling_control(value) is level


@pytest.mark.parametrize("kind", ["properties_not_objects", "html_200", "bad_gzip", "deep_json"])
async def test_a_broken_synonyms_answer_is_a_reason(standin: PubChemStandin, kind: str) -> None:
    standin.broken_names = {"aspirin": kind}
    async with quick_client(standin.url) as client:
        answer = await client.synonyms("aspirin")
    assert isinstance(answer, LookupResult) and answer.outcome is Outcome.SERVER_ERROR


async def test_an_unforeseen_exception_in_synonyms_is_a_reason(
    standin: PubChemStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with quick_client(standin.url) as client:

        async def explode(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug nobody foresaw")

        monkeypatch.setattr(client.transport, "send", explode)
        answer = await client.synonyms("aspirin")
    assert isinstance(answer, LookupResult)
    assert answer.message == "unexpected error (RuntimeError)"
