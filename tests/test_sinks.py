"""Outputs as sinks: the session's start/stop order, stop deadlines and what a failing sink
could not deliver, [[outputs]] validation, and alarm transitions as events."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from sensortop.config.fields import Field
from sensortop.config.loader import load_config, parse_config
from sensortop.config.problems import ConfigError
from sensortop.model.alarms import AlarmEvent, AlarmKind
from sensortop.model.readings import Reading
from sensortop.model.specs import Config, Limits, MonitorSpec, OutputSpec, SensorSpec
from sensortop.sampling import session as session_module
from sensortop.sampling.engine import Engine
from sensortop.sampling.session import SamplingSession
from sensortop.sinks import registry
from sensortop.sinks.base import Sink, SinkContext, SinkItem
from sensortop.sinks.journal import JournalSink
from sensortop.sinks.jsonl import JsonlSink
from sensortop.sources import StreamingSource
from support import read_log_lines, wait_until

ROOT = Path(__file__).resolve().parents[1]
EVENTS: list[tuple[str, str, bool]] = []
"""(what, sink name, engine running at that moment), in the order they happened."""


class ProbeSink(Sink):
    """A sink that holds every item and, at stop, does what ``behaviour`` says."""

    kind: ClassVar[str] = "probe"
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("label", str, help="its name"),
        Field("behaviour", str, "deliver", choices=("deliver", "raise", "hang", "refuse")),
    )
    engine: ClassVar[Engine | None] = None

    def __init__(self, label: str, behaviour: str) -> None:
        self.label = label
        self.behaviour = behaviour
        self.held: list[SinkItem] = []
        self.delivered_items: list[SinkItem] = []

    @classmethod
    def from_options(cls, options: dict[str, Any], context: SinkContext) -> ProbeSink:
        return cls(options["label"], options["behaviour"])

    @property
    def name(self) -> str:
        return self.label

    def _note(self, what: str) -> None:
        EVENTS.append((what, self.label, self.engine is not None and self.engine.running))

    async def start(self) -> None:
        self._note("start")

    def put(self, item: SinkItem) -> None:
        if not self.held and not self.delivered_items:
            self._note("first item")
        self.held.append(item)

    async def stop(self, deadline: float) -> list[SinkItem]:
        self._note("stop")
        if self.behaviour == "raise":
            raise RuntimeError("the disk fell off")
        if self.behaviour == "hang":
            await asyncio.Event().wait()
        if self.behaviour == "refuse":  # hands back what it could not deliver
            left, self.held = self.held, []
            return left
        self.delivered_items, self.held = self.held, []
        return []

    @property
    def backlog(self) -> int:
        return len(self.held)

    @property
    def error(self) -> str | None:
        return "the far end said no" if self.behaviour == "refuse" else None


@pytest.fixture
def probe_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ProbeSink as kind "probe", as a package's entry point would."""
    monkeypatch.setitem(registry.BUILTIN, "probe", f"{__name__}:ProbeSink")
    EVENTS.clear()


def plant(tmp_path: Path, *outputs: dict[str, Any]) -> Config:
    config = Config(None, MonitorSpec(log_dir=tmp_path / "logs"),
                    [SensorSpec(id="a", interval=0.02), SensorSpec(id="b", interval=0.03)])
    config.outputs = [OutputSpec(o["kind"], {k: v for k, v in o.items() if k != "kind"}, i)
                      for i, o in enumerate(outputs)]
    return config


def readings_of(items: list[SinkItem]) -> list[Reading]:
    return [item for item in items if isinstance(item, Reading)]


async def run_briefly(session: SamplingSession, readings: int = 20) -> None:
    ProbeSink.engine = session.engine
    await session.start()
    await wait_until(lambda: session.engine.readings_total >= readings, 20, "readings")


