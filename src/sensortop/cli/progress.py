"""The one-line progress bar ``review`` and ``compact`` draw on a terminal's stderr."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    """A one-line bar, redrawn at most ten times a second; ``close`` wipes it."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.last = 0.0
        self.drawn = False
        self.clock: Callable[[], float] = time.monotonic

    def __call__(self, done: int, total: int, note: str = "") -> None:
        now = self.clock()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        share = done / total if total else 1.0
        filled = int(share * self.width)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{share:4.0%} {done / 1e6:,.0f}/{total / 1e6:,.0f} MB"
                          + (f" {note[:40]}" if note else ""))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * (self.width + len(self.label) + 80) + "\r")
            self.stream.flush()
