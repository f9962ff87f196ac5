"""Reloading a running engine's config: what changed, and applying only that.

Below the faces so ``record`` (on SIGHUP) and the dashboard reload the same way
(README "Running as a service"). A sensor whose spec is unchanged keeps running
untouched - its history, alarm state and schedule; a changed one restarts, an added
one starts, a removed one stops. A config with problems changes nothing. Settings
the running outputs were built from (the log folder, rotation, ``[[outputs]]``)
cannot change under a running log: the reload says they need a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from sensortop.config.kinds import make_source
from sensortop.config.problems import ConfigError, Problem
from sensortop.model.specs import Config, SensorSpec
from sensortop.model.words import count_of
from sensortop.sampling.engine import Engine

log = logging.getLogger(__name__)

Loader = Callable[[], Config]
"""Reads and validates the config file again; blocking (run off the loop); ConfigError."""

NEEDS_RESTART = {
    "log_dir": "[monitor] log_dir (the running log cannot move to another folder)",
    "rotate_mb": "[monitor] rotate_mb (the running log keeps its rotation size)",
}


@dataclass(frozen=True, slots=True)
class ConfigDiff:
    """What a new config changes against the running one."""

    added: tuple[SensorSpec, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[SensorSpec, ...] = ()
    """The new specs of sensors whose spec differs in any field: they restart."""
    unchanged: tuple[str, ...] = ()
    applied: tuple[str, ...] = ()
    """Settings outside the sensors that take effect now, in words."""
    needs_restart: tuple[str, ...] = ()
    """Settings that changed but cannot apply to a running process, in words."""


def same_spec(a: SensorSpec, b: SensorSpec) -> bool:
    """Equal in every field, the config file's folder too (relative paths depend on it)."""
    return a == b and a.base_dir == b.base_dir


def diff_configs(old: Config, new: Config) -> ConfigDiff:
    """Compare by sensor id; the new config's order for added and changed sensors."""
    before = {spec.id: spec for spec in old.sensors}
    after = {spec.id: spec for spec in new.sensors}
    added = tuple(spec for spec in new.sensors if spec.id not in before)
    removed = tuple(spec.id for spec in old.sensors if spec.id not in after)
    changed = tuple(spec for spec in new.sensors
                    if spec.id in before and not same_spec(before[spec.id], spec))
    unchanged = tuple(spec.id for spec in new.sensors
                      if spec.id in before and same_spec(before[spec.id], spec))
    applied, needs_restart = [], []
    if new.monitor.title != old.monitor.title:
        applied.append("[monitor] title")
    if new.monitor.history != old.monitor.history:
        applied.append(f"[monitor] history {new.monitor.history:,} (for sensors started from "
                       "now; running ones keep theirs)")
    for name, words in NEEDS_RESTART.items():
        if getattr(new.monitor, name) != getattr(old.monitor, name):
            needs_restart.append(words)
    if not _same_outputs(old, new):
        needs_restart.append("[[outputs]] (the running outputs are kept)")
    return ConfigDiff(added, removed, changed, unchanged, tuple(applied), tuple(needs_restart))


def _same_outputs(old: Config, new: Config) -> bool:
    if len(old.outputs) != len(new.outputs):
        return False
    return all(a == b and a.base_dir == b.base_dir
               for a, b in zip(old.outputs, new.outputs, strict=True))


@dataclass(slots=True)
class ReloadResult:
    """One reload: the diff applied, or the problems that refused it."""

    at: float
    file: str
    diff: ConfigDiff | None = None
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    """A failure that is not a config problem (the loader raised something else)."""
    not_started: dict[str, str] = field(default_factory=dict)
    """Sensor id -> why its new spec could not start (a changed one keeps its old spec)."""
    running: int = 0

    @property
    def refused(self) -> bool:
        return self.diff is None

    def describe(self) -> list[str]:
        """The lines ``record`` prints: the first says what happened, the rest why."""
        if self.diff is None:
            count = len(self.problems) or 1
            lines = [f"reload refused: {self.file} has {count_of(count, 'problem')}; still "
                     f"running the {count_of(self.running, 'sensor')} it had"]
            lines += [f"  {problem}" for problem in self.problems]
            if self.error:
                lines.append(f"  {self.error}")
            return lines
        d = self.diff
        parts = [f"{len(d.added)} added" + _ids(spec.id for spec in d.added),
                 f"{len(d.removed)} removed" + _ids(d.removed),
                 f"{len(d.changed)} restarted" + _ids(spec.id for spec in d.changed),
                 f"{len(d.unchanged)} unchanged"]
        lines = [f"reloaded {self.file}: sensors {', '.join(parts)}"]
        if d.applied:
            lines.append(f"  applied: {'; '.join(d.applied)}")
        if d.needs_restart:
            lines.append(f"  not applied until a restart: {'; '.join(d.needs_restart)}")
        lines += [f"  sensor {sid!r} not started: {why}" for sid, why in self.not_started.items()]
        return lines


