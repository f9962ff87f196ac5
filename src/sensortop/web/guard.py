"""Who may talk to ``sensortop serve``: the Host header, the Origin and the token.

One aiohttp middleware in front of every route (README "sensortop serve"). It learns
from glances' web UI, which shipped CVEs for unauthenticated cross-origin reads, DNS
rebinding and a CORS wildcard:

- the Host header must name this server (a bound address, a loopback name for a
  loopback bind, or a name given with ``--allow-host``): a rebound DNS name is refused
  with 403 before anything is served;
- a request carrying an Origin (every browser websocket, every cross-site fetch) must
  come from this very origin; a websocket upgrade without one is refused;
- no CORS headers at all, so no other site's script may read a response;
- with a token, every request presents it - once in the page's ``?token=``, which is
  traded for an HttpOnly SameSite=Strict cookie and redirected away from the address
  bar - compared in constant time, and never written to a log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

log = logging.getLogger(__name__)

COOKIE = "sensortop_token"
TOKEN_PARAM = "token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",  # no other page may frame the dashboard and steer it
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_HOST = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))"
                   r"(?::(?P<port>[0-9]{1,5}))?")


def split_host(value: str) -> tuple[str, int | None] | None:
    """``name[:port]`` or ``[v6][:port]`` -> (lower-case name without a final dot, port);
    None for anything else (a Host header is attacker-controlled text)."""
    found = _HOST.fullmatch(value)
    if found is None:
        return None
    port = int(found["port"]) if found["port"] else None
    if port is not None and port > 65535:
        return None
    name = (found["v6"] or found["name"]).rstrip(".").lower()
    return (name, port) if name else None


@dataclass(frozen=True, slots=True)
class Guard:
    """The names this server answers to, and the token it asks for (None: no token)."""

    allowed_hosts: frozenset[str]
    token: str | None = None

    @classmethod
    def of(cls, hosts: Iterable[str], token: str | None = None) -> Guard:
        names = frozenset(h.strip("[]").rstrip(".").lower() for h in hosts)
        return cls(names, token or None)

    def host_allowed(self, header: str | None) -> bool:
        parsed = split_host(header) if header else None
        return parsed is not None and parsed[0] in self.allowed_hosts

    def same_origin(self, origin: str | None, host_header: str) -> bool:
        """The Origin is this server as the browser reached it: the name and port of the
        (already checked) Host header. Either scheme: behind a TLS proxy the page is https
        while the Host is the proxy's; one port cannot be two servers."""
        if not origin:
            return False
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        default = 443 if parts.scheme == "https" else 80
        host = split_host(host_header)
        return host is not None and (parts.hostname.rstrip(".").lower(), port or default) \
            == (host[0], host[1] or default)

    def token_ok(self, presented: str | None) -> bool:
        """Constant time (digests of equal length: not even the length leaks); True when
        no token is set."""
        if self.token is None:
            return True
        if presented is None:
            return False
        given = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        return hmac.compare_digest(given, hashlib.sha256(self.token.encode()).digest())

    def middleware(self) -> Middleware:
        """The aiohttp middleware enforcing all of the above, in that order."""

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            host = request.headers.get(hdrs.HOST)
            if not self.host_allowed(host):
                return _refuse(request, "unknown Host header")
            assert host is not None
            origin = request.headers.get(hdrs.ORIGIN)
            upgrade = request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"
            if (origin is not None or upgrade) and not self.same_origin(origin, host):
                return _refuse(request, "cross-origin request" if origin else
                               "websocket without an Origin")
            if self.token is not None and not self.token_ok(request.cookies.get(COOKIE)):
                if not self.token_ok(request.query.get(TOKEN_PARAM)):
                    return _refuse(request, "no valid token")
                if not upgrade and request.method in ("GET", "HEAD"):
                    return _trade_for_cookie(request, self.token)
            response = await handler(request)
            if not response.prepared:  # a websocket has sent its headers already
                response.headers.update(SECURITY_HEADERS)
            return response

        return guard


def _refuse(request: web.Request, reason: str) -> web.Response:
    # The path only: a query may hold a (wrong, or someone else's) token.
    log.warning("refused %s %s from %s: %s", request.method, request.path,
                request.remote or "?", reason)
    return web.Response(status=403, text=f"403 forbidden: {reason}\n",
                        headers=SECURITY_HEADERS)


def _trade_for_cookie(request: web.Request, token: str) -> web.Response:
    """The page's ``?token=``: set the cookie, and send the browser to the same address
    without the token, so it stays out of the address bar, history and Referer."""
    query = request.rel_url.query.copy()
    query.popall(TOKEN_PARAM, None)
    location = request.rel_url.with_query(query)
    response = web.Response(status=303, headers={**SECURITY_HEADERS,
                                                 hdrs.LOCATION: str(location)})
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
    return response
