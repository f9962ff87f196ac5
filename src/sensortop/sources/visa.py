"""SCPI instruments through pyvisa: send a query such as ``MEAS:TEMP?``, read a number back.

pyvisa is blocking, so every call (open, query, close) runs in a thread, and
calls to one resource are serialised by a lock shared by every sensor on that
resource: two sensors querying one multimeter must not interleave their
writes and reads. The backend is pyvisa-py (``@py``) unless configured, e.g.
``@ivi`` for a vendor VISA or ``instruments.yaml@sim`` for pyvisa-sim.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from pathlib import Path
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource, SourceError

NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def resource_lock(resource: str) -> threading.Lock:
    """The one lock for ``resource`` in this process (names compared case-insensitively)."""
    key = resource.strip().upper()
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


SCPI_ERROR = re.compile(r'^[-+]?\d+\s*,\s*"')


def parse_reply(reply: str) -> float:
    """A number from an instrument's reply: the whole reply, or the first number in it.

    An SCPI error reply (``-113,"Undefined header"``) is an error, not the value -113.
    """
    text = reply.strip()
    if SCPI_ERROR.match(text):
        raise SourceError(f"instrument error: {text[:80]}")
    try:
        return float(text)
    except ValueError:
        match = NUMBER.search(text)
        if match is None:
            raise SourceError(f"instrument replied without a number: {text[:80]!r}") from None
        return float(match.group(0))


class VisaSource(PolledSource):
    """One SCPI query answered with a number."""

    connection: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("resource", str, help="VISA resource name, e.g. TCPIP0::192.168.1.30::5025::SOCKET "
              "or USB0::0x0957::0x0607::MY123::INSTR"),
        Field("query", str, help="SCPI query whose reply is the number, e.g. MEAS:TEMP?"),
        Field("backend", str, "@py", "pyvisa backend: @py (pyvisa-py), @ivi, or "
              "path/to/instruments.yaml@sim (pyvisa-sim; relative to the config file)"),
        Field("read_termination", str, "\n", "characters that end a reply"),
        Field("write_termination", str, "\n", "characters that end a command"),
    )

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.manager: Any = None
        self.instrument: Any = None
        self.lock = resource_lock(self.options["resource"])

    async def connect(self) -> None:
        backend = self.options.get("backend", "@py")
        if backend.endswith("@sim") and backend != "@sim":
            path = Path(backend[: -len("@sim")]).expanduser()
            if not path.is_absolute() and self.spec.base_dir is not None:
                path = self.spec.base_dir / path
            if not path.is_file():
                raise SourceError(f"pyvisa-sim file not found: {path.resolve()}")
            backend = f"{path}@sim"
        await asyncio.to_thread(self._open, backend)

    def _open(self, backend: str) -> None:
        import pyvisa

        resource = self.options["resource"]
        try:
            manager = pyvisa.ResourceManager(backend)
        except (ValueError, OSError, ImportError) as exc:
            raise SourceError(f"VISA backend {backend!r} unavailable: {exc}") from None
        try:
            with self.lock:
                instrument = manager.open_resource(
                    resource, read_termination=self.options.get("read_termination", "\n"),
                    write_termination=self.options.get("write_termination", "\n"),
                    timeout=max(int(self.spec.timeout * 1000), 1))
        except Exception as exc:  # pyvisa raises many kinds here: say which resource failed
            _close_quietly(manager)
            raise SourceError(f"cannot open {resource}: {_words(exc)}") from None
        self.manager, self.instrument = manager, instrument

    async def close(self) -> None:
        instrument, manager = self.instrument, self.manager
        self.instrument = self.manager = None
        if instrument is None and manager is None:
            return
        await asyncio.to_thread(self._close, instrument, manager)

    def _close(self, instrument: Any, manager: Any) -> None:
        with self.lock:
            _close_quietly(instrument)
        _close_quietly(manager)

    async def read(self) -> float:
        instrument = self.instrument
        if instrument is None:
            raise SourceError(f"not connected to {self.options['resource']}")
        return parse_reply(await asyncio.to_thread(self._query, instrument))

    def _query(self, instrument: Any) -> str:
        query = self.options["query"]
        with self.lock:
            try:
                return str(instrument.query(query))
            except Exception as exc:  # VisaIOError, socket errors, ...: one error reading
                raise SourceError(f"{query!r} to {self.options['resource']}: "
                                  f"{_words(exc)}") from None


def _words(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _close_quietly(thing: Any) -> None:
    if thing is None:
        return
    with contextlib.suppress(Exception):  # close must not raise
        thing.close()