def _ids(ids: Iterable[str]) -> str:
    shown = list(ids)
    if not shown:
        return ""
    text = ", ".join(shown[:5]) + (f", ... ({len(shown) - 5} more)" if len(shown) > 5 else "")
    return f" ({text})"


async def apply_diff(engine: Engine, diff: ConfigDiff, history: int) -> dict[str, str]:
    """Stop removed sensors, restart changed ones, start added ones; on the engine's loop.

    A new spec's source is made before its old one stops, so a spec that cannot start
    leaves a changed sensor running as it was. Returns id -> why, for those.
    """
    not_started: dict[str, str] = {}
    engine.history_size = history
    for sensor_id in diff.removed:
        if sensor_id in engine.sensors:
            await engine.remove(sensor_id)
    for spec in (*diff.changed, *diff.added):
        try:
            source = make_source(spec)
        except Exception as exc:  # a plugin's constructor: report it, keep the rest
            not_started[spec.id] = str(exc) or type(exc).__name__
            continue
        if spec.id in engine.sensors:
            await engine.remove(spec.id)
        try:
            engine.add(spec, source)
        except ValueError as exc:
            not_started[spec.id] = str(exc)
    return not_started


class Reloader:
    """Runs reloads one at a time; a request during a reload is queued, never lost.

    Requests that arrive while one reload runs become one more reload after it (the
    file is read again then, so the newest config wins). ``request`` never blocks: a
    signal handler may call it. ``current`` is the config the engine runs, with the
    settings that need a restart kept as they were started.
    """

    def __init__(self, engine: Engine, current: Config, load: Loader,
                 report: Callable[[ReloadResult], None] | None = None) -> None:
        self.engine = engine
        self.current = current
        self.results: list[ReloadResult] = []
        self._load = load
        self._report = report
        self._pending = False
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def request(self) -> None:
        """Ask for a reload (on the engine's loop)."""
        self._pending = True
        if not self.busy:
            self._task = asyncio.create_task(self._run(), name="config-reload")

    async def idle(self) -> None:
        """Wait until no reload runs or is queued."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._pending:
            self._pending = False
            result = await self.reload_once()
            self.results.append(result)
            if self._report is not None:
                try:
                    self._report(result)
                except Exception:
                    log.exception("reload report failed")

    async def reload_once(self) -> ReloadResult:
        """Read the config off the loop, then apply what changed."""
        file = str(self.current.path) if self.current.path else "the config"
        result = ReloadResult(time.time(), file, running=len(self.engine.sensors))
        try:
            new = await asyncio.to_thread(self._load)
        except ConfigError as exc:
            result.problems = list(exc.problems)
            return result
        except Exception as exc:  # an unexpected loader failure must not end the run
            result.error = f"could not load it: {exc or type(exc).__name__}"
            log.warning("config reload failed", exc_info=True)
            return result
        diff = diff_configs(self.current, new)
        result.diff = diff
        result.not_started = await apply_diff(self.engine, diff, new.monitor.history)
        result.running = len(self.engine.sensors)
        self.current = self._running_config(new)
        return result

    def _running_config(self, new: Config) -> Config:
        """``new`` as it now runs: the specs the engine holds, the kept settings as started."""
        specs = {sid: state.spec for sid, state in self.engine.sensors.items()}
        old = self.current.monitor
        monitor = replace(new.monitor, log_dir=old.log_dir, rotate_mb=old.rotate_mb)
        return replace(new, monitor=monitor, outputs=self.current.outputs,
                       sensors=[specs[spec.id] for spec in new.sensors if spec.id in specs])
