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
import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import httpx

from sensortop import __version__
from sensortop.pubchem.cache import LookupCache, normalise_query
from sensortop.pubchem.models import OUTCOME_WORDS, Compound, LookupResult, Outcome
from sensortop.pubchem.ratelimit import RateLimiter, parse_retry_after

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


def _fault(response: httpx.Response) -> tuple[str, str] | None:
    """(Code, Message with Details) from a PUG REST Fault body, or None if it is not one."""
    try:
        fault = response.json().get("Fault")
    except (ValueError, AttributeError):
        return None
    if not isinstance(fault, dict) or not isinstance(fault.get("Code"), str):
        return None
    message = str(fault.get("Message") or "")
    details = fault.get("Details")
    if isinstance(details, list) and details:
        extra = "; ".join(str(d) for d in details)
        message = f"{message} ({extra})" if message else extra
    return fault["Code"], message


def _describe_transport_error(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to PubChem ({exc or 'connection refused'})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass(frozen=True, slots=True)
class _Failure:
    outcome: Outcome
    message: str
    attempts: int


class PubChemClient:
    """Async PUG REST client. Use one per application, as an async context manager.

    ``cache=None`` turns caching off; pass a :class:`LookupCache` to keep answers.
    ``limiter`` may be shared with other clients in the same event loop.
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
        self.limiter = limiter or RateLimiter()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": f"sensortop/{__version__} (PubChem lookup pane)"},
            follow_redirects=True,
        )
        self._properties = PROPERTIES
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

    async def _send(
        self,
        query: str,
        method: str,
        url: str,
        data: dict[str, str] | None = None,
        *,
        progress: Progress | None = None,
        retries: int | None = None,
    ) -> httpx.Response | _Failure:
        """One logical request: rate-limited, timed out, retried on 503 and network errors.

        Timeouts are not retried: PubChem already gave the query its time, and
        asking again at once only adds to its load.
        """
        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            attempt += 1
            paused = self.limiter.blocked_for()
            if progress and paused >= 1.0:
                progress(query, f"PubChem asked us to wait, resuming in {paused:.0f} s")
            retry_after: float | None = None
            try:
                async with self.limiter.slot():
                    self.requests_sent += 1
                    async with asyncio.timeout(self.timeout):
                        response = await self._http.request(method, url, data=data)
            except (TimeoutError, httpx.TimeoutException):
                return _Failure(
                    Outcome.TIMEOUT, f"no answer within {self.timeout:g} s", attempt
                )
            except httpx.TransportError as exc:
                failure = _Failure(Outcome.NETWORK_ERROR, _describe_transport_error(exc), attempt)
            else:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self.limiter.observe(response.headers, retry_after)
                if response.status_code != 503:
                    return response
                fault = _fault(response)
                if fault is not None:
                    message = fault[1] or fault[0]
                else:
                    message = "PubChem unavailable (HTTP 503, maintenance page)"
                failure = _Failure(Outcome.BUSY, message, attempt)
                if retry_after is not None:
                    self.limiter.pause(retry_after)  # holds every caller, not just this one
            if attempt > retries:
                return failure
            delay = retry_after if retry_after is not None else self._backoff_delay(attempt)
            if progress:
                words = OUTCOME_WORDS[failure.outcome]
                progress(query, f"{words}, retrying in {delay:.0f} s ({attempt}/{retries})")
            if retry_after is None:
                await asyncio.sleep(delay)  # a Retry-After wait happens in the limiter

    @staticmethod
    def _failure_result(query: str, response: httpx.Response, attempts: int) -> LookupResult:
        """A non-200 answer in words; a 404 is 'not found' only if PubChem itself says so."""
        fault = _fault(response)
        status = response.status_code
        code, message = fault if fault else ("", f"HTTP {status} from {response.url}")
        if status == 404 and code == "PUGREST.NotFound":
            return LookupResult(query, Outcome.NOT_FOUND, message=message, attempts=attempts)
        if status == 400:
            return LookupResult(query, Outcome.BAD_REQUEST, message=message, attempts=attempts)
        if status == 504 or code == "PUGREST.Timeout":
            return LookupResult(query, Outcome.TIMEOUT, message=message, attempts=attempts)
        return LookupResult(query, Outcome.SERVER_ERROR, message=message, attempts=attempts)

    @staticmethod
    def _parse_properties(response: httpx.Response) -> tuple[Compound, ...]:
        table = response.json()["PropertyTable"]["Properties"]
        if not isinstance(table, list) or not table:
            raise ValueError("empty PropertyTable")
        return tuple(Compound.from_pubchem(record) for record in table)

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
            if reply.status_code != 200:
                result = self._failure_result(query, reply, 1)
                if reply.status_code == 400:
                    continue
                return result
            try:
                compounds = self._parse_properties(reply)
            except (ValueError, KeyError, TypeError) as exc:
                return LookupResult(
                    query, Outcome.SERVER_ERROR, message=f"unexpected answer from PubChem: {exc}"
                )
            self._properties = properties
            return LookupResult(query, Outcome.FOUND, compounds)
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
        """Properties of every compound PubChem matches to ``name`` (cached answers first)."""
        key = name.strip()
        if not key:
            return LookupResult(name, Outcome.BAD_REQUEST, message="empty name")
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
        wanted = [int(c) for c in cids]
        query = ",".join(str(c) for c in wanted)
        if not wanted or any(c <= 0 for c in wanted):
            return LookupResult(
                query, Outcome.BAD_REQUEST, message="CIDs must be positive integers"
            )
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
        """Synonyms of the first compound matching ``name``; a LookupResult says why not."""
        key = name.strip()
        if not key:
            return LookupResult(name, Outcome.BAD_REQUEST, message="empty name")
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
        if reply.status_code != 200:
            return self._failure_result(name, reply, 1)
        try:
            info = reply.json()["InformationList"]["Information"]
            synonyms = [str(s) for s in info[0].get("Synonym", [])]
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            return LookupResult(
                name, Outcome.SERVER_ERROR, message=f"unexpected answer from PubChem: {exc}"
            )
        if self.cache is not None:
            await asyncio.to_thread(self.cache.put_synonyms, key, synonyms)
        return synonyms

    async def autocomplete(self, prefix: str, limit: int = 10) -> list[str]:
        """Compound names PubChem suggests for ``prefix``; empty on any trouble (it is a nicety)."""
        prefix = prefix.strip()
        if not prefix:
            return []
        url = f"{self.autocomplete_url}/compound/{quote(prefix, safe='')}/json"
        reply = await self._send(prefix, "GET", f"{url}?limit={int(limit)}", retries=0)
        if isinstance(reply, _Failure) or reply.status_code != 200:
            return []
        return _autocomplete_terms(reply.text)


def _autocomplete_terms(body: str) -> list[str]:
    """Terms from an autocomplete answer, JSON or JSONP (``callback({...})``)."""
    match = _JSONP_RE.match(body)
    try:
        data: Any = json.loads(match.group(1) if match else body)
        terms = data.get("dictionary_terms", {}).get("compound", [])
    except (ValueError, AttributeError):
        return []
    return [t for t in terms if isinstance(t, str)] if isinstance(terms, list) else []
