"""How a failed read, connect or close becomes a status and words.

Both sampling loops (polled and streaming) and the retry logic report failures
the same way; this keeps that wording in one place, apart from the scheduling.
"""

from __future__ import annotations

import logging

from sensortop.model.readings import Status
from sensortop.sources import Source, SourceError

log = logging.getLogger("sensortop.sampling.engine")  # the engine's messages keep their logger


def describe_error(exc: BaseException) -> str:
    """Words for the panel and the log: the message, with the type where it helps."""
    text = str(exc).strip()
    if isinstance(exc, SourceError) and text:
        return text
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def status_of(exc: BaseException) -> Status:
    """A timeout is a TIMEOUT reading; any other failure an ERROR one."""
    return Status.TIMEOUT if isinstance(exc, TimeoutError) else Status.ERROR


def connect_error(exc: BaseException, timeout: float) -> str:
    """A failed connect in words; a bare timeout says how long was waited."""
    if isinstance(exc, TimeoutError) and not str(exc):
        return f"no answer within {seconds_text(timeout)} s"
    return describe_error(exc)


def seconds_text(value: float) -> str:
    """A timeout as the error text gives it: 1, 0.2, 0.0473 (a retry's rest of a slot)."""
    return f"{value:.3g}" if value < 1 else f"{value:g}"


async def close_quietly(source: Source) -> None:
    """Close a source whose link may be broken: a failure to close is not news."""
    try:
        await source.close()
    except Exception:  # closing a broken connection may fail; that is not news
        log.debug("closing %s failed", source.spec.id, exc_info=True)
