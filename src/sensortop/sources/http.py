"""Poll a JSON endpoint over HTTP and take one number out of it by a dotted path.

One ``httpx.AsyncClient`` is kept for the source's life so keep-alive
connections are reused; HTTP itself is stateless, so the source is not
``connection``-oriented: a refused request is one error reading, and the next
poll simply tries again (no reconnect backoff delaying recovery).
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource, SourceError
from sensortop.sources.dotted import number_at

if TYPE_CHECKING:
    import httpx


class HttpSource(PolledSource):
    """A number from a JSON (or plain-number) HTTP response."""

    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("url", str, help="the endpoint, e.g. http://127.0.0.1:8080/api/reactor"),
        Field("path", str, "", "dotted path into the JSON, e.g. data.temp or items.0.value "
              "(empty: the body is the number)"),
        Field("method", str, "GET", "HTTP method", choices=("GET", "POST")),
        Field("headers", dict, None, "extra request headers, e.g. { Authorization = \"...\" }",
              optional=True),
        Field("body", str, None, "request body for POST", optional=True),
        Field("verify_tls", bool, True, "check the server's TLS certificate"),
    )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """What every read would otherwise fail on, found by check-config instead."""
        problems = []
        url = options.get("url") or ""
        scheme, _, rest = url.partition("://")
        if scheme.lower() not in ("http", "https") or not rest.split("/")[0]:
            problems.append(f"url must be http://host/... or https://host/...; got {url[:80]!r}")
        for name, value in (options.get("headers") or {}).items():
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                problems.append(f"headers.{name} must be a string; got {type(value).__name__}")
            elif any(c in str(value) + name for c in "\r\n\0"):
                problems.append(f"headers.{name} must be on one line")
        return problems

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.client: httpx.AsyncClient | None = None

    async def connect(self) -> None:
        import httpx

        problems = self.check_options(self.options)
        if problems:
            raise SourceError("; ".join(problems))
        headers = {str(k): str(v) for k, v in (self.options.get("headers") or {}).items()}
        self.client = httpx.AsyncClient(
            headers=headers, verify=self.options.get("verify_tls", True),
            timeout=httpx.Timeout(max(self.spec.timeout * 2, 1.0)), follow_redirects=True)

    async def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            with contextlib.suppress(Exception):  # close must not raise
                await client.aclose()

    async def read(self) -> float:
        import httpx

        if self.client is None:
            await self.connect()
        assert self.client is not None
        url = self.options["url"]
        try:
            response = await self.client.request(
                self.options.get("method", "GET"), url, content=self.options.get("body"))
        except httpx.ConnectError as exc:
            raise SourceError(f"cannot connect to {url}: {exc or 'refused'}") from exc
        except httpx.TimeoutException as exc:
            raise SourceError(f"no answer from {url} in time") from exc
        except httpx.HTTPError as exc:
            raise SourceError(f"request to {url} failed: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            snippet = response.text[:120].strip()
            raise SourceError(f"HTTP {response.status_code} {response.reason_phrase}"
                              + (f": {snippet}" if snippet else ""))
        try:
            document = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            snippet = response.text[:60].strip()
            raise SourceError(f"response is not JSON: {snippet!r}") from None
        return number_at(document, self.options.get("path", ""))
