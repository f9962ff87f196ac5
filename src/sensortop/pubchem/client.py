"""``PubChemClient``: PUG REST look-ups that stay within PubChem's limits and say what went wrong.

Every request goes through one :class:`RateLimiter` (5 per second in any
window, 400 per minute, a cap on concurrency, PubChem's traffic light), gets a
timeout, and is retried with backoff on 503 and network errors, honouring
``Retry-After``. Answers come back as :class:`LookupResult` values with a
distinct :class:`Outcome` instead of exceptions, so one bad name never sinks a
batch.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import httpx

from sensortop import __version__
from sensortop.pubchem.cache import LookupCache, normalise_query
from sensortop.pubchem.models import (
    OUTCOME_WORDS,
    Compound,
    LookupResult,
    Outcome,
    clean_text,
    valid_cid,
)
from sensortop.pubchem.ratelimit import RateLimiter, parse_retry_after
from sensortop.pubchem.sharedwindow import FILE_NAME

DEFAULT_BASE_URL = "https://pubchem.ncbi.nlm.nih.gov/rest/pug"
PUBCHEM_URL_ENV = "SENSORTOP_PUBCHEM_URL"

#: Properties asked for, in PubChem's 2025 naming ("SMILES" replaced "IsomericSMILES").
PROPERTIES = ("MolecularFormula", "MolecularWeight", "IUPACName", "SMILES", "InChIKey", "XLogP")
#: The same under the pre-2025 names, for a service that rejects the new ones.
LEGACY_PROPERTIES = tuple("IsomericSMILES" if p == "SMILES" else p for p in PROPERTIES)

#: An encoded name longer than this goes by POST: URLs have length limits on the way.
MAX_PATH_NAME = 1000
#: More CIDs than this go by POST for the same reason.
MAX_PATH_CIDS = 100

#: Called with (query, words) while a look-up waits or retries, e.g. "PubChem busy, retrying".
Progress = Callable[[str, str], None]

log = logging.getLogger(__name__)

_JSONP_RE = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.DOTALL)


def resolve_base_url(url: str | None = None) -> str:
    """The PUG REST base: the argument, else ``$SENSORTOP_PUBCHEM_URL``, else PubChem's own."""
    chosen = url or os.environ.get(PUBCHEM_URL_ENV) or DEFAULT_BASE_URL
    return chosen.rstrip("/")


def autocomplete_base(base_url: str) -> str:
    """PubChem serves autocomplete beside PUG REST: ``rest/pug`` -> ``rest/autocomplete``."""
    base = base_url.rstrip("/")
    if base.endswith("/pug"):
        return base[: -len("/pug")] + "/autocomplete"
    return base + "/autocomplete"


#: The most of an answer read into memory (after decompression): PubChem's largest
#: answers (thousands of synonyms) are well under a megabyte.
MAX_BODY = 8 * 1024 * 1024
#: Redirects followed per request, each hop a request of its own through the limiter.
MAX_REDIRECTS = 3
#: Reasons are shown in a narrow pane row: a server's message is cut to this.
MAX_REASON = 120
#: The one retry a refused connection gets waits at most this long.
REFUSED_RETRY_DELAY = 0.5

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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


