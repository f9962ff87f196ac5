"""The alarm journal: N alarm events in, exactly N lines out, across rotation and SIGTERM.

README "The alarm journal": ``events-<stamp>.jsonl`` beside ``sensortop-<stamp>.jsonl``,
one line per event, rotated with the readings log, kept when ``record`` is stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sensortop.config.loader import make_sensor
from sensortop.logs.files import expand_log_paths, log_sort_key
from sensortop.logs.format import format_ts
from sensortop.model.alarms import AlarmEvent, AlarmKind, EventKind, Lifecycle, Priority
from sensortop.model.specs import Config, MonitorSpec
from sensortop.sampling.session import SamplingSession
from sensortop.sinks.base import SinkContext
from sensortop.sinks.journal import JournalSink
from support import wait_until

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["ts", "sensor", "alarm", "priority", "event", "from", "to", "value", "limit"]


def journal_lines(log_dir: Path) -> list[dict[str, object]]:
    parts = sorted(log_dir.glob("events-*.jsonl"), key=lambda p: log_sort_key(
        p.with_name(p.name.replace("events-", "sensortop-", 1))))
    return [json.loads(line) for p in parts for line in p.read_text("utf-8").splitlines()]


async def test_every_event_is_one_line_across_rotation(tmp_path: Path) -> None:
    spec = make_sensor({"id": "flip", "interval": 0.005, "setpoint": 0.0, "noise": 1.0,
                        "walk": 0.0, "seed": 3, "limits": {"hi": 0.0, "lo": -0.5}})
    config = Config(None, MonitorSpec(log_dir=tmp_path, rotate_mb=0.004), [spec])
    session = SamplingSession(config)
    seen: list[AlarmEvent] = []
    session.engine.subscribe_events(lambda i: seen.append(i) if isinstance(i, AlarmEvent)
                                    else None)
    await session.start()
    await wait_until(lambda: session.recorder.part >= 3 and len(seen) >= 50, 20,
                     "three rotations and 50 events")
    reports = await session.stop()
    assert not any(r.failed or r.undelivered for r in reports)
    journal = session.sinks[1]
    assert isinstance(journal, JournalSink) and journal.delivered == len(seen)
    lines = journal_lines(tmp_path)
    assert lines == [e.journal_fields(format_ts) for e in seen]  # exactly, in order
    assert all(list(line)[:9] == FIELDS for line in lines)
    parts = {p.name.split(".")[1] if p.name.count(".") == 2 else "0"
             for p in tmp_path.glob("events-*.jsonl")}
    assert len(parts) >= 3  # it rotated with the readings
    stamp = session.recorder.stem.removeprefix("sensortop-")
    assert (tmp_path / f"events-{stamp}.jsonl").exists()
    # readers of the readings log pass the journal over
    assert all(p.name.startswith("sensortop-") for p in expand_log_paths([tmp_path]))


def test_record_keeps_every_event_on_sigterm(tmp_path: Path) -> None:
    """A real ``sensortop record``: the journal's lines match the log's alarm changes."""
    config = tmp_path / "c.toml"
    config.write_text('[monitor]\nlog_dir = "logs"\n[[sensors]]\nid = "flip"\n'
                      'interval = 0.01\nsetpoint = 0.0\nnoise = 1.0\nwalk = 0.0\n'
                      'limits = { hi = 0.0 }\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SENSORTOP_SEED": "5"}
    proc = subprocess.Popen([sys.executable, "-m", "sensortop", "record", "--config",
                             str(config)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    logs = tmp_path / "logs"
    try:
        deadline = time.monotonic() + 30
        while len(journal_lines(logs)) < 20 if logs.is_dir() else True:
            assert time.monotonic() < deadline and proc.poll() is None, "no journal lines"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    readings = [json.loads(line) for p in sorted(logs.glob("sensortop-*.jsonl"))
                for line in p.read_text("utf-8").splitlines()]
    # With one hi limit and no delays, every change of the reading's alarm is one event.
    changes, before = [], "normal"
    for r in readings:
        if r["status"] != "ok":
            continue
        now = r.get("alarm", "normal")
        if now != before:
            changes.append((r["ts"], "raise" if now == "hi" else "clear", r["value"]))
        before = now
    lines = journal_lines(logs)
    assert [(e["ts"], e["event"], e["value"]) for e in lines] == changes
    assert b"alarm events written" in out


async def test_a_journal_on_its_own_takes_its_own_stamp(tmp_path: Path) -> None:
    sink = JournalSink.from_options({}, SinkContext(MonitorSpec(), tmp_path))
    await sink.start()
    sink.put(AlarmEvent(0.0, "s", AlarmKind.HI, Priority.HIGH, EventKind.RAISE,
                        Lifecycle.NORMAL, Lifecycle.UNACK, 1.0, 0.5))
    await sink.stop(0.0)
    (path,) = tmp_path.glob("events-*.jsonl")
    assert json.loads(path.read_text("utf-8")) == {
        "ts": "1970-01-01T00:00:00.000Z", "sensor": "s", "alarm": "hi", "priority": "high",
        "event": "raise", "from": "normal", "to": "unack", "value": 1.0, "limit": 0.5}
