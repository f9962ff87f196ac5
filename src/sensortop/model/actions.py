"""One ``[[actions]]`` table, validated: what to do, and on which alarm events (README "Actions").

Plain data so the config layer can build it and the runners (``sensortop.actions``)
can read it without knowing TOML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from sensortop.model.alarms import AlarmEvent, EventKind, Priority


class ActionKind(StrEnum):
    """How an action reaches someone."""

    BELL = "bell"          # the terminal bell (BEL)
    NOTIFY = "notify"      # a desktop notification through OSC 9 and OSC 777
    COMMAND = "command"    # an external program, the event on stdin and in its environment
    WEBHOOK = "webhook"    # an HTTP POST of the event as JSON


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What one action does and which events it answers; ``index`` is its place in the file."""

    kind: ActionKind
    index: int
    on: frozenset[EventKind] = frozenset({EventKind.RAISE})
    priority: frozenset[Priority] = frozenset(Priority)
    sensors: frozenset[str] | None = None
    """Only these sensors' events; None: every sensor."""
    argv: tuple[str, ...] = ()
    """``command``: the program (resolved: absolute, or found on PATH at run time) and its
    fixed arguments. Never run through a shell; event values never go on the command line."""
    url: str = ""
    """``webhook``: where to POST."""
    timeout: float = 5.0
    """Seconds one attempt may take: a program is killed then, a request abandoned."""
    retries: int = 0
    """``webhook``: extra attempts after a failed one."""
    backoff: float = 1.0
    """``webhook``: seconds before the first retry, doubled for each one after it."""
    title: str = "sensortop"
    """``notify``: the notification's title."""
    headers: dict[str, str] = field(default_factory=dict)
    """``webhook``: extra request headers (e.g. an authorization token)."""

    def matches(self, event: AlarmEvent) -> bool:
        """Whether this action answers ``event``."""
        return (event.event in self.on and event.priority in self.priority
                and (self.sensors is None or event.sensor in self.sensors))

    @property
    def label(self) -> str:
        """The action in messages: ``actions[2] (command page-operator)``."""
        target = ""
        if self.kind is ActionKind.COMMAND and self.argv:  # the name: status lines are short
            target = self.argv[0].rsplit("/", 1)[-1]
        elif self.kind is ActionKind.WEBHOOK:  # no credentials or query in messages
            parts = urlsplit(self.url)
            target = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"
        return f"actions[{self.index}] ({self.kind.value}{' ' + target if target else ''})"
