"""The side pane that holds the compound lookup (the PubChem issue's ``LookupPane``).

The lookup widget is imported when the pane is built; until it exists (or if
it fails to import) a placeholder keeps its place in the layout.
"""

from __future__ import annotations

import logging

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

log = logging.getLogger(__name__)


class SidePane(Vertical):
    """Right-hand pane: compound lookup."""

    def __init__(self, pubchem_url: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.pubchem_url = pubchem_url
        self.lookup: Widget | None = None

    def compose(self) -> ComposeResult:
        try:
            from sensortop.tui.widgets.lookup_pane import LookupPane
        except ImportError as exc:
            log.info("lookup pane not available: %s", exc)
            yield Static("Compound lookup\n\n(not available in this build)",
                         id="lookup-placeholder")
            return
        self.lookup = LookupPane(self.pubchem_url)
        yield self.lookup

    def focus_lookup(self) -> bool:
        """Put the cursor in the lookup's input; False if there is no lookup pane."""
        if self.lookup is None:
            return False
        focus_input = getattr(self.lookup, "focus_input", None)
        if focus_input is None:
            self.lookup.focus()
        else:
            focus_input()
        return True
