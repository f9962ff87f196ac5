"""``a``: the add-sensor form, built from the same ``Field`` lists as the config.

It opens on the id; everything else starts empty and an empty box means the
field's default (kind ``simulated``, interval 1 s), so an id and Enter add a
working sensor. Choosing a kind swaps in that kind's own fields. On Enter the
values go through ``make_sensor`` - the config's own validator - and each
problem is written beside its field; nothing is added until there are none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from sensortop.config.alarms import COMMON_FIELDS
from sensortop.config.fields import Field
from sensortop.config.kinds import source_class
from sensortop.config.loader import LIMIT_KEYS, SENSOR_FIELDS, make_sensor
from sensortop.config.problems import ConfigError
from sensortop.model.specs import SensorSpec

COMMON = tuple(f for f in SENSOR_FIELDS if f.name not in ("kind", "limits", "alarms"))
LIMIT_FIELDS = tuple(Field(f"limits.{k}", float, None, f"alarm limit {k}", optional=True)
                     for k in LIMIT_KEYS)
ALARM_FIELDS = (  # the basic [sensors.alarms] settings; the rest is for the config file
    *(replace(f, name=f"alarms.{f.name}") for f in COMMON_FIELDS[:4]),
    Field("alarms.rate.max", float, None, "rate of change alarm: units per second",
          optional=True, minimum=0.0, exclusive_minimum=True),
    Field("alarms.deviation.max", float, None, "deviation from the setpoint alarm",
          optional=True, minimum=0.0, exclusive_minimum=True),
    Field("alarms.stale.after", float, None, "stale alarm: seconds with no good reading",
          optional=True, minimum=0.0, exclusive_minimum=True),
    Field("alarms.flatline.after", float, None, "flatline alarm: seconds of an unchanging "
          "value", optional=True, minimum=0.0, exclusive_minimum=True),
    Field("alarms.bad_quality.after", int, None, "bad quality alarm: failed reads in a row",
          optional=True, minimum=1),
)


def _dom_id(name: str) -> str:
    return name.replace(".", "-")


def _placeholder(field: Field) -> str:
    """What an empty box means; the help is beside the box, where it has room."""
    if field.required:
        return "(required)"
    if field.default is None or field.default == "":
        return "(optional)"
    return ", ".join(field.default) if isinstance(field.default, list) else str(field.default)


class FieldNote(Label):
    """Beside a box: the field's help, or in its place the problem with what was typed."""

    def __init__(self, help_text: str, *, id: str) -> None:
        super().__init__(help_text, id=id, classes="field-problem")
        self.help_text = help_text

    def show_problem(self, problem: str | None) -> None:
        self.update(problem or self.help_text)
        self.set_class(bool(problem), "-problem")


class FieldRow(Horizontal):
    """Label, input and the help (or problem) text beside it."""

    def __init__(self, field: Field) -> None:
        super().__init__(classes="field-row")
        self.field = field

    def compose(self) -> ComposeResult:
        yield Label(self.field.name, classes="field-name")
        yield Input(placeholder=_placeholder(self.field), id=f"f-{_dom_id(self.field.name)}",
                    compact=True, tooltip=self.field.help)
        yield FieldNote(self.field.help, id=f"p-{_dom_id(self.field.name)}")


