"""Config reload below the faces (README "Running as a service"): the diff of two configs,
and the Reloader applying it to a real running engine - unchanged sensors untouched,
a broken config changing nothing, a reload during a reload queued."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from sensortop.config.loader import load_config
from sensortop.model.specs import Config, Limits, MonitorSpec, OutputSpec, SensorSpec
from sensortop.sampling.engine import Engine
from sensortop.sampling.reload import Reloader, ReloadResult, diff_configs
from support import wait_until


def config(*specs: SensorSpec, **monitor: object) -> Config:
    return Config(Path("plant.toml"), MonitorSpec(**monitor), list(specs))  # type: ignore[arg-type]


A, B, C = (SensorSpec(sid, interval=0.02) for sid in "abc")


def test_the_diff_sorts_sensors_by_id_into_added_removed_changed_and_unchanged() -> None:
    changed_b = replace(B, units="bar")
    diff = diff_configs(config(A, B), config(changed_b, A, C))
    assert diff.added == (C,)
    assert diff.removed == ()
    assert diff.changed == (changed_b,)
    assert diff.unchanged == ("a",)
    diff = diff_configs(config(A, B, C), config(C))
    assert diff.removed == ("a", "b") and diff.unchanged == ("c",)
    assert diff.applied == () and diff.needs_restart == ()


@pytest.mark.parametrize("change", [
    {"name": "Reactor"}, {"kind": "system"}, {"units": "K"}, {"interval": 0.5},
    {"timeout": 0.3}, {"retries": 2}, {"setpoint": 1.0}, {"limits": Limits(hi=3.0)},
    {"options": {"mean": 5.0}}, {"base_dir": Path("/elsewhere")},
])
def test_a_change_in_any_field_restarts_the_sensor(change: dict[str, object]) -> None:
    new = replace(A, **change)  # type: ignore[arg-type]
    diff = diff_configs(config(A), config(new))
    assert diff.changed == (new,) and diff.unchanged == ()


def test_monitor_and_outputs_changes_say_what_applies_and_what_needs_a_restart() -> None:
    old = config(A)
    new = config(A, title="Line 1", history=50, log_dir=Path("elsewhere"), rotate_mb=5.0)
    new.outputs = [OutputSpec("jsonl", {"rotate_mb": 1}, 0)]
    diff = diff_configs(old, new)
    assert diff.applied == ("[monitor] title", "[monitor] history 50 (for sensors started "
                                               "from now; running ones keep theirs)")
    assert diff.needs_restart == (
        "[monitor] log_dir (the running log cannot move to another folder)",
        "[monitor] rotate_mb (the running log keeps its rotation size)",
        "[[outputs]] (the running outputs are kept)")


def write(path: Path, *ids_and_intervals: tuple[str, float], extra: str = "") -> None:
    text = extra + "".join(f'[[sensors]]\nid = "{sid}"\ninterval = {interval}\n'
                           for sid, interval in ids_and_intervals)
    path.write_text(text, encoding="utf-8")


async def running(path: Path) -> tuple[Engine, Reloader, list[ReloadResult]]:
    start = load_config(path, need_sensors=True)
    engine = Engine(start.sensors, history=start.monitor.history)
    await engine.start()
    reported: list[ReloadResult] = []
    reloader = Reloader(engine, start, lambda: load_config(path, need_sensors=True),
                        reported.append)
    return engine, reloader, reported


async def test_a_reload_starts_stops_and_restarts_and_leaves_the_rest_untouched(
        tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    write(path, ("keep", 0.02), ("gone", 0.02), ("retuned", 0.02))
    engine, reloader, reported = await running(path)
    try:
        await wait_until(lambda: all(s.readings >= 3 for s in engine.sensors.values()))
        kept, kept_task = engine.sensors["keep"], engine.sensors["keep"].task
        retuned = engine.sensors["retuned"]
        write(path, ("keep", 0.02), ("retuned", 0.05), ("new", 0.02))
        reloader.request()
        await reloader.idle()
        assert [r.describe()[0] for r in reported] == [
            f"reloaded {path}: sensors 1 added (new), 1 removed (gone), 1 restarted (retuned), "
            "1 unchanged"]
        assert list(engine.sensors) == ["keep", "retuned", "new"]
        assert engine.sensors["keep"] is kept and kept.task is kept_task  # history, schedule
        # (a source that answers at once is read by the engine's ticker: it has no task)
        assert kept_task is None or not kept_task.done()
        assert engine.sensors["retuned"] is not retuned
        assert retuned.task is None or retuned.task.done()
        assert engine.sensors["retuned"].spec.interval == 0.05
        before = kept.readings
        await wait_until(lambda: engine.sensors["new"].readings >= 3 and kept.readings > before)
        assert [s.id for s in reloader.current.sensors] == ["keep", "retuned", "new"]
    finally:
        await engine.stop()


async def test_a_broken_config_is_reported_and_the_running_set_kept(tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    write(path, ("a", 0.02), ("b", 0.02))
    engine, reloader, reported = await running(path)
    try:
        states = dict(engine.sensors)
        path.write_text('[[sensors]]\nid = "a"\ninterval = "soon"\n', encoding="utf-8")
        reloader.request()
        await reloader.idle()
        (result,) = reported
        assert result.refused and engine.sensors == states
        lines = result.describe()
        assert lines[0] == (f"reload refused: {path} has 1 problem; still running the "
                            "2 sensors it had")
        assert "sensors[0] 'a': field 'interval': must be a number" in lines[1]
        assert [s.id for s in reloader.current.sensors] == ["a", "b"]
        # Fixed, the next reload diffs against what runs, not against the broken file.
        write(path, ("a", 0.02))
        reloader.request()
        await reloader.idle()
        assert reported[-1].diff is not None and reported[-1].diff.removed == ("b",)
    finally:
        await engine.stop()


async def test_a_reload_requested_during_a_reload_is_queued_and_reads_the_newest_file(
        tmp_path: Path) -> None:
    path = tmp_path / "plant.toml"
    write(path, ("a", 0.02))
    start = load_config(path, need_sensors=True)
    engine = Engine(start.sensors)
    await engine.start()
    release, loads = threading.Event(), []

    def slow_load() -> Config:
        loads.append(path.read_text())
        release.wait(10)  # on a worker thread: the loop keeps sampling meanwhile
        return load_config(path, need_sensors=True)

    reloader = Reloader(engine, start, slow_load)
    try:
        write(path, ("a", 0.02), ("b", 0.02))
        reloader.request()
        await wait_until(lambda: len(loads) == 1)
        readings = engine.sensors["a"].readings
        await wait_until(lambda: engine.sensors["a"].readings > readings + 2,
                         message="sampling while the config loads")
        write(path, ("a", 0.02), ("b", 0.02), ("c", 0.02))
        reloader.request()
        reloader.request()  # two more while busy: one more reload, not lost, not two
        release.set()
        await reloader.idle()
        assert len(reloader.results) == 2 and len(loads) == 2
        assert list(engine.sensors) == ["a", "b", "c"]
    finally:
        release.set()
        await engine.stop()


async def test_a_changed_sensor_whose_new_spec_cannot_start_keeps_running_as_it_was() -> None:
    engine = Engine([A])
    await engine.start()
    old_state = engine.sensors["a"]
    broken = replace(A, kind="no_such_kind")
    reloader = Reloader(engine, config(A), lambda: config(broken, B))
    try:
        result = await reloader.reload_once()
        assert set(result.not_started) == {"a"}
        assert engine.sensors["a"] is old_state and list(engine.sensors) == ["a", "b"]
        assert reloader.current.sensors == [A, B]
        assert "sensor 'a' not started:" in result.describe()[-1]
    finally:
        await engine.stop()


async def test_settings_that_need_a_restart_stay_as_started_in_the_running_config() -> None:
    engine = Engine([A])
    outputs = [OutputSpec("jsonl", {"rotate_mb": 1}, 0)]
    new = config(A, log_dir=Path("moved"), history=40)
    new.outputs = outputs
    reloader = Reloader(engine, config(A), lambda: new)
    result = await reloader.reload_once()
    assert result.diff is not None and len(result.diff.needs_restart) == 2
    assert reloader.current.monitor.log_dir == Path("logs")
    assert reloader.current.outputs == [] and reloader.current.monitor.history == 40
    assert engine.history_size == 40
    # Asked again, it still says so: the running outputs did not change.
    again = await reloader.reload_once()
    assert again.diff is not None and len(again.diff.needs_restart) == 2


async def test_a_loader_that_fails_unexpectedly_refuses_the_reload() -> None:
    engine = Engine([A])

    def fails() -> Config:
        raise RuntimeError("disk on fire")

    result = await Reloader(engine, config(A), fails).reload_once()
    assert result.refused and result.error == "could not load it: disk on fire"
    assert list(engine.sensors) == ["a"]