async def test_sinks_start_before_the_engine_and_stop_after_it(probe_kind: None,
                                                                tmp_path: Path) -> None:
    session = SamplingSession(plant(tmp_path, {"kind": "probe", "label": "one"},
                                    {"kind": "probe", "label": "two"}))
    await run_briefly(session)
    reports = await session.stop()
    starts = [e for e in EVENTS if e[0] == "start"]
    assert starts == [("start", "one", False), ("start", "two", False)]
    assert EVENTS.index(starts[-1]) < EVENTS.index(("first item", "one", True))
    assert [e for e in EVENTS if e[0] == "stop"] == [("stop", "one", False),
                                                     ("stop", "two", False)]
    probes = [s for s in session.sinks if isinstance(s, ProbeSink)]
    for probe in probes:  # the engine stopped first: every reading it made reached each sink
        assert len(readings_of(probe.delivered_items)) == session.engine.readings_total
    assert len(read_log_lines(session.recorder.paths)) == session.engine.readings_total
    assert [(r.kind, r.undelivered, r.failed) for r in reports] == [
        ("jsonl", 0, False), ("journal", 0, False), ("probe", 0, False), ("probe", 0, False)]


async def test_a_sink_that_fails_or_hangs_at_stop_costs_the_others_nothing_and_is_reported(
        probe_kind: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "STOP_GRACE", 0.2)
    session = SamplingSession(plant(tmp_path, {"kind": "probe", "label": "hangs",
                                               "behaviour": "hang"},
                                    {"kind": "probe", "label": "raises", "behaviour": "raise"},
                                    {"kind": "probe", "label": "refuses",
                                     "behaviour": "refuse"},
                                    {"kind": "probe", "label": "fine"}))
    await run_briefly(session)
    reports = {r.name: r for r in await asyncio.wait_for(session.stop(timeout=0.3), 30)}
    total = session.engine.readings_total
    # The log and the healthy sink have everything...
    assert len(read_log_lines(session.recorder.paths)) == total
    fine = next(s for s in session.sinks if s.name == "fine")
    assert isinstance(fine, ProbeSink) and len(readings_of(fine.delivered_items)) == total
    assert reports["fine"].undelivered == 0 and not reports["fine"].failed
    # ...and every other sink's loss is counted, with its reason.
    assert reports["hangs"].failed and reports["hangs"].error == "did not stop by its deadline"
    assert reports["hangs"].undelivered == total
    assert reports["raises"].failed and reports["raises"].undelivered == total
    assert reports["raises"].error == "failed to stop: the disk fell off"
    refused = reports["refuses"]
    assert not refused.failed and refused.error == "the far end said no"
    assert refused.undelivered == total == len(readings_of(refused.items))


def test_with_no_outputs_the_sinks_are_the_log_and_its_journal_in_the_monitor_folder(
        tmp_path: Path) -> None:
    session = SamplingSession(plant(tmp_path))
    assert [type(s) for s in session.sinks] == [JsonlSink, JournalSink]
    assert session.recorder.log_dir == tmp_path / "logs"
    assert session.recorder.rotate_bytes == 100 * 1024 * 1024


def test_a_declared_jsonl_output_keeps_the_log_first_and_log_dir_still_overrides_its_folder(
        probe_kind: None, tmp_path: Path) -> None:
    config = plant(tmp_path, {"kind": "probe", "label": "p"},
                   {"kind": "jsonl", "rotate_mb": 1.0, "batch_lines": 10})
    session = SamplingSession(config, tmp_path / "elsewhere")
    assert [s.kind for s in session.sinks] == ["jsonl", "journal", "probe"]
    assert session.recorder.log_dir == tmp_path / "elsewhere"
    assert session.recorder.rotate_bytes == 1024 * 1024
    assert session.recorder.batch_lines == 10


def test_publish_adds_an_mqtt_output_next_to_the_configured_ones(tmp_path: Path) -> None:
    config = plant(tmp_path, {"kind": "mqtt", "url": "mqtt://127.0.0.1:1/site"})
    session = SamplingSession(config, publish="mqtt://127.0.0.1:2/other")
    assert [(s.kind, s.name) for s in session.sinks] == [
        ("jsonl", str(tmp_path / "logs")), ("journal", str(tmp_path / "logs")),
        ("mqtt", "mqtt://127.0.0.1:1/site"),
        ("mqtt", "mqtt://127.0.0.1:2/other")]


