"""The http source against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from peers import EngineRun, HttpPeer, neighbour, peer_loss_scenario, spec
from sensortop.sources import SourceError
from sensortop.sources.http import HttpSource


@pytest.fixture
def peer() -> Iterator[HttpPeer]:
    server = HttpPeer()
    server.set_json("/reactor", {"data": {"temp": 151.5}, "items": [{"value": 3}, {"value": 4}]})
    server.start()
    yield server
    server.stop()


async def read(peer: HttpPeer, route: str = "/reactor", **options: object) -> float:
    source = HttpSource(spec("h", "http", url=peer.base + route, **options))
    async with source:
        return await source.read()


async def test_value_is_taken_by_a_dotted_path(peer: HttpPeer) -> None:
    assert await read(peer, path="data.temp") == 151.5


async def test_dotted_path_indexes_lists(peer: HttpPeer) -> None:
    assert await read(peer, path="items.1.value") == 4.0


async def test_a_bare_number_body_needs_no_path(peer: HttpPeer) -> None:
    peer.set_raw("/plain", b"42.25\n")
    assert await read(peer, "/plain") == 42.25


async def test_headers_and_method_are_sent(peer: HttpPeer) -> None:
    await read(peer, path="data.temp", method="POST", headers={"X-Token": "abc"}, body="{}")
    method, _, headers = peer.requests[-1]
    assert method == "POST" and headers.get("X-Token") == "abc"


async def test_non_2xx_status_is_an_error_with_the_status(peer: HttpPeer) -> None:
    peer.set_json("/busy", {"error": "overloaded"}, status=503)
    with pytest.raises(SourceError, match="HTTP 503"):
        await read(peer, "/busy", path="x")


async def test_bad_json_is_an_error_that_says_so(peer: HttpPeer) -> None:
    peer.set_raw("/broken", b"{not json")
    with pytest.raises(SourceError, match="not JSON"):
        await read(peer, "/broken", path="x")


async def test_missing_path_names_the_missing_key(peer: HttpPeer) -> None:
    with pytest.raises(SourceError, match="no key 'pressure'"):
        await read(peer, path="data.pressure")


async def test_list_index_out_of_range_is_an_error(peer: HttpPeer) -> None:
    with pytest.raises(SourceError, match="out of range"):
        await read(peer, path="items.5.value")


async def test_non_numeric_value_is_an_error(peer: HttpPeer) -> None:
    peer.set_json("/text", {"v": "hot"})
    with pytest.raises(SourceError, match="not a number"):
        await read(peer, "/text", path="v")


async def test_refused_connection_is_an_error_naming_the_url(peer: HttpPeer) -> None:
    peer.stop()
    with pytest.raises(SourceError, match="cannot connect"):
        await read(peer, path="data.temp")


async def test_server_lost_and_back_in_the_engine(peer: HttpPeer, tmp_path) -> None:
    sensor = spec("reactor", "http", url=peer.base + "/reactor", path="data.temp",
                  interval=0.05, timeout=1.0)
    async with EngineRun([sensor, neighbour()], tmp_path) as run:
        await peer_loss_scenario(run, "reactor", peer.stop, peer.start,
                                 expect=lambda v: v == 151.5)
    statuses = {line["status"] for line in run.log_lines() if line["sensor"] == "reactor"}
    assert statuses == {"ok", "error"}
