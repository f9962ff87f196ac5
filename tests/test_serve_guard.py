"""Who may talk to `sensortop serve` (README "sensortop serve"): a real server on 127.0.0.1,
real HTTP and websocket clients presenting foreign Host headers, foreign Origins, no
token, a wrong token and the right one."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sensortop.web.binding import allowed_hosts
from sensortop.web.guard import COOKIE, Guard, split_host
from sensortop.web.server import ViewerServer, start_server
from support import wait_until

TOKEN = "s3cret-token-for-the-test-0123456789"
# What a tab runs here: a process that ends at once (the websocket upgrade is under test).
QUIET = [sys.executable, "-c", "pass"]


class Served:
    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.origin = self.base


@pytest.fixture(params=[None, TOKEN], ids=["loopback", "with-token"])
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Served, str | None]]:
    guard = Guard.of(allowed_hosts("127.0.0.1"), request.param)
    runner, port = await start_server(ViewerServer(QUIET, guard, "t").make_app(),
                                      "127.0.0.1", 0)
    try:
        yield Served(port), request.param
    finally:
        await runner.cleanup()
        gc.collect()  # the tabs' finished processes let go of their pipes on this loop


async def get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http, \
            http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, dict(response.headers), await response.text()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.:{port}x", "", "127.0.0.1:{port}/x", "user@127.0.0.1"])
async def test_a_foreign_host_header_is_refused(served: tuple[Served, str | None],
                                                host: str) -> None:
    server, _ = served
    status, headers, body = await get(server.base + f"/?token={TOKEN}",
                                      Host=host.format(port=server.port))
    assert status == 403 and "unknown Host header" in body
    assert not any(name.lower().startswith("access-control") for name in headers)


async def test_a_request_without_a_host_header_is_refused(
        served: tuple[Served, str | None]) -> None:
    server, _ = served
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.0 403") or answer.startswith(b"HTTP/1.1 403")


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}",
                                  "[::1]:{port}", "localhost"])
async def test_the_loopback_names_are_served_and_no_cors_header_is_ever_sent(
        served: tuple[Served, str | None], host: str) -> None:
    server, token = served
    host = host.format(port=server.port)
    cookie = {"Cookie": f"{COOKIE}={token}"} if token else {}
    status, headers, body = await get(server.base + "/", Host=host, **cookie)
    assert status == 200 and "data-session-websocket-url" in body
    assert f'"ws://{host}/ws"' in body  # the address the browser used, not the bind's
    assert headers["X-Frame-Options"] == "DENY"
    assert not any(name.lower().startswith("access-control") for name in headers)


async def test_a_cross_origin_request_is_refused(served: tuple[Served, str | None]) -> None:
    server, _ = served
    for origin in ("http://evil.example", f"http://localhost:{server.port + 1}",
                   f"http://localhost:{server.port}", f"ftp://127.0.0.1:{server.port}",
                   "null", "http://127.0.0.1"):
        status, headers, _ = await get(server.base + "/static/js/textual.js", Origin=origin)
        assert status == 403, origin
        assert "Access-Control-Allow-Origin" not in headers


async def test_without_or_with_a_wrong_token_the_page_is_refused(
        served: tuple[Served, str | None]) -> None:
    server, token = served
    if token is None:
        status, _, _ = await get(server.base + "/")
        assert status == 200
        return
    for path in ("/", "/?token=", "/?token=s3cret", f"/?token={TOKEN}x", "/static/css/xterm.css"):
        status, _, body = await get(server.base + path)
        assert status == 403 and "no valid token" in body, path
    status, _, _ = await get(server.base + "/", Cookie=f"{COOKIE}=wrong")
    assert status == 403


async def test_the_right_token_is_traded_for_a_strict_cookie_and_the_page_follows(
        served: tuple[Served, str | None]) -> None:
    server, token = served
    if token is None:
        return
    status, headers, _ = await get(server.base + f"/?fontsize=14&token={TOKEN}")
    assert status == 303 and headers["Location"] == "/?fontsize=14"  # out of the address bar
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    status, _, body = await get(server.base + "/?fontsize=14", Cookie=f"{COOKIE}={TOKEN}")
    assert status == 200 and "data-session-websocket-url" in body


async def ws_status(server: Served, query: str = "", **headers: str) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        try:
            async with http.ws_connect(f"{server.base}/ws{query}", headers=headers,
                                       origin=headers.pop("Origin", None)) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_the_websocket_checks_the_origin_and_the_token(
        served: tuple[Served, str | None]) -> None:
    server, token = served
    cookie = {"Cookie": f"{COOKIE}={TOKEN}"}
    assert await ws_status(server, Origin="http://evil.example", **cookie) == 403
    assert await ws_status(server, **cookie) == 403  # no Origin: not from our page
    assert await ws_status(server, Origin=f"http://127.0.0.1:{server.port}", **cookie) == 101
    expected = 101 if token is None else 403
    assert await ws_status(server, Origin=server.origin) == expected
    assert await ws_status(server, Origin=server.origin, Cookie=f"{COOKIE}=nope") == expected
    assert await ws_status(server, f"?token={TOKEN}", Origin=server.origin) == 101


async def test_the_token_is_never_logged(served: tuple[Served, str | None],
                                         caplog: pytest.LogCaptureFixture) -> None:
    server, token = served
    caplog.set_level(logging.DEBUG)
    await get(server.base + f"/?token={TOKEN}", Host="evil.example")
    await get(server.base + f"/?token={TOKEN}", Origin="http://evil.example")
    await get(server.base + f"/?token={TOKEN[:-1]}")
    await get(server.base + f"/?token={TOKEN}")
    refusals = [r.getMessage() for r in caplog.records if r.name == "sensortop.web.guard"]
    assert len(refusals) == (3 if token else 2)
    assert "refused GET / from 127.0.0.1: unknown Host header" in refusals
    assert not any(TOKEN[:12] in r.getMessage() for r in caplog.records)


def test_host_headers_are_parsed_strictly() -> None:
    assert split_host("LocalHost.:8000") == ("localhost", 8000)
    assert split_host("[::1]:80") == ("::1", 80)
    assert split_host("127.0.0.1") == ("127.0.0.1", None)
    for bad in ("a b", "host:port", "h:99999", "h/x", "u@h", "[::1", "h?x", "h#x", "", ".",
                "h:", "h:80:80", "[::1]x", "h\n"):
        assert split_host(bad) is None, bad


def test_the_origin_must_be_the_host_the_browser_used() -> None:
    guard = Guard.of(["plant.example", "localhost"])
    assert guard.same_origin("http://plant.example:8000", "plant.example:8000")
    assert guard.same_origin("https://plant.example", "plant.example")  # a TLS proxy in front
    assert not guard.same_origin("http://plant.example:8001", "plant.example:8000")
    assert not guard.same_origin("http://localhost:8000", "plant.example:8000")
    assert not guard.same_origin("http://plant.example:x", "plant.example:8000")
    assert not guard.same_origin(None, "plant.example:8000")


def test_the_token_comparison_wants_the_whole_token() -> None:
    guard = Guard.of(["localhost"], TOKEN)
    assert guard.token_ok(TOKEN)
    assert not guard.token_ok(TOKEN[:-1]) and not guard.token_ok(TOKEN + "x")
    assert not guard.token_ok(None) and not guard.token_ok("") and not guard.token_ok("\udcff")
    assert Guard.of(["localhost"]).token_ok(None)  # no token set: nothing to present


# A tab's process that ends when told to quit (as a viewer does), so a closed tab ends it.
UNTIL_QUIT = [sys.executable, "-c", "import sys\n"
              "for chunk in iter(lambda: sys.stdin.buffer.read1(4096), b''):\n"
              "    if b'quit' in chunk: break\n"]


async def test_viewers_beyond_the_limit_are_refused_until_a_tab_closes() -> None:
    server = ViewerServer(UNTIL_QUIT, Guard.of(["127.0.0.1"]), "t", max_viewers=1)
    runner, port = await start_server(server.make_app(), "127.0.0.1", 0)
    origin = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            first = await http.ws_connect(f"{origin}/ws", origin=origin)
            await wait_until(lambda: server.viewers == 1)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{origin}/ws", origin=origin)
            assert refused.value.status == 503
            await first.close()
            await wait_until(lambda: server.viewers == 0, message="the first tab's end")
            second = await http.ws_connect(f"{origin}/ws", origin=origin)
            await second.close()
    finally:
        await runner.cleanup()
        gc.collect()
