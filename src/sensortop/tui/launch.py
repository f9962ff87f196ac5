"""Starting the dashboard from the command line and turning its end into an exit code.

Apart from the app so that the app is only the screen: building the sampling session,
stopping it on any way out, and telling the shell (after the screen is gone) what
became of the log.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from textual.app import App

from sensortop.model.specs import Config
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.sampling import SamplingLink, ThreadedLink
from sensortop.tui.terminal_actions import plug_terminal_actions, unplug_terminal_actions


def run_dashboard(config: Config, *, log_dir: Path, pubchem_url: str,
                  theme: str | None = None) -> int:
    """Entry point for ``sensortop`` with no subcommand; returns the exit code."""
    try:
        session = SamplingSession(config, log_dir)
    except Exception as exc:  # e.g. a source that cannot be built
        print(f"sensortop: cannot start sampling: {exc}", file=sys.stderr)
        return 1
    link = ThreadedLink(session)
    app = SensortopApp(link, config, pubchem_url=pubchem_url, theme=theme)
    plug_terminal_actions(app, session.sinks)  # bell and notify go through the app's driver
    try:
        app.run()
    finally:
        unplug_terminal_actions(session.sinks)
        link.stop_blocking()  # an exit by any path still flushes the log
    return exit_code(app, link)


def exit_code(app: App[int], link: SamplingLink, err: TextIO | None = None) -> int:
    """After the screen is gone: say what became of the log if it could not be written
    (the dashboard's own message vanished with it), and fail so scripts notice."""
    error = link.recorder.error
    if error:
        print(f"sensortop: {error}", file=err or sys.stderr)
        return 1
    # Textual sets return_code to 1 when the app ended on an unhandled error.
    return app.return_code or 0


__all__ = ["exit_code", "run_dashboard"]
