"""``PubChemClient``: PUG REST look-ups that stay within PubChem's limits and say what went wrong.

The façade the lookup pane and ``sensortop lookup`` use: cached answers first,
then a request through the polite ``transport`` (rate limit, timeout, retries),
its answer read by ``answers``. Results come back as :class:`LookupResult`
values with a distinct :class:`Outcome` instead of exceptions, so one bad name
never sinks a batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from urllib.parse import quote

import httpx

from sensortop.pubchem.answers import (
    autocomplete_terms,
    failure_result,
    property_result,
    short_reason,
    synonyms_result,
)
from sensortop.pubchem.cache import LookupCache, normalise_query
from sensortop.pubchem.models import LookupResult, Outcome, valid_cid
from sensortop.pubchem.ratelimit import RateLimiter
from sensortop.pubchem.routes import (
    DEFAULT_BASE_URL,
    LEGACY_PROPERTIES,
    MAX_PATH_NAME,
    PROPERTIES,
    autocomplete_base,
    cid_route,
    name_problem,
    name_route,
    resolve_base_url,
)
from sensortop.pubchem.sharedwindow import FILE_NAME
from sensortop.pubchem.transport import Failure, Progress, Transport

log = logging.getLogger(__name__)


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
        self.transport = Transport(limiter, timeout=timeout, retries=retries, backoff=backoff,
                                   max_backoff=max_backoff, http=http)
        self._properties: tuple[str, ...] = PROPERTIES

    async def __aenter__(self) -> PubChemClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()

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
            reply = await self.transport.send(
                query, "POST" if form else "GET", url, form, progress=progress
            )
            if isinstance(reply, Failure):
                return LookupResult(query, reply.outcome, message=reply.message,
                                    attempts=reply.attempts)
            if reply.status != 200:
                result = failure_result(query, reply.status, reply.body, 1)
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
                                message=short_reason(f"unexpected error ({type(exc).__name__})"))

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
        path, form = name_route(key)
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
        path, form = cid_route(query, len(wanted))
        return await self._property_request(query, path, form, progress)

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
                                message=short_reason(f"unexpected error ({type(exc).__name__})"))

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
        path, form = name_route(key)
        reply = await self.transport.send(
            name, "POST" if form else "GET", f"{self.base_url}/{path}/synonyms/JSON", form,
            progress=progress,
        )
        if isinstance(reply, Failure):
            return LookupResult(name, reply.outcome, message=reply.message, attempts=reply.attempts)
        if reply.status != 200:
            return failure_result(name, reply.status, reply.body, 1)
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
            reply = await self.transport.send(prefix, "GET", f"{url}?limit={int(limit)}",
                                              retries=0)
        except Exception:  # a nicety must never cost the caller anything
            log.debug("autocomplete failed", exc_info=True)
            return []
        if isinstance(reply, Failure) or reply.status != 200:
            return []
        return autocomplete_terms(reply.body.decode("utf-8", errors="replace"))
