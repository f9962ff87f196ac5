"""``?``: every key, and where the log is being written."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "add a sensor (id, then Enter, is enough)"),
    ("d", "remove the focused sensor (y confirms)"),
    ("space", "pause / resume the focused sensor"),
    ("k", "acknowledge the focused sensor's alarms (the ! on its panel goes)"),
    ("!", "alarm screen: active alarms by priority, history; k ack, K ack all shown, "
          "s shelve, u unshelve, r reset a latch, o out of service, p filter by priority"),
    ("enter", "detail of the focused sensor: chart, statistics, alarm limits"),
    ("v", "the table in place of the grid, and back: one row per sensor, on the same sensor"),
    ("< >  r", "table: sort by the column to the left / right (or click its title); reverse"),
    ("/", "table: filter as you type (id, name, units, group); Enter or Esc back to the rows"),
    ("A  F", "table: only sensors in alarm; only failing ones (timeout, error, stale)"),
    ("← →", "table: close / open the row's group (Enter or a click on its header too)"),
    ("c", "compound lookup: beside the panels, or over them below 110 columns (Esc back)"),
    ("l", "log review screen: / sensor filter, s status filter, g jump to a time, "
          "drag or shift+arrows then Enter (or z) to zoom, Esc/Backspace zoom out, "
          "f follow, v next tab, l runs"),
    ("t", "choose a theme (remembered)"),
    ("s", "save the current sensors to the config file"),
    ("?", "this help"),
    ("q", "quit, flushing the log first"),
    ("arrows / tab", "move between panels; a mouse click focuses a panel"),
    ("ctrl+p", "command palette: every action above"),
)


class HelpScreen(ModalScreen[None]):
    """Keys and log location."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def __init__(self, log_path: str, log_dir: str, config_path: str) -> None:
        super().__init__()
        self.log_path = log_path
        self.log_dir = log_dir
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        logs: list[str | tuple[str, str]] = [
            ("Logs\n\n", "bold $accent"),
            "This run writes to ", (self.log_path, "bold"), "\n",
            "in the folder ", (self.log_dir, "bold"),
            " (one JSON Lines file per run, rotated by size).\n",
            "Review them with ", ("sensortop review " + self.log_dir, "bold"),
            " or press l.\n",
            ("\nConfig\n\n", "bold $accent"),
            "s saves sensors to ", (self.config_path, "bold"), "\n",
            ("\nEsc closes this help; arrows and PgUp/PgDn scroll it.", "$text-muted"),
        ]
        # Each key in a row of its own: a long description wraps under itself, not
        # under the key, at any width down to 80 columns.
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("Keys\n", "bold $accent"), classes="help-heading")
            for key, what in KEYS:
                with Horizontal(classes="help-row"):
                    yield Static(Content.styled(key, "bold $primary"), classes="help-key")
                    yield Static(what, classes="help-what")
            yield Static(Content.assemble("\n", *logs), classes="help-rest")
        yield Footer()  # its own: the grid's footer underneath would offer q as Quit

    def action_close(self) -> None:
        self.dismiss(None)