# -- [[outputs]] in the config --------------------------------------------------------------
BAD_OUTPUTS = """
[[sensors]]
id = "a"

[[outputs]]
kind = "mqtt"
ur = "mqtt://127.0.0.1/plant"

[[outputs]]
kind = "jsnol"

[[outputs]]
kind = "mqtt"
url = "http://127.0.0.1/plant"
qos = 5

[[outputs]]
kind = "jsonl"
batch_lines = 0

[[outputs]]
kind = "jsonl"

[[outputs]]
url = "mqtt://127.0.0.1/plant"
"""


def problems_of(text: str) -> list[str]:
    data, found = parse_config(__import__("tomllib").loads(text), "plant.toml")
    return [str(p) for p in found + registry.check_outputs(data)]


def test_outputs_problems_are_each_located_with_a_hint() -> None:
    found = problems_of(BAD_OUTPUTS)
    expected = [
        "plant.toml: outputs[0] (mqtt): field 'ur': unknown key (hint: did you mean 'url'?)",
        "plant.toml: outputs[0] (mqtt): field 'url': is required",
        "plant.toml: outputs[1]: field 'kind': unknown output kind 'jsnol' "
        "(hint: did you mean 'jsonl'?)",
        "plant.toml: outputs[2] (mqtt): field 'qos': must be at most 2; got 5",
        "plant.toml: outputs[2] (mqtt): field 'url': publish URL must start with mqtt://",
        "plant.toml: outputs[3] (jsonl): field 'batch_lines': must be at least 1; got 0",
        "plant.toml: outputs[4] (jsonl): field 'kind': a second jsonl output",
        "plant.toml: outputs[5]: field 'kind': is required (hint: which output: one of jsonl",
    ]
    for start in expected:
        assert sum(p.startswith(start) for p in found) == 1, (start, found)
    assert len(found) == len(expected), found


def test_outputs_that_is_not_an_array_of_tables_is_a_located_problem() -> None:
    assert problems_of('outputs = 3\n') == [
        "plant.toml: top level: field 'outputs': must be an array of tables "
        "(hint: write each output as [[outputs]])"]
    assert problems_of('outputs = [1]\n') == ["plant.toml: outputs[0]: must be a table"]
    assert problems_of('[[outputs]]\nkind = 3\n') == [
        "plant.toml: outputs[0]: field 'kind': must be a name; got 3 "
        '(hint: which output, e.g. kind = "jsonl" or "mqtt")']


