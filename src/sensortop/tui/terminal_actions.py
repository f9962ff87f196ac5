"""The dashboard's hook for terminal alarm actions (README "Actions": bell, notify).

The dashboard owns the terminal while it runs: an escape written straight to
/dev/tty would land in the middle of Textual's own output. So the actions sink's
bell and notify text is handed to the app's loop and written through its driver,
in order with the frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App

from sensortop.sinks.actions.sink import ActionsSink
from sensortop.sinks.base import Sink


def plug_terminal_actions(app: App[Any], sinks: Iterable[Sink]) -> None:
    """Route every actions sink's terminal writes through ``app``'s driver."""

    def write(text: str) -> None:  # called from an action's worker thread
        app.call_from_thread(_write, app, text)

    for sink in sinks:
        if isinstance(sink, ActionsSink) and sink.uses_terminal:
            sink.plug_terminal(write)


def unplug_terminal_actions(sinks: Iterable[Sink]) -> None:
    """Back to the controlling terminal (the app is going; ``record``'s way)."""
    for sink in sinks:
        if isinstance(sink, ActionsSink):
            sink.plug_terminal(None)


def _write(app: App[Any], text: str) -> None:
    driver = app._driver
    if driver is not None and not app.is_headless:
        driver.write(text)
        driver.flush()
