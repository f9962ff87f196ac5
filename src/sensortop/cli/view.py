"""``sensortop view [LOGDIR]``: a read-only dashboard following a running recorder.

A folder that does not exist (or is not a folder) is bad usage, exit 2, said
before anything is drawn: a viewer is pointed at a recorder that runs, and a
typo must not sit waiting forever. A folder with no log in it yet is waited on,
saying so. Once started, a folder or file that goes away is waited for.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sensortop.model.specs import Config

EXIT_USAGE = 2


def run_view(config: Config, log_dir: Path, *, pubchem_url: str,
             theme: str | None = None) -> int:
    """Run the viewer until q; returns the exit code."""
    if not log_dir.is_dir():
        what = "is not a folder" if log_dir.exists() else "does not exist"
        print(f"sensortop view: the log folder {log_dir} {what} (pass LOGDIR, --log-dir "
              "or SENSORTOP_LOG_DIR: the folder `sensortop record` writes to)", file=sys.stderr)
        return EXIT_USAGE
    from sensortop.tui.view_app import ViewApp
    from sensortop.tui.view_link import ViewLink

    link = ViewLink(log_dir, config.monitor.history, {s.id: s for s in config.sensors})
    app = ViewApp(link, config, pubchem_url=pubchem_url, theme=theme)
    try:
        app.run()
    finally:
        link.stop_blocking_soon()
    return app.return_code or 0