class AddSensorScreen(ModalScreen[SensorSpec | None]):
    """Dismisses with a validated SensorSpec, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, kinds: list[str], taken: set[str]) -> None:
        super().__init__()
        self.kinds = kinds
        self.taken = taken

    def compose(self) -> ComposeResult:
        with Vertical(id="add-box"):
            yield Static("Add a sensor - an id and Enter is enough; empty boxes take the "
                         "default shown", id="add-title")
            with VerticalScroll(id="add-fields"):
                for field in COMMON[:3]:
                    yield FieldRow(field)
                with Horizontal(classes="field-row"):
                    yield Label("kind", classes="field-name")
                    yield Select([(k, k) for k in self.kinds], value="simulated",
                                 allow_blank=False, compact=True, id="f-kind")
                    yield FieldNote("which source reads it; its own fields are below",
                                    id="p-kind")
                for field in COMMON[3:] + LIMIT_FIELDS:
                    yield FieldRow(field)
                yield Static("", id="kind-title")
                yield Vertical(id="kind-fields")
                yield Static("alarms (README \"Alarms\"; the rest in the config file)",
                             id="alarm-title")
                for field in ALARM_FIELDS:
                    yield FieldRow(field)
            yield Static("", id="add-summary")
            with Horizontal(id="add-buttons"):
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")
        # Its own footer: the dashboard's underneath would offer keys that do nothing here.
        yield Footer()

    async def on_mount(self) -> None:
        await self._show_kind_fields("simulated")
        self.query_one("#f-id", Input).focus()

    @property
    def kind(self) -> str:
        value = self.query_one("#f-kind", Select).value
        return value if isinstance(value, str) else "simulated"

    def kind_fields(self) -> tuple[Field, ...]:
        return source_class(self.kind).FIELDS

    async def _show_kind_fields(self, kind: str) -> None:
        box = self.query_one("#kind-fields", Vertical)
        await box.remove_children()
        fields = source_class(kind).FIELDS
        self.query_one("#kind-title", Static).update(
            f"{kind} fields" if fields else f"({kind} has no fields of its own)")
        await box.mount_all([FieldRow(field) for field in fields])

    @on(Select.Changed, "#f-kind")
    async def _kind_changed(self, event: Select.Changed) -> None:
        await self._show_kind_fields(self.kind)

    @on(Input.Submitted)
    @on(Button.Pressed, "#add-ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        spec = self.validate()
        if spec is not None:
            self.dismiss(spec)

    @on(Button.Pressed, "#add-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _text(self, name: str) -> str:
        return self.query_one(f"#f-{_dom_id(name)}", Input).value

    def validate(self) -> SensorSpec | None:
        """Build the spec, or show every problem beside its field and return None."""
        problems: dict[str, str] = {}
        raw: dict[str, Any] = {"kind": self.kind}
        for field in COMMON + LIMIT_FIELDS + ALARM_FIELDS + self.kind_fields():
            text = self._text(field.name)
            if not text.strip() and not field.required:
                continue
            try:
                value = field.parse_text(text)
            except ValueError as exc:
                problems[field.name] = str(exc)
                continue
            *tables, key = field.name.split(".")  # limits.hi -> raw["limits"]["hi"]
            table = raw
            for name in tables:
                table = table.setdefault(name, {})
            table[key] = value
        spec = None
        if not problems:
            try:
                spec = make_sensor(raw)
            except ConfigError as exc:
                for problem in exc.problems:
                    text = problem.message + (f" ({problem.hint})" if problem.hint else "")
                    problems.setdefault(problem.field or "", text)
        if spec is not None and spec.id in self.taken:
            problems["id"] = f"{spec.id!r} is taken: every sensor needs its own id"
            spec = None
        self._show_problems(problems)
        return spec

    def _show_problems(self, problems: dict[str, str]) -> None:
        for shown in self.query(FieldNote).results(FieldNote):
            shown.show_problem(None)
        leftover: list[str] = []
        first: Input | None = None
        for name, text in problems.items():
            target = _dom_id(name)
            notes = self.query(f"#p-{target}").results(FieldNote)
            note = next(iter(notes), None)
            if note is None:
                leftover.append(f"{name}: {text}" if name else text)
                continue
            note.show_problem(text)
            if first is None:
                first = next(iter(self.query(f"#f-{target}").results(Input)), None)
        summary = self.query_one("#add-summary", Static)
        if problems:
            summary.update("Not added - " + ("; ".join(leftover) if leftover
                                             else "fix the fields marked in red"))
            if first is not None:
                first.focus()
        else:
            summary.update("")
