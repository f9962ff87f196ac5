"""Alarm flood (ISA-18.2, EEMUA 191): more than 10 raises within 10 minutes starts one;
it ends when fewer than 5 raised within the last 10 minutes."""

from __future__ import annotations

from collections import deque

WINDOW = 600.0
START_ABOVE = 10
END_BELOW = 5


class FloodWatch:
    """Counts raises in a sliding 10-minute window and says whether a flood is on."""

    def __init__(self) -> None:
        self.raises: deque[float] = deque()
        self.flooding = False
        self.started: float | None = None

    def count(self, now: float) -> int:
        raises = self.raises
        while raises and raises[0] <= now - WINDOW:
            raises.popleft()
        return len(raises)

    def update(self, now: float, raised: int = 0) -> bool:
        """Note ``raised`` new raises at ``now``; True when the flood state changed."""
        self.raises.extend([now] * raised)
        n = self.count(now)
        if not self.flooding and n > START_ABOVE:
            self.flooding, self.started = True, now
            return True
        if self.flooding and n < END_BELOW:
            self.flooding, self.started = False, None
            return True
        return False
