"""What reading logs back gives: per-sensor numpy columns and the lines that were skipped.

These plain types are shared by everything that reads or shows a review
(summaries, plots, the review screen and command); they hold no reading logic,
so a consumer needs nothing else from the reader to use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sensortop.model.readings import AlarmState, Status

STATUSES: tuple[str, ...] = tuple(s.value for s in Status)  # code -> text
ALARMS: tuple[str, ...] = tuple(a.value for a in AlarmState)  # code -> text; 0 is normal


@dataclass(slots=True)
class SensorSeries:
    """All readings of one sensor, in time order."""

    sensor: str
    units: str
    ts: np.ndarray  # float64 epoch seconds
    value: np.ndarray  # float64, NaN where the log says null
    status: np.ndarray  # int8, index into STATUSES
    alarm: np.ndarray  # int8, index into ALARMS
    last_error: str | None = None


@dataclass(slots=True)
class SkippedLine:
    """A line that is not a reading: ``reason`` is ``torn`` (cut-off last line) or ``malformed``."""

    path: Path
    line: int
    reason: str
    detail: str


MAX_REPORTED = 50  # skipped lines listed one by one; beyond that only counted


class SkipTally:
    """Lines that are not readings (or journal entries): counted by reason, the first
    ``MAX_REPORTED`` kept with their place. Mixed into whatever reads lines."""

    torn: int
    malformed: int
    skipped: list[SkippedLine]

    @property
    def skipped_total(self) -> int:
        return self.torn + self.malformed

    def skip(self, path: Path, line: int, reason: str, detail: str) -> None:
        """One skipped line: ``reason`` is ``torn`` (a cut-off last line) or ``malformed``."""
        if reason == "torn":
            self.torn += 1
        else:
            self.malformed += 1
        if len(self.skipped) < MAX_REPORTED:
            self.skipped.append(SkippedLine(path, line, reason, detail))


@dataclass(slots=True)
class LogData:
    """What the reader found: per-sensor series and the lines it had to skip."""

    files: list[Path]
    series: dict[str, SensorSeries]
    lines: int = 0  # lines with more than whitespace: readings + torn + malformed
    torn: int = 0
    malformed: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)
    sensor_ids: list[str] = field(default_factory=list)  # every id in the files, before filters

    @property
    def skipped_total(self) -> int:
        return self.torn + self.malformed