def test_check_config_shows_outputs_problems_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    path.write_text(BAD_OUTPUTS, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sensortop", "check-config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "outputs[0] (mqtt): field 'ur': unknown key (hint: did you mean 'url'?)" \
        in result.stderr
    assert "the config has 8 problems" in result.stderr


def test_a_good_outputs_section_loads(tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    path.write_text('[[sensors]]\nid = "a"\n\n[[outputs]]\nkind = "mqtt"\n'
                    'url = "mqtt://127.0.0.1:1883/plant"\nqos = 0\n', encoding="utf-8")
    config = load_config(path)
    assert registry.check_outputs(config) == []
    assert [(o.kind, o.options) for o in config.outputs] == [
        ("mqtt", {"url": "mqtt://127.0.0.1:1883/plant", "qos": 0})]


def test_a_bad_output_built_in_code_is_refused_by_the_session(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown output kind 'parquet'"):
        SamplingSession(plant(tmp_path, {"kind": "parquet"}))


# -- alarm transitions ------------------------------------------------------------------------
class Scripted(StreamingSource):
    """Streams the given values, then stays connected and quiet."""

    def __init__(self, spec: SensorSpec, values: list[float]) -> None:
        super().__init__(spec)
        self.values = values

    async def stream(self) -> AsyncIterator[float]:  # type: ignore[override]
        for value in self.values:
            yield value
        await asyncio.Event().wait()


async def test_the_engine_emits_each_alarm_transition_before_the_reading_that_caused_it() -> None:
    spec = SensorSpec(id="t", limits=Limits(lo=0.0, hi=10.0, hihi=20.0, deadband=1.0))
    engine = Engine()
    engine.add(spec, Scripted(spec, [5, 15, 25, 15, 9.5, 8, -3]))
    seen: list[SinkItem] = []
    engine.subscribe_events(seen.append)
    plain: list[Reading] = []
    engine.subscribe(plain.append)
    await engine.start()
    try:
        await wait_until(lambda: len(plain) == 7, 20, "seven readings")
    finally:
        await engine.stop()
    steps = [(type(i).__name__, i.value) if isinstance(i, Reading) else
             (i.alarm.value, i.from_state.value, i.to_state.value, i.value, i.limit)
             for i in seen]
    assert steps == [  # each level is an alarm of its own (README "Alarms")
        ("Reading", 5),
        ("hi", "normal", "unack", 15, 10.0), ("Reading", 15),
        ("hihi", "normal", "unack", 25, 20.0), ("Reading", 25),
        ("hihi", "unack", "rtn_unack", 15, 20.0), ("Reading", 15),
        ("Reading", 9.5),  # within the deadband: still hi, no transition
        ("hi", "unack", "rtn_unack", 8, 10.0), ("Reading", 8),
        ("lo", "normal", "unack", -3, 0.0), ("Reading", -3),
    ]
    assert all(isinstance(r, Reading) for r in plain)  # plain subscribers get readings only
    assert [i.alarm for i in seen if isinstance(i, AlarmEvent)][-1] is AlarmKind.LO


async def test_the_log_holds_readings_only_though_its_sink_is_handed_transitions(
        tmp_path: Path) -> None:
    config = plant(tmp_path)
    spec = SensorSpec(id="t", limits=Limits(hi=10.0))
    config.sensors = []
    session = SamplingSession(config)
    session.engine.add(spec, Scripted(spec, [5, 15, 5, 15]))
    await session.start()
    await wait_until(lambda: session.engine.readings_total == 4, 20, "four readings")
    await session.stop()
    lines = read_log_lines(session.recorder.paths)
    assert [(line["value"], line.get("alarm")) for line in lines] == [
        (5, None), (15, "hi"), (5, None), (15, "hi")]


async def test_readings_an_mqtt_output_dropped_past_its_buffer_limit_are_counted_as_undelivered(
        tmp_path: Path) -> None:
    from peers import HOST, free_port

    url = f"mqtt://{HOST}:{free_port()}/nobody"  # no broker: nothing is ever acknowledged
    session = SamplingSession(plant(tmp_path, {"kind": "mqtt", "url": url, "buffer_limit": 3}))
    await run_briefly(session, readings=10)
    jsonl, journal, mqtt = await session.stop(timeout=0.0)
    assert jsonl.undelivered == journal.undelivered == 0
    assert mqtt.undelivered == session.engine.readings_total
    assert len(mqtt.items) == 3 and all(isinstance(i, Reading) for i in mqtt.items)
    assert mqtt.error is not None and "oldest dropped past buffer_limit" in mqtt.error


@pytest.mark.parametrize(("target", "words"), [
    ("sensortop_no_such_plugin:Sink", "No module named 'sensortop_no_such_plugin'"),
    ("sensortop.model.readings:Reading",
     "sensortop.model.readings:Reading is not a sensortop Sink"),
    ("sensortop.model.readings:Nothing", "AttributeError"),
])
def test_an_output_kind_that_cannot_load_is_a_located_problem_not_a_crash(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, target: str, words: str) -> None:
    monkeypatch.setitem(registry.BUILTIN, "broken", target)
    [problem] = registry.check_outputs(plant(tmp_path, {"kind": "broken"}))
    assert problem.where == "outputs[0] (broken)" and problem.field == "kind"
    assert problem.message.startswith("output kind 'broken' is not available: ")
    assert words in problem.message


def test_record_given_a_bad_output_built_in_code_exits_2_with_the_problem(
        tmp_path: Path) -> None:
    import io

    from sensortop.cli.record import record

    out = io.StringIO()
    code = asyncio.run(record(plant(tmp_path, {"kind": "mqtt", "url": "ftp://x"}), None, 1.0,
                              out=out))
    assert code == 2
    assert "outputs[0] (mqtt): field 'url': publish URL must start with mqtt://" \
        in out.getvalue()
