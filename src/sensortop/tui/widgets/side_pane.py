"""The side pane that holds the compound lookup (the README's "The lookup pane")."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical

from sensortop.tui.widgets.lookup_pane import LookupPane


class SidePane(Vertical):
    """Right-hand pane: compound lookup."""

    def __init__(self, pubchem_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pubchem_url = pubchem_url
        self.lookup = LookupPane(pubchem_url)

    def compose(self) -> ComposeResult:
        yield self.lookup

    def focus_lookup(self) -> None:
        """Put the cursor in the lookup's input."""
        self.lookup.focus_input()
