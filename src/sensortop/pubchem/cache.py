"""On-disk cache of PubChem answers, so a repeated look-up costs PubChem nothing.

One small JSON file per query, written atomically (temp file + rename), so two
sensortop processes can share the folder and a crash never leaves a half entry
that is trusted. An unreadable, corrupt or expired file is a miss, never an
error. Only answers are cached (found and not found), never failures.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from sensortop.pubchem.models import Compound, LookupResult, Outcome

log = logging.getLogger(__name__)

CACHE_ENV = "SENSORTOP_CACHE_DIR"
FORMAT_VERSION = 1
FOUND_TTL = 30 * 24 * 3600.0  # properties of a known compound rarely change
NOT_FOUND_TTL = 24 * 3600.0  # PubChem adds names daily


def default_cache_dir() -> Path:
    """``$SENSORTOP_CACHE_DIR/pubchem`` if set, else the user's cache folder."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path(platformdirs.user_cache_dir("sensortop"))
    return base / "pubchem"


def normalise_query(query: str) -> str:
    """PubChem matches names case-insensitively; so does the cache key."""
    return unicodedata.normalize("NFC", query).strip().casefold()


class LookupCache:
    """Answers by query, with separate expiries for found and not found.

    ``scope`` keeps apart the answers of different services sharing one folder
    (a local mirror or a test stand-in must not answer for PubChem itself);
    the empty scope is PubChem's own.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        found_ttl: float = FOUND_TTL,
        not_found_ttl: float = NOT_FOUND_TTL,
        clock: Callable[[], float] = time.time,
        scope: str = "",
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_cache_dir()
        self.found_ttl = found_ttl
        self.not_found_ttl = not_found_ttl
        self.scope = scope
        self._write_failed = False
        self._clock = clock

    def scoped(self, scope: str) -> LookupCache:
        """The same folder and expiries, holding only the answers of service ``scope``."""
        return LookupCache(self.path, found_ttl=self.found_ttl, not_found_ttl=self.not_found_ttl,
                           clock=self._clock, scope=scope)

    def _file(self, kind: str, key: str) -> Path:
        scoped = f"{kind}\0{self.scope}\0{key}" if self.scope else f"{kind}\0{key}"
        digest = hashlib.sha256(scoped.encode()).hexdigest()
        return self.path / digest[:2] / f"{digest}.json"

    def _read(self, kind: str, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._file(kind, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("version") != FORMAT_VERSION
            or data.get("key") != key
            or not isinstance(data.get("stored"), int | float)
        ):
            return None
        return data

    def _write(self, kind: str, key: str, payload: dict[str, Any]) -> None:
        target = self._file(kind, key)
        body = {"version": FORMAT_VERSION, "key": key, "stored": self._clock(), **payload}
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(body, out, ensure_ascii=False)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            # A cache that cannot be written is only a slower cache: say so once, go on.
            if not self._write_failed:
                self._write_failed = True
                log.warning("PubChem answers will not be cached: cannot write %s (%s)",
                            target.parent, exc.strerror or exc)

    # -- look-up answers --------------------------------------------------------

    def get(self, query: str) -> LookupResult | None:
        """The cached answer for ``query``, or None when missing, expired or unreadable."""
        data = self._read("lookup", normalise_query(query))
        if data is None:
            return None
        try:
            outcome = Outcome(data["outcome"])
            compounds = tuple(Compound.from_dict(c) for c in data.get("compounds", ()))
            message = str(data.get("message", ""))
        except (KeyError, TypeError, ValueError):
            return None
        if not outcome.is_answer or (outcome is Outcome.FOUND and not compounds):
            return None
        ttl = self.found_ttl if outcome is Outcome.FOUND else self.not_found_ttl
        if self._clock() - data["stored"] > ttl:
            return None
        return LookupResult(query, outcome, compounds, message, from_cache=True)

    def put(self, result: LookupResult) -> None:
        """Keep an answer; failures (busy, timeout...) are not answers and are skipped."""
        if not result.is_answer:
            return
        self._write(
            "lookup",
            normalise_query(result.query),
            {
                "outcome": result.outcome.value,
                "message": result.message,
                "compounds": [c.to_dict() for c in result.compounds],
            },
        )

    # -- synonyms ---------------------------------------------------------------

    def get_synonyms(self, query: str) -> list[str] | None:
        data = self._read("synonyms", normalise_query(query))
        if data is None or self._clock() - data["stored"] > self.found_ttl:
            return None
        synonyms = data.get("synonyms")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            return None
        return synonyms

    def put_synonyms(self, query: str, synonyms: list[str]) -> None:
        self._write("synonyms", normalise_query(query), {"synonyms": synonyms})
