"""Backfill: at start, every panel's sparkline and statistics from the newest logs.

The logs are read on a thread (``read_recent``: each sensor's newest
``history`` points within ``BACKFILL_HORIZON``, newest files first, stopping
when every sensor is full), so the first frame never waits; meanwhile each
panel says it is loading. The points then go into each sensor's ring where the
engine lives (``link.call_sync``), before the live ones (``History.prepend``),
so a reading taken meanwhile is neither lost nor counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from sensortop.review.recent import read_recent
from sensortop.sampling.logfeed import BACKFILL_HORIZON, backfill
from sensortop.tui.sampling import SamplingLink
from sensortop.tui.widgets.sensor_panel import SensorPanel

log = logging.getLogger(__name__)


async def backfill_panels(link: SamplingLink, panels: Sequence[SensorPanel],
                          horizon: float = BACKFILL_HORIZON) -> int:
    """Fill the panels' histories from ``link.log_dir``; returns the points taken."""
    states = {panel.sensor_id: panel.state for panel in panels}
    if not states:
        return 0
    for panel in panels:
        panel.history_loading = True
    taken = 0
    try:
        found = await asyncio.to_thread(read_recent, link.log_dir, set(states),
                                        link.engine.history_size, time.time() - horizon)
        for sensor_id, series in found.items():
            state = states[sensor_id]
            taken += await link.call_sync(lambda state=state, series=series:  # type: ignore[misc]
                                          backfill(state, series))
    except OSError as exc:  # an unreadable folder: the panels just start empty
        log.warning("no history read from %s: %s", link.log_dir, exc)
    finally:
        for panel in panels:
            panel.history_loading = False
    return taken
