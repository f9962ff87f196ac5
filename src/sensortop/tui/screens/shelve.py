"""The shelve prompt: how long to shelve the chosen alarm (``s`` on the alarm screen)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from sensortop.tui.alarm_rows import parse_shelve
from sensortop.tui.alarm_words import duration_words


class ShelvePrompt(ModalScreen[tuple[float | None, bool] | None]):
    """Dismisses with (seconds, one_shot), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012
    DEFAULT_CSS = """
    ShelvePrompt { align: center middle; }
    ShelvePrompt > Vertical { width: 64; height: auto; border: thick $warning;
                              background: $surface; padding: 1 2; }
    ShelvePrompt #shelve-problem { color: $error; }
    """

    def __init__(self, what: str, shelve_max: float) -> None:
        super().__init__()
        self.what = what
        self.shelve_max = shelve_max

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Shelve {self.what} for how long? (at most "
                         f"{duration_words(self.shelve_max)}; 'once' = until it clears)")
            yield Input(placeholder="e.g. 90s, 10m, 1h, once", id="shelve-for")
            yield Label("", id="shelve-problem")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            seconds, once = parse_shelve(event.value)
        except ValueError as exc:
            self.query_one("#shelve-problem", Label).update(str(exc))
            return
        if seconds is not None and seconds > self.shelve_max:
            self.query_one("#shelve-problem", Label).update(
                f"at most {duration_words(self.shelve_max)} (shelve_max)")
            return
        self.dismiss((seconds, once))

    def action_cancel(self) -> None:
        self.dismiss(None)
