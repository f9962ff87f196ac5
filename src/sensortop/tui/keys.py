"""The dashboard's keys: one table that the footer, the command palette and the tests
all read, so a key is added (or relabelled) in one place only."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# (key, action, footer label, palette help) - the one list for footer, palette and tests.
# Labels are short so that every key, ? and q included, fits an 80-column footer
# with room for one more (README "Layout": Footer).
ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("a", "add_sensor", "Add", "Add a sensor"),
    ("d", "remove_sensor", "Del", "Remove the focused sensor (asks first)"),
    ("space", "toggle_pause", "Pause", "Pause or resume the focused sensor"),
    ("k", "acknowledge", "Ack", "Acknowledge the focused sensor's new alarm"),
    ("exclamation_mark", "alarms", "Alarm", "The alarm screen: active alarms, history, "
     "acknowledge, shelve, reset"),
    ("enter", "detail", "Info", "Chart, statistics and limits of the focused sensor"),
    ("v", "toggle_view", "View", "Switch between the panel grid and the sensor table"),
    ("c", "lookup", "Chem", "Show and focus the compound lookup (Esc back to the panels)"),
    ("l", "review", "Logs", "Open the log review screen"),
    ("t", "choose_theme", "Theme", "Choose a theme"),
    ("s", "save", "Save", "Save the current sensors to the config file"),
    ("question_mark", "help", "Help", "Every key, and where the logs go"),
    ("q", "quit", "Quit", "Quit, flushing the log first"),
)
# as the footer shows them
KEY_DISPLAY = {"question_mark": "?", "space": "␣", "exclamation_mark": "!"}

GRID_ACTIONS = frozenset({"add_sensor", "remove_sensor", "toggle_pause", "acknowledge",
                          "detail", "lookup", "save", "focus_panels", "alarms", "toggle_view"})
"""Actions on the grid: hidden while another screen covers it."""

FOOTER_HIDDEN: frozenset[str] = frozenset()
"""Keys left out of the footer so the rest fit 80 columns; they work, and ``?`` and the
command palette list them."""

PANEL_ACTIONS = frozenset({"remove_sensor", "toggle_pause", "acknowledge", "detail"})
"""Actions on the focused panel: hidden while the grid is out of sight."""


def dashboard_bindings() -> list[BindingType]:
    """The footer's bindings, in the table's order, and Esc (back to the panels, unshown)."""
    return [
        *(Binding(key, action, label, key_display=KEY_DISPLAY.get(key),
                  show=action not in FOOTER_HIDDEN)
          for key, action, label, _ in ACTIONS),
        Binding("escape", "focus_panels", "Panels", show=False),
    ]


__all__ = ["ACTIONS", "FOOTER_HIDDEN", "GRID_ACTIONS", "KEY_DISPLAY", "PANEL_ACTIONS",
           "dashboard_bindings"]
