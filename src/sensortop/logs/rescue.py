"""The rescue file: where the recorder's backlog goes when the log cannot take it.

Used at stop (whatever still cannot be written) and during an outage long
enough to threaten memory. Kept apart from the recorder because it must not
depend on the log's own I/O thread, which may be the one that hangs: each
place is tried on a daemon thread of its own, with a deadline.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sensortop.logs.io_thread import in_daemon_thread
from sensortop.logs.safe_open import open_part
from sensortop.logs.wording import reason

RESCUE_SECONDS = 10.0  # per rescue folder: a hung temp folder must not hold stop() either


async def save_rescue(chunks: list[bytes], stem: str | None, known: Path | None,
                      on_attempt: Callable[[], None]) -> tuple[Path | None, list[str]]:
    """Write ``chunks`` to the rescue file: (its path or None, why each place failed).

    Appended to this run's rescue file ``known`` if there is one, else a new one
    in the temp folder, then the home folder, then the current folder.
    ``on_attempt`` is called before each place is tried (each within
    ``RESCUE_SECONDS``), so the recorder can see that something still answers.
    """
    name = f"{stem or 'sensortop'}-rescued-{int(time.time())}-{os.getpid()}.jsonl"
    tried = []
    places: list[tuple[Callable[[], Any], str, bool]] = []
    if known is not None:
        places.append((lambda: known.parent, known.name, True))
    places += [(folder, name, False) for folder in (tempfile.gettempdir, Path.home, Path.cwd)]
    for folder, file_name, append in places:
        on_attempt()
        try:
            target = await in_daemon_thread(RESCUE_SECONDS, write_rescue, folder, file_name,
                                            chunks, append)
        except Exception as exc:
            tried.append(reason(exc))
            continue
        return target, tried
    return None, tried


def write_rescue(folder: Callable[[], Any], name: str, chunks: list[bytes],
                 append: bool = False) -> Path:
    """Write every chunk to ``folder()/name`` and fsync; all or nothing of this call.

    A new file is created exclusively; when appending, a failure cuts our part
    back off what was rescued before, and a half new file is removed.
    """
    target = Path(folder()) / name
    fd = open_part(target, new=not append)
    try:
        with open(fd, "wb", buffering=0) as fh:
            start = os.fstat(fd).st_size
            try:
                for chunk in chunks:
                    view = memoryview(chunk)
                    while view:
                        done = fh.write(view)
                        if not done:
                            raise OSError(errno.ENOSPC, "the disk took no bytes")
                        view = view[done:]
                os.fsync(fd)
            except BaseException:
                if append:  # cut our half-written part off what was rescued before
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                raise
    except BaseException:
        if not append:  # a half rescue file would only mislead
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    return target
