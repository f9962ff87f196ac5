"""The HTTP exchange with PUG REST: one logical request, polite and bounded, with honest failures.

Every request goes through one :class:`RateLimiter` (5 per second in any
window, 400 per minute, a cap on concurrency, PubChem's traffic light), gets a
timeout, and has its answer read whole but capped at :data:`MAX_BODY`.
Redirects are followed by hand, each hop a request of its own through the
limiter. 503, 429 and network errors are retried with backoff, honouring
``Retry-After``. Whatever goes wrong comes back as a :class:`Failure` with an
:class:`Outcome` and a short reason, never as an exception; what an answer
*means* is for ``answers`` to say.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sensortop import __version__
from sensortop.pubchem.answers import fault, load_json, short_reason
from sensortop.pubchem.models import OUTCOME_WORDS, Outcome
from sensortop.pubchem.ratelimit import RateLimiter, parse_retry_after

#: The most of an answer read into memory (after decompression): PubChem's largest
#: answers (thousands of synonyms) are well under a megabyte.
MAX_BODY = 8 * 1024 * 1024
#: Redirects followed per request, each hop a request of its own through the limiter.
MAX_REDIRECTS = 3
#: The one retry a refused connection gets waits at most this long.
REFUSED_RETRY_DELAY = 0.5

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NO_NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})

#: Called with (query, words) while a look-up waits or retries, e.g. "PubChem busy, retrying".
Progress = Callable[[str, str], None]


class _TooLarge(Exception):
    """An answer bigger than :data:`MAX_BODY`."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer, read whole (and bounded) within the request's timeout."""

    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as JSON; ValueError for anything that is not (bad UTF-8, 100,000-deep)."""
        return load_json(self.body)


@dataclass(frozen=True, slots=True)
class Failure:
    """A request that got no usable answer: how it ended, why, after how many attempts."""

    outcome: Outcome
    message: str
    attempts: int


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError under an httpx error (httpx wraps httpcore, which wraps the socket's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    found: OSError | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            found = current  # keep the deepest: "All connection attempts failed" wraps refused
        current = current.__cause__ or current.__context__
    return found


def _classify_transport_error(exc: httpx.TransportError) -> tuple[str, str]:
    """(kind, reason) where kind is "offline", "refused" or "other"; reasons stay short."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "fatal", "unsupported URL scheme"
    if isinstance(exc, httpx.ConnectError):
        cause = _os_error(exc)
        if isinstance(cause, socket.gaierror):
            return "offline", "no network (cannot resolve host)"
        if cause is not None and cause.errno in _NO_NETWORK_ERRNOS:
            return "offline", "no network (host unreachable)"
        if isinstance(cause, ConnectionRefusedError):
            return "refused", "cannot connect to PubChem (connection refused)"
        return "other", short_reason(f"cannot connect to PubChem ({exc or 'connection failed'})")
    return "other", short_reason(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


async def _read_body(response: httpx.Response) -> bytes:
    """The decoded body, refusing more than :data:`MAX_BODY` (a gzip bomb, an endless stream)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class Transport:
    """Sends PUG REST requests through ``limiter``; owns the HTTP client unless given one."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        max_backoff: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.limiter = limiter
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": f"sensortop/{__version__} (PubChem lookup pane)"},
            follow_redirects=False,
        )
        self.requests_sent = 0

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def _backoff_delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))

    async def _request_once(
        self, method: str, url: str, data: dict[str, str] | None
    ) -> httpx.Response | Reply:
        """One request through the limiter, its whole answer read within ``timeout``.

        Redirects are not followed here (a redirect is a request of its own and
        must pass the limiter): a redirect comes back as the unread response.
        """
        async with self.limiter.slot():
            self.requests_sent += 1
            async with asyncio.timeout(self.timeout):
                request = self._http.build_request(method, url, data=data)
                response = await self._http.send(request, stream=True, follow_redirects=False)
                try:
                    if response.status_code in _REDIRECTS and "Location" in response.headers:
                        return response
                    body = await _read_body(response)
                finally:
                    await response.aclose()
        return Reply(response.status_code, response.headers, body)

    async def send(
        self,
        query: str,
        method: str,
        url: str,
        data: dict[str, str] | None = None,
        *,
        progress: Progress | None = None,
        retries: int | None = None,
    ) -> Reply | Failure:
        """One logical request: rate-limited, timed out, retried on 503, 429 and network errors.

        Timeouts are not retried: PubChem already gave the query its time, and
        asking again at once only adds to its load. No network (a name that does
        not resolve) is not retried either, and a refused connection once, quickly.
        Any other trouble with one answer becomes a failure with a reason.
        """
        retries = self.retries if retries is None else retries
        attempt = 0
        hops = 0
        while True:
            attempt += 1
            paused = self.limiter.blocked_for()
            if progress and paused >= 1.0:
                progress(query, f"PubChem asked us to wait, resuming in {paused:.0f} s")
            retry_after: float | None = None
            delay: float | None = None
            try:
                reply = await self._request_once(method, url, data)
            except (TimeoutError, httpx.TimeoutException):
                return Failure(Outcome.TIMEOUT, f"no answer within {self.timeout:g} s", attempt)
            except httpx.TransportError as exc:
                kind, reason = _classify_transport_error(exc)
                failure = Failure(Outcome.NETWORK_ERROR, reason, attempt)
                if kind in ("offline", "fatal"):
                    return failure
                if kind == "refused":
                    retries = min(retries, 1)
                    delay = min(REFUSED_RETRY_DELAY, self._backoff_delay(attempt))
            except httpx.DecodingError:
                return Failure(Outcome.SERVER_ERROR, "answer cannot be decoded", attempt)
            except _TooLarge:
                return Failure(Outcome.SERVER_ERROR,
                               f"answer larger than {MAX_BODY // 2**20} MB", attempt)  # fmt: skip
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return Failure(Outcome.SERVER_ERROR, short_reason(f"bad answer ({exc})"), attempt)
            else:
                retry_after = parse_retry_after(reply.headers.get("Retry-After"))
                self.limiter.observe(reply.headers, retry_after)
                if isinstance(reply, httpx.Response):  # a redirect
                    hops += 1
                    attempt -= 1  # a hop is part of the same attempt
                    follow = self._redirect_target(reply, method, hops)
                    if isinstance(follow, str):
                        return Failure(Outcome.SERVER_ERROR, follow, attempt + 1)
                    url = str(follow)
                    continue
                if reply.status not in (429, 503):
                    return reply
                said = fault(reply.body)
                if said is not None:
                    message = said[1] or said[0]
                elif reply.status == 429:
                    message = "too many requests (HTTP 429)"
                else:
                    message = "PubChem unavailable (HTTP 503, maintenance page)"
                failure = Failure(Outcome.BUSY, message, attempt)
                if retry_after is not None:
                    self.limiter.pause(retry_after)  # holds every caller, not just this one
            if attempt > retries:
                return failure
            if delay is None:
                delay = retry_after if retry_after is not None else self._backoff_delay(attempt)
            if progress:
                words = OUTCOME_WORDS[failure.outcome]
                progress(query, f"{words}, retrying in {delay:.0f} s ({attempt}/{retries})")
            if retry_after is None:
                await asyncio.sleep(delay)  # a Retry-After wait happens in the limiter

    @staticmethod
    def _redirect_target(response: httpx.Response, method: str, hops: int) -> httpx.URL | str:
        """Where a redirect points, or why it is not followed (too many, or a POST turned GET)."""
        if hops > MAX_REDIRECTS:
            return f"too many redirects (more than {MAX_REDIRECTS})"
        if method != "GET" and response.status_code not in (307, 308):
            return f"redirected (HTTP {response.status_code}), not followed for a POST"
        try:
            return response.url.join(response.headers["Location"])
        except (httpx.InvalidURL, ValueError, TypeError):
            return "redirected to an invalid address"