def load_json(body: bytes | str) -> Any:
    """``json.loads`` whose every failure is a ValueError (deep nesting raises RecursionError)."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _short(text: str) -> str:
    return clean_text(text, MAX_REASON)


def _fault(reply: Reply) -> tuple[str, str] | None:
    """(Code, Message with Details) from a PUG REST Fault body, or None if it is not one."""
    try:
        body = reply.json()
    except ValueError:
        return None
    fault = body.get("Fault") if isinstance(body, dict) else None
    if not isinstance(fault, dict) or not isinstance(fault.get("Code"), str):
        return None
    message = fault.get("Message")
    message = message if isinstance(message, str) else ""
    details = fault.get("Details")
    if isinstance(details, list) and details:
        extra = "; ".join(d for d in details[:5] if isinstance(d, str))
        if extra:
            message = f"{message} ({extra})" if message else extra
    return _short(fault["Code"]), _short(message)


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


_NO_NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})


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
        return "other", _short(f"cannot connect to PubChem ({exc or 'connection failed'})")
    return "other", _short(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


@dataclass(frozen=True, slots=True)
class _Failure:
    outcome: Outcome
    message: str
    attempts: int


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


class PubChemClient:
    """Async PUG REST client. Use one per application, as an async context manager.

    ``cache=None`` turns caching off; pass a :class:`LookupCache` to keep answers.
    ``limiter`` may be shared with other clients in the same event loop; without
    one, the limits are kept together with every process using the same cache folder.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache: LookupCache | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 15.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        autocomplete_url: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.autocomplete_url = (autocomplete_url or autocomplete_base(self.base_url)).rstrip("/")
        # Answers are kept per service: PubChem's own under the unscoped keys.
        scope = "" if self.base_url == DEFAULT_BASE_URL else self.base_url
        self.cache = cache.scoped(scope) if cache is not None else None
        if limiter is None:
            # PubChem's limit is per machine: processes sharing the cache folder share it.
            shared = cache.path / FILE_NAME if cache is not None else None
            limiter = RateLimiter(shared=shared)
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
        self._properties: tuple[str, ...] = PROPERTIES
        self.requests_sent = 0

    async def __aenter__(self) -> PubChemClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- sending ----------------------------------------------------------------

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

    async def _send(
        self,
        query: str,
        method: str,
        url: str,
        data: dict[str, str] | None = None,
        *,
        progress: Progress | None = None,
        retries: int | None = None,
    ) -> Reply | _Failure:
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
                return _Failure(Outcome.TIMEOUT, f"no answer within {self.timeout:g} s", attempt)
            except httpx.TransportError as exc:
                kind, reason = _classify_transport_error(exc)
                failure = _Failure(Outcome.NETWORK_ERROR, reason, attempt)
                if kind in ("offline", "fatal"):
                    return failure
                if kind == "refused":
                    retries = min(retries, 1)
                    delay = min(REFUSED_RETRY_DELAY, self._backoff_delay(attempt))
            except httpx.DecodingError:
                return _Failure(Outcome.SERVER_ERROR, "answer cannot be decoded", attempt)
            except _TooLarge:
                return _Failure(Outcome.SERVER_ERROR,
                                f"answer larger than {MAX_BODY // 2**20} MB", attempt)  # fmt: skip
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return _Failure(Outcome.SERVER_ERROR, _short(f"bad answer ({exc})"), attempt)
            else:
                retry_after = parse_retry_after(reply.headers.get("Retry-After"))
                self.limiter.observe(reply.headers, retry_after)
                if isinstance(reply, httpx.Response):  # a redirect
                    hops += 1
                    attempt -= 1  # a hop is part of the same attempt
                    follow = self._redirect_target(reply, method, hops)
                    if isinstance(follow, str):
                        return _Failure(Outcome.SERVER_ERROR, follow, attempt + 1)
                    url = str(follow)
                    continue
                if reply.status not in (429, 503):
                    return reply
                fault = _fault(reply)
                if fault is not None:
                    message = fault[1] or fault[0]
                elif reply.status == 429:
                    message = "too many requests (HTTP 429)"
                else:
                    message = "PubChem unavailable (HTTP 503, maintenance page)"
                failure = _Failure(Outcome.BUSY, message, attempt)
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

    @staticmethod
    def _failure_result(query: str, reply: Reply, attempts: int) -> LookupResult:
        """A non-200 answer in words; a 404 is 'not found' only if PubChem itself says so."""
        fault = _fault(reply)
        status = reply.status
        code, message = fault if fault else ("", f"HTTP {status}")
        if status == 404 and code == "PUGREST.NotFound":
            return LookupResult(query, Outcome.NOT_FOUND, message=message, attempts=attempts)
        if status == 400:
            return LookupResult(query, Outcome.BAD_REQUEST, message=message, attempts=attempts)
        if status == 504 or code == "PUGREST.Timeout":
            return LookupResult(query, Outcome.TIMEOUT, message=message, attempts=attempts)
        return LookupResult(query, Outcome.SERVER_ERROR, message=message, attempts=attempts)

    async def _property_request(
        self, query: str, path: str, form: dict[str, str] | None, progress: Progress | None
    ) -> LookupResult:
        """GET (or POST with ``form``) ``<base>/<path>/property/<props>/JSON``, parsed.

        A 400 while asking for the 2025 property names is retried once with the
        pre-2025 names; if that works, the client keeps using them.
        """
        names_to_try = [self._properties]
        if self._properties == PROPERTIES:
            names_to_try.append(LEGACY_PROPERTIES)
        result: LookupResult | None = None
        for properties in names_to_try:
            url = f"{self.base_url}/{path}/property/{','.join(properties)}/JSON"
            reply = await self._send(
                query, "POST" if form else "GET", url, form, progress=progress
            )
            if isinstance(reply, _Failure):
                return LookupResult(query, reply.outcome, message=reply.message,
                                    attempts=reply.attempts)
            if reply.status != 200:
                result = self._failure_result(query, reply, 1)
                if reply.status == 400:
                    continue
                return result
            result = property_result(query, reply.status, reply.body)
            if result.outcome is Outcome.FOUND:
                self._properties = properties
            return result
        assert result is not None
        return result

    # -- public look-ups ----------------------------------------------------------

    @staticmethod
    def _name_route(name: str) -> tuple[str, dict[str, str] | None]:
        """Path and form for a name: in the path percent-encoded, or POSTed when it cannot be.

        A ``/`` cannot travel in a path (servers refuse %2F), nor can a name of
        only dots (``..`` would be collapsed), nor a very long one.
        """
        encoded = quote(name, safe="")
        if "/" in name or set(name) == {"."} or len(encoded) > MAX_PATH_NAME:
            return "compound/name", {"name": name}
        return f"compound/name/{encoded}", None

    async def lookup(self, name: str, progress: Progress | None = None) -> LookupResult:
        """Properties of every compound PubChem matches to ``name`` (cached answers first).

        Never raises (but for cancellation): whatever goes wrong for this name
        becomes its result with a reason, so one name never sinks a batch.
        """
        try:
            return await self._lookup(name, progress)
        except Exception as exc:  # a bug or an answer nobody foresaw: this name's failure only
            log.warning("PubChem look-up of %r failed unexpectedly", name, exc_info=True)
            return LookupResult(name, Outcome.SERVER_ERROR,
                                message=_short(f"unexpected error ({type(exc).__name__})"))

    async def _lookup(self, name: str, progress: Progress | None) -> LookupResult:
        key = name.strip()
        if not key:
            return LookupResult(name, Outcome.BAD_REQUEST, message="empty name")
        problem = name_problem(key)
        if problem:
            return LookupResult(name, Outcome.BAD_REQUEST, message=problem)
        if self.cache is not None:
            cached = await asyncio.to_thread(self.cache.get, key)
            if cached is not None:
                return replace(cached, query=name)
        path, form = self._name_route(key)
        result = await self._property_request(name, path, form, progress)
        if self.cache is not None and result.is_answer:
            await asyncio.to_thread(self.cache.put, replace(result, query=key))
        return result

    async def lookup_cids(
        self, cids: Iterable[int], progress: Progress | None = None
    ) -> LookupResult:
        """Properties of several CIDs in one request (POSTed when the list is long)."""
        given = list(cids)
        if not given or not all(valid_cid(c) for c in given):
            query = ",".join(str(c) if valid_cid(c) else "?" for c in given[:20])
            return LookupResult(
                query, Outcome.BAD_REQUEST, message="CIDs must be positive integers"
            )
        wanted = [int(c) for c in given]
        query = ",".join(str(c) for c in wanted)
        if len(wanted) > MAX_PATH_CIDS:
            return await self._property_request(query, "compound/cid", {"cid": query}, progress)
        return await self._property_request(query, f"compound/cid/{query}", None, progress)

    async def lookup_many(
        self, names: Iterable[str], progress: Progress | None = None
    ) -> AsyncIterator[LookupResult]:
        """Look ``names`` up concurrently and yield each result as soon as it is in.

        Repeats (ignoring case) cost one request; every input name still gets
        its own result. Stopping the iteration cancels what is still running.
        """
        groups: dict[str, list[str]] = {}
        for name in names:
            groups.setdefault(normalise_query(name), []).append(name)
        tasks = [
            asyncio.ensure_future(self.lookup(group[0], progress)) for group in groups.values()
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                result = await next_done
                for name in groups[normalise_query(result.query)]:
                    yield replace(result, query=name)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def synonyms(
        self, name: str, progress: Progress | None = None
    ) -> LookupResult | list[str]:
        """Synonyms of the first compound matching ``name``; a LookupResult says why not.

        Never raises (but for cancellation), like :meth:`lookup`.
        """
        try:
            return await self._synonyms(name, progress)
        except Exception as exc:
            log.warning("PubChem synonyms of %r failed unexpectedly", name, exc_info=True)
            return LookupResult(name, Outcome.SERVER_ERROR,
                                message=_short(f"unexpected error ({type(exc).__name__})"))

    async def _synonyms(
        self, name: str, progress: Progress | None
    ) -> LookupResult | list[str]:
        key = name.strip()
        if not key:
            return LookupResult(name, Outcome.BAD_REQUEST, message="empty name")
        problem = name_problem(key)
        if problem:
            return LookupResult(name, Outcome.BAD_REQUEST, message=problem)
        if self.cache is not None:
            cached = await asyncio.to_thread(self.cache.get_synonyms, key)
            if cached is not None:
                return cached
        path, form = self._name_route(key)
        reply = await self._send(
            name, "POST" if form else "GET", f"{self.base_url}/{path}/synonyms/JSON", form,
            progress=progress,
        )
        if isinstance(reply, _Failure):
            return LookupResult(name, reply.outcome, message=reply.message, attempts=reply.attempts)
        if reply.status != 200:
            return self._failure_result(name, reply, 1)
        synonyms = synonyms_result(name, reply.body)
        if isinstance(synonyms, LookupResult):
            return synonyms
        if self.cache is not None:
            await asyncio.to_thread(self.cache.put_synonyms, key, synonyms)
        return synonyms

    async def autocomplete(self, prefix: str, limit: int = 10) -> list[str]:
        """Compound names PubChem suggests for ``prefix``; empty on any trouble (it is a nicety)."""
        prefix = prefix.strip()
        if not prefix or name_problem(prefix) or len(prefix) > MAX_PATH_NAME:
            return []
        url = f"{self.autocomplete_url}/compound/{quote(prefix, safe='')}/json"
        try:
            reply = await self._send(prefix, "GET", f"{url}?limit={int(limit)}", retries=0)
        except Exception:  # a nicety must never cost the caller anything
            log.debug("autocomplete failed", exc_info=True)
            return []
        if isinstance(reply, _Failure) or reply.status != 200:
            return []
        return _autocomplete_terms(reply.body.decode("utf-8", errors="replace"))


def name_problem(name: str) -> str:
    """Why ``name`` cannot be sent to PubChem, or "" when it can.

    A name read from a command line that is not UTF-8 holds lone surrogates,
    which no URL, form or cache key can carry.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8 text"
    return ""


def property_result(query: str, status: int, body: bytes) -> LookupResult:
    """The look-up result a PUG REST property answer means, whatever its body holds.

    Never raises: a body that is not the expected ``PropertyTable`` is a
    ``server_error`` with a short reason.
    """
    if status != 200:
        return PubChemClient._failure_result(query, Reply(status, httpx.Headers(), body), 1)
    try:
        data = load_json(body)
    except ValueError:
        return LookupResult(query, Outcome.SERVER_ERROR, message="unexpected answer (not JSON)")
    table = data.get("PropertyTable") if isinstance(data, dict) else None
    records = table.get("Properties") if isinstance(table, dict) else None
    if not isinstance(records, list):
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (no PropertyTable)")  # fmt: skip
    if not records:
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (empty PropertyTable)")  # fmt: skip
    try:
        compounds = tuple(Compound.from_pubchem(record) for record in records)
    except ValueError as exc:
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message=_short(f"unexpected answer ({exc})"))  # fmt: skip
    return LookupResult(query, Outcome.FOUND, compounds)


def synonyms_result(query: str, body: bytes) -> list[str] | LookupResult:
    """The synonyms in a 200 synonyms answer, or a ``server_error`` saying what was wrong."""
    try:
        data = load_json(body)
    except ValueError:
        return LookupResult(query, Outcome.SERVER_ERROR, message="unexpected answer (not JSON)")
    info_list = data.get("InformationList") if isinstance(data, dict) else None
    info = info_list.get("Information") if isinstance(info_list, dict) else None
    first = info[0] if isinstance(info, list) and info else None
    synonyms = first.get("Synonym", []) if isinstance(first, dict) else None
    if not isinstance(synonyms, list):
        return LookupResult(query, Outcome.SERVER_ERROR,
                            message="unexpected answer (no InformationList)")  # fmt: skip
    return [clean_text(s) for s in synonyms if isinstance(s, str) and s]


def _autocomplete_terms(body: str) -> list[str]:
    """Terms from an autocomplete answer, JSON or JSONP (``callback({...})``)."""
    match = _JSONP_RE.match(body)
    try:
        data: Any = load_json(match.group(1) if match else body)
    except ValueError:
        return []
    found = data.get("dictionary_terms") if isinstance(data, dict) else None
    terms = found.get("compound") if isinstance(found, dict) else None
    if not isinstance(terms, list):
        return []
    return [clean_text(t, 200) for t in terms if isinstance(t, str) and t]
