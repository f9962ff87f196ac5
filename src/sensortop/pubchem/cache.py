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
import math
import os
import stat
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from sensortop.pubchem.models import Compound, LookupResult, Outcome, clean_text

log = logging.getLogger(__name__)

CACHE_ENV = "SENSORTOP_CACHE_DIR"
FORMAT_VERSION = 1
FOUND_TTL = 30 * 24 * 3600.0  # properties of a known compound rarely change
NOT_FOUND_TTL = 24 * 3600.0  # PubChem adds names daily
#: An entry bigger than this is damaged (the largest real ones, long synonym lists, are ~100 kB).
MAX_ENTRY_BYTES = 4 * 1024 * 1024
#: Clocks of processes sharing a folder may differ a little; an entry stored further in the
#: future than this is damaged, or it would never expire.
FUTURE_SLACK = 300.0


def default_cache_dir() -> Path:
    """``$SENSORTOP_CACHE_DIR/pubchem`` if set, else the user's cache folder."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path(platformdirs.user_cache_dir("sensortop"))
    return base / "pubchem"


def normalise_query(query: str) -> str:
    """PubChem matches names case-insensitively; so does the cache key."""
    return unicodedata.normalize("NFC", query).strip().casefold()


def read_entry(path: Path) -> bytes | None:
    """A cache file's bytes, or None when it is missing, not a regular file, or too big.

    Opened without blocking and checked before reading: a FIFO or a device
    planted in the cache folder must not hang or flood a look-up.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):  # ValueError: a NUL in the folder's name
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        chunks, size = [], 0
        while size <= MAX_ENTRY_BYTES:
            chunk = os.read(fd, MAX_ENTRY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= MAX_ENTRY_BYTES else None


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

    def _read(self, kind: str, key: str, ttl: float) -> dict[str, Any] | None:
        """The entry's JSON object if it is whole, ours, and fresh; None for anything else."""
        raw = read_entry(self._file(kind, key))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # bad UTF-8 or JSON, or nested 100,000 deep
            return None
        if (
            not isinstance(data, dict)
            or data.get("version") != FORMAT_VERSION
            or data.get("key") != key
        ):
            return None
        stored = data.get("stored")
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            return None
        try:
            age = self._clock() - float(stored)
        except OverflowError:
            return None
        if not math.isfinite(age) or age > ttl or age < -FUTURE_SLACK:
            return None  # NaN or far-future "stored" would otherwise never expire
        return data

    def _write(self, kind: str, key: str, payload: dict[str, Any]) -> None:
        target = self._file(kind, key)
        body = {"version": FORMAT_VERSION, "key": key, "stored": self._clock(), **payload}
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    json.dump(body, out, allow_nan=False)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError) as exc:
            # A cache that cannot be written is only a slower cache: say so once, go on.
            if not self._write_failed:
                self._write_failed = True
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                log.warning("PubChem answers will not be cached: cannot write %s (%s)",
                            target.parent, reason)

    # -- look-up answers --------------------------------------------------------

    def get(self, query: str) -> LookupResult | None:
        """The cached answer for ``query``, or None when missing, expired or unreadable."""
        data = self._read("lookup", normalise_query(query), max(self.found_ttl,
                                                                 self.not_found_ttl))
        if data is None:
            return None
        outcome_value, raw_compounds = data.get("outcome"), data.get("compounds", [])
        message = data.get("message", "")
        if (
            outcome_value not in (Outcome.FOUND.value, Outcome.NOT_FOUND.value)
            or not isinstance(raw_compounds, list)
            or not isinstance(message, str)
        ):
            return None
        outcome = Outcome(outcome_value)
        try:
            compounds = tuple(Compound.from_dict(c) for c in raw_compounds)
        except ValueError:
            return None
        if outcome is Outcome.FOUND and not compounds:
            return None
        ttl = self.found_ttl if outcome is Outcome.FOUND else self.not_found_ttl
        if self._clock() - float(data["stored"]) > ttl:
            return None
        return LookupResult(query, outcome, compounds, clean_text(message), from_cache=True)

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
        data = self._read("synonyms", normalise_query(query), self.found_ttl)
        if data is None:
            return None
        synonyms = data.get("synonyms")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            return None
        return [clean_text(s) for s in synonyms]

    def put_synonyms(self, query: str, synonyms: list[str]) -> None:
        self._write("synonyms", normalise_query(query), {"synonyms": synonyms})
