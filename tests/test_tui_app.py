"""The dashboard's keys, driven with Textual's Pilot against a real sampling session."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select

from sensortop.config.loader import load_config
from sensortop.model.specs import Config
from sensortop.review.blocks import LogPathError
from sensortop.review.reader import read_logs
from sensortop.sampling.session import SamplingSession
from sensortop.tui.app import SensortopApp
from sensortop.tui.keys import ACTIONS
from sensortop.tui.sampling import SWITCH_INTERVAL, ThreadedLink
from sensortop.tui.screens.add_sensor import AddSensorScreen
from sensortop.tui.screens.confirm import ConfirmScreen
from sensortop.tui.screens.detail import DetailScreen
from sensortop.tui.screens.help import HelpScreen
from sensortop.tui.themes import ThemeChoice
from sensortop.tui.widgets.sensor_panel import SensorPanel
from sensortop.tui.widgets.status_line import StatusLine
from support import read_log_lines, wait_until

DEAD_PUBCHEM = "http://127.0.0.1:9/rest/pug"  # never contacted by these tests
SIZE = (160, 45)

CONFIG = """\
# a test plant
[monitor]
title = "Test plant"
log_dir = "logs"

[[sensors]]
id = "temp_a"
name = "Temp A"
units = "°C"
interval = 0.1
setpoint = 20.0
limits = { lo = 10.0, hi = 30.0 }

[[sensors]]
id = "press_b"
units = "bar"
interval = 0.1
setpoint = 5.0
"""


def write_config(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_app(config: Config, log_dir: Path, **kwargs: object) -> SensortopApp:
    link = ThreadedLink(SamplingSession(config, log_dir))
    return SensortopApp(link, config, pubchem_url=DEAD_PUBCHEM, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(write_config(tmp_path))


@pytest.fixture
async def app(config: Config, tmp_path: Path) -> AsyncIterator[SensortopApp]:
    app = make_app(config, tmp_path / "logs")
    yield app
    await app.link.stop()


async def until(pilot: Pilot, predicate, message: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``predicate()`` holds (never a fixed sleep)."""
    await pilot.pause()
    await wait_until(predicate, timeout, message)
    await pilot.pause()


def panel_ids(app: SensortopApp) -> list[str]:
    return [panel.sensor_id for panel in app.grid.panels]


def panel_text(app: SensortopApp, sensor_id: str) -> str:
    panel = app.grid.panel(sensor_id)
    assert panel is not None
    return str(panel.render())


async def open_form(pilot: Pilot) -> AddSensorScreen:
    await pilot.press("a")
    await until(pilot, lambda: isinstance(pilot.app.screen, AddSensorScreen), "the form")
    screen = pilot.app.screen
    assert isinstance(screen, AddSensorScreen)
    await until(pilot, lambda: screen.focused is not None, "form focus")
    return screen


# -- a: add ---------------------------------------------------------------------------

async def test_add_form_opens_with_the_id_field_focused(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        assert screen.focused is screen.query_one("#f-id", Input)


async def test_add_by_typing_an_id_and_enter_logs_its_readings(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press(*"tc_new", "enter")
        await until(pilot, lambda: "tc_new" in panel_ids(app), "the new panel")
        state = app.link.engine.sensors["tc_new"]
        assert state.spec.kind == "simulated" and state.spec.interval == 1.0
        await until(pilot, lambda: state.readings >= 1, "a reading from tc_new")
        await pilot.press("q")
        await until(pilot, lambda: app.link.stopped and not app.is_running, "quit")
    lines = read_log_lines(app.link.recorder.paths)
    assert any(line["sensor"] == "tc_new" and line["status"] == "ok" for line in lines)


@pytest.mark.parametrize(("field", "text", "message"), [
    ("id", "Bad Id!", "not a valid id"),
    ("id", "temp_a", "is taken"),
    ("interval", "fast", "must be a number"),
    ("interval", "0", "must be at least"),
    ("limits-hi", "high", "must be a number"),
])
async def test_invalid_add_is_rejected_with_a_message_beside_the_field(
        app: SensortopApp, field: str, text: str, message: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        if field != "id":
            screen.query_one("#f-id", Input).value = "fine_id"
        screen.query_one(f"#f-{field}", Input).value = text
        screen.query_one("#f-id", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddSensorScreen)
        assert message in str(screen.query_one(f"#p-{field}", Label).render())
        assert "Not added" in str(screen.query_one("#add-summary").render())
        assert sorted(app.link.engine.sensors) == ["press_b", "temp_a"]


async def test_a_long_problem_is_shown_whole_and_the_form_fits_a_small_terminal(
        config: Config, tmp_path: Path) -> None:
    app = make_app(config, tmp_path / "logs")
    async with app.run_test(size=(90, 30)) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#f-id", Input).value = "Bad Id With Spaces"
        await pilot.press("enter")
        await pilot.pause()
        label = screen.query_one("#p-id", Label)
        text = str(label.render())
        assert "lower case letters" in text
        assert label.content_size.width * label.content_size.height >= len(text)
        for button in ("#add-ok", "#add-cancel"):
            assert screen.query_one(button).region.right <= 90
    await app.link.stop()


async def test_limits_out_of_order_are_rejected_with_a_message(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#f-id", Input).value = "ordered"
        screen.query_one("#f-limits-lo", Input).value = "50"
        screen.query_one("#f-limits-hi", Input).value = "10"
        await pilot.press("enter")
        await pilot.pause()
        assert "must be below" in str(screen.query_one("#add-summary").render())
        assert "ordered" not in app.link.engine.sensors


async def test_choosing_a_kind_shows_that_kinds_fields(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        assert screen.query("#f-noise")
        screen.query_one("#f-kind", Select).value = "command"
        await until(pilot, lambda: bool(screen.query("#f-command")), "command's fields")
        assert not screen.query("#f-noise")


async def test_escape_closes_the_form_and_adds_nothing(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press(*"never", "escape")
        await until(pilot, lambda: not isinstance(app.screen, AddSensorScreen), "form closed")
        assert panel_ids(app) == ["temp_a", "press_b"]


# -- d: remove ------------------------------------------------------------------------

async def test_remove_asks_and_y_removes_the_focused_sensor(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: panel_ids(app) == ["press_b"], "panel removed")
        assert list(app.link.engine.sensors) == ["press_b"]


async def test_removing_every_sensor_leaves_a_hint_and_the_keys_harmless(
        app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        hint = app.query_one("#grid-empty")
        assert not hint.display
        await pilot.press("d", "y")
        await until(pilot, lambda: panel_ids(app) == ["press_b"], "first removed")
        assert app.sub_title == "1 sensor"
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: panel_ids(app) == [], "last removed")
        assert hint.display and "Press a to add" in str(hint.render())
        assert app.sub_title == "0 sensors"
        await pilot.press("space", "enter", "d")  # nothing to act on: nothing happens
        await pilot.pause()
        assert len(app.screen_stack) == 1 and not app.link.engine.sensors
        await open_form(pilot)
        await pilot.press(*"fresh", "enter")
        await until(pilot, lambda: panel_ids(app) == ["fresh"], "a sensor again")
        assert not hint.display


async def test_remove_declined_keeps_the_sensor(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "closed")
        assert panel_ids(app) == ["temp_a", "press_b"]


# -- space, enter, arrows -------------------------------------------------------------------

async def test_space_pauses_and_resumes_the_focused_sensor(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        state = app.link.engine.sensors["temp_a"]
        await pilot.press("space")
        await until(pilot, lambda: state.paused, "paused")
        await until(pilot, lambda: "PAUSED" in panel_text(app, "temp_a"), "the word PAUSED")
        await pilot.press("space")
        await until(pilot, lambda: not state.paused, "resumed")
        count = state.readings
        await until(pilot, lambda: state.readings > count, "readings again")


async def test_threaded_engine_gets_a_short_gil_switch_interval_while_it_runs(
    app: SensortopApp,
) -> None:
    before = sys.getswitchinterval()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.link.started, "sampling started")
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        await app.link.stop()
    assert sys.getswitchinterval() == pytest.approx(before)


async def test_k_acknowledges_a_new_alarm_and_its_mark_goes(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        state = app.link.engine.sensors["temp_a"]

        def raise_alarm() -> None:  # paused, so no reading of ~20 clears it again
            app.link.engine.pause("temp_a")
            state.alarms.update(35.0)  # above hi = 30

        await app.link.call_sync(raise_alarm)
        await until(pilot, lambda: "HI alarm!" in panel_text(app, "temp_a"), "the new-alarm mark")
        await pilot.press("k")
        await until(pilot, lambda: state.alarms.acknowledged, "acknowledged")
        await until(pilot, lambda: "HI alarm!" not in panel_text(app, "temp_a"), "mark gone")


async def test_enter_opens_the_detail_and_escape_closes_it(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")  # focus press_b
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.state.spec.id == "press_b"
        await until(pilot, lambda: "Alarm limits" in str(screen.stats_text()), "statistics")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DetailScreen), "back to grid")


async def test_arrow_keys_move_between_panels(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.focused, SensorPanel) and app.focused.sensor_id == "temp_a"
        await pilot.press("right")
        assert app.focused.sensor_id == "press_b"  # type: ignore[union-attr]
        await pilot.press("left")
        assert app.focused.sensor_id == "temp_a"  # type: ignore[union-attr]


async def test_a_mouse_click_focuses_a_panel(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#panel-press_b")
        assert isinstance(app.focused, SensorPanel) and app.focused.sensor_id == "press_b"


# -- t, s, ?, q, palette --------------------------------------------------------------------

async def test_theme_switch_is_applied_and_remembered(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "control-room"
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"high-contrast-light")
        await until(pilot, lambda: True, "typing")
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "high-contrast-light", "the new theme")
        await until(pilot, lambda: ThemeChoice().load() == "high-contrast-light", "state file")


async def test_remembered_theme_is_used_at_start(config: Config, tmp_path: Path) -> None:
    ThemeChoice().save("high-contrast-light")
    app = make_app(config, tmp_path / "logs", start_sampling=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "high-contrast-light"


async def test_unknown_theme_flag_falls_back_with_a_warning(config: Config,
                                                           tmp_path: Path) -> None:
    app = make_app(config, tmp_path / "logs", theme="no-such-theme", start_sampling=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "control-room"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_save_writes_a_config_that_reloads_to_the_same_sensors(
        app: SensortopApp, config: Config) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press(*"extra", "tab", *"Extra one", "enter")
        await until(pilot, lambda: "extra" in panel_ids(app), "extra added")
        before = config.path.read_text(encoding="utf-8")  # type: ignore[union-attr]
        await pilot.press("s")
        await until(pilot, lambda: config.path.read_text(encoding="utf-8") != before,  # type: ignore[union-attr]
                    "the file rewritten")
        expected = [s.spec.to_toml_dict() for s in app.link.engine.sensors.values()]
    reloaded = load_config(config.path)  # type: ignore[arg-type]
    assert [s.to_toml_dict() for s in reloaded.sensors] == expected
    assert reloaded.monitor.title == "Test plant"
    assert "# a test plant" in config.path.read_text(encoding="utf-8")  # type: ignore[union-attr]


async def test_save_from_the_builtin_config_writes_a_new_file_in_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sensortop.config.files import default_config_path

    monkeypatch.chdir(tmp_path)
    config = load_config(default_config_path())
    app = make_app(config, tmp_path / "logs", start_sampling=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        target = tmp_path / "sensortop.toml"
        await until(pilot, target.exists, "sensortop.toml")
        await until(pilot, lambda: any("sensortop.toml" in n.message
                                       for n in app._notifications), "a note saying where")
    saved = load_config(target)
    assert [s.to_toml_dict() for s in saved.sensors] == \
        [s.to_toml_dict() for s in config.sensors]
    assert default_config_path().read_text(encoding="utf-8").startswith("# sensortop")


async def test_help_lists_every_key_and_the_log_file(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.link.recorder.path is not None, "recording")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = "  ".join(str(part.render()) for part in app.screen.query("#help-box Static"))
        for key in ("a", "d", "space", "k", "enter", "c", "l", "t", "s", "?", "q", "ctrl+p"):
            assert f"{key}  " in text or f" {key} " in text
        assert str(app.link.recorder.path) in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "closed")


async def test_quit_flushes_every_reading_to_the_log(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        engine = app.link.engine
        await until(pilot, lambda: engine.readings_total >= 20, "some readings")
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "exit")
    assert app.return_code == 0
    assert len(read_log_lines(app.link.recorder.paths)) == engine.readings_total


async def test_the_command_palette_offers_every_action(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        callbacks = {getattr(c.callback, "__name__", "")
                     for c in app.get_system_commands(app.screen)}
        for _key, action, _label, _help in ACTIONS:
            if action == "choose_theme":
                action = "change_theme"  # Textual's own theme command
            assert f"action_{action}" in callbacks, action


# -- the frame clock ---------------------------------------------------------------------

async def test_frames_are_skipped_while_a_screen_covers_the_grid(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        frames = app.frames
        engine = app.link.engine
        count = engine.readings_total
        await until(pilot, lambda: engine.readings_total > count + 20, "readings meanwhile")
        assert app.frames == frames


async def test_off_screen_panels_are_never_redrawn(tmp_path: Path) -> None:
    sensors = "".join(f'\n[[sensors]]\nid = "s{i:03d}"\ninterval = 0.1\n' for i in range(60))
    config = load_config(write_config(tmp_path, sensors))
    app = make_app(config, tmp_path / "logs")
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            panels = app.grid.panels
            await until(pilot, lambda: panels[0].repaints >= 3, "visible panels redrawn")
            visible = set(app.grid.visible_panels())
            assert 0 < len(visible) < len(panels)
            assert all(p.repaints == 0 for p in panels if p not in visible)
    finally:
        await app.link.stop()


async def test_panels_keep_updating_while_a_lookup_is_slow(config: Config,
                                                          tmp_path: Path) -> None:
    from pubchem_standin import PubChemStandin

    with PubChemStandin() as standin:
        standin.hold_names = {"water"}
        link = ThreadedLink(SamplingSession(config, tmp_path / "logs"))
        app = SensortopApp(link, config, pubchem_url=standin.url)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("c")
                await pilot.press(*"water", "enter")
                await until(pilot, lambda: standin.request_count >= 1, "the lookup sent")
                panel = app.grid.panels[0]
                start = panel.repaints
                await until(pilot, lambda: panel.repaints >= start + 4, "panels redrawn")
                assert standin.seen == [] or all(s.name != "water" for s in standin.seen)
                standin.release_held()
                await asyncio.sleep(0)
        finally:
            standin.release_held()
            await link.stop()


async def test_a_log_that_could_not_be_written_is_reported_after_exit(
        config: Config, tmp_path: Path, monkeypatch) -> None:
    import io
    import tempfile

    from sensortop.tui.launch import exit_code

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(config, blocker / "logs")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.link.recorder.error is not None, "the disk error")
        status = app.query_one(StatusLine)
        await until(pilot, lambda: "RECORDER ERROR" in str(status.render()), "error shown")
        assert "Not a directory" in str(status.render())[:SIZE[0] - 2]  # not cut off
        await pilot.press("q")
        await until(pilot, lambda: app.link.stopped and not app.is_running, "quit")
    err = io.StringIO()
    assert exit_code(app, app.link, err) == 1
    rescued = app.link.recorder.rescue_path
    assert rescued is not None and str(rescued) in err.getvalue()
    assert "Not a directory" in err.getvalue()
    assert len(read_log_lines([rescued])) == app.link.engine.readings_total


def logged_readings(log_dir: Path) -> int:
    """Readings in a log being written, by the project's reader: a torn last line is counted
    as torn, not raised; no log file yet is none."""
    try:
        data = read_logs([log_dir])
    except LogPathError:
        return 0
    return sum(len(series.ts) for series in data.series.values())


class PtyDashboard:
    """The real ``sensortop`` on a pseudo-terminal that reads its screen, for the tests
    about how the process ends; ``own_session`` makes the pty its controlling terminal,
    so closing the terminal hangs the session up as the kernel does for an SSH drop."""

    def __init__(self, tmp_path: Path, *, own_session: bool = False) -> None:
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        self.log_dir = tmp_path / "logs"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sensortop", "--config", str(write_config(tmp_path)),
             "--log-dir", str(self.log_dir)],
            stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path,
            start_new_session=own_session,
            preexec_fn=(lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0)) if own_session else None,
            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
        os.close(follower)
        self.leader: int | None = leader
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:  # the app blocks if nobody reads its screen
        while self.leader is not None:
            try:
                chunk = os.read(self.leader, 65536)
            except (OSError, TypeError):
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def wait_for_readings(self, count: int = 10, timeout: float = 60) -> None:
        """Until the log holds ``count`` readings (read while written: may end mid-line)."""
        deadline = time.monotonic() + timeout
        while logged_readings(self.log_dir) < count:
            tail = self.output.decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline and self.proc.poll() is None, tail
            time.sleep(0.05)

    def close_terminal(self) -> None:
        leader, self.leader = self.leader, None
        if leader is not None:
            os.close(leader)
        self._reader.join(timeout=10)

    def __enter__(self) -> PtyDashboard:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.close_terminal()


def test_sigterm_quits_the_dashboard_cleanly_with_the_log_flushed(tmp_path: Path) -> None:
    with PtyDashboard(tmp_path) as dash:
        dash.wait_for_readings()
        dash.proc.send_signal(signal.SIGTERM)
        assert dash.proc.wait(timeout=60) == 0
    assert b"\x1b[?1049l" in dash.output  # the terminal left the app's screen
    lines = read_log_lines(tmp_path / "logs")  # every line whole
    assert {line["sensor"] for line in lines} == {"temp_a", "press_b"}


def test_a_closed_terminal_ends_the_dashboard_with_the_log_flushed(tmp_path: Path) -> None:
    """The terminal goes away (an SSH drop, tmux killed): Textual's writer dies on it and
    its loop then blocks for good; the process must still end, the log whole."""
    with PtyDashboard(tmp_path, own_session=True) as dash:
        dash.wait_for_readings()
        dash.close_terminal()  # the kernel hangs the session up
        assert dash.proc.wait(timeout=60) == 0
    lines = read_log_lines(tmp_path / "logs")  # every line whole
    assert {line["sensor"] for line in lines} == {"temp_a", "press_b"}


# -- words ----------------------------------------------------------------------------

async def test_k_after_the_alarm_cleared_acknowledges_it_then_says_there_is_none(
        app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        state = app.link.engine.sensors["temp_a"]

        def alarm_came_and_went() -> None:
            app.link.engine.pause("temp_a")
            state.alarms.update(35.0)  # HI, not acknowledged
            state.alarms.update(20.0)  # back to normal, still never acknowledged

        await app.link.call_sync(alarm_came_and_went)
        await pilot.press("k")  # ISA-18.2: a return to normal unseen still needs its ack
        await until(pilot, lambda: any("temp_a" in str(n.message)
                                       for n in app._notifications), "a notice")
        await pilot.press("k")
        await until(pilot, lambda: len(app._notifications) >= 2, "two notices")
        words = [str(n.message) for n in app._notifications]
        assert words[-2:] == ["temp_a: HI alarm acknowledged", "temp_a: no alarm to acknowledge"]
        assert not any("NORMAL" in w for w in words)


async def test_k_names_the_alarm_it_acknowledged_and_says_so_once(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        state = app.link.engine.sensors["temp_a"]

        def raise_alarm() -> None:
            app.link.engine.pause("temp_a")
            state.alarms.update(35.0)

        await app.link.call_sync(raise_alarm)
        await pilot.press("k")
        await until(pilot, lambda: state.alarms.acknowledged, "acknowledged")
        await pilot.press("k")
        await until(pilot, lambda: len(app._notifications) >= 2, "two notices")
        words = [str(n.message) for n in app._notifications]
        assert words[-2:] == ["temp_a: HI alarm acknowledged",
                              "temp_a: HI alarm already acknowledged"]


async def test_detail_says_the_alarm_in_plain_words(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        state = app.link.engine.sensors["temp_a"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert "no alarm\n" in str(screen.stats_text())

        def raise_alarm() -> None:
            app.link.engine.pause("temp_a")
            state.alarms.update(35.0)

        await app.link.call_sync(raise_alarm)
        text = str(screen.stats_text())
        assert "HI alarm, not acknowledged\n" in text
        assert "(new)" not in text and "alarm HI" not in text and "NORMAL" not in text
        state.alarms.acknowledge()
        assert "HI alarm, acknowledged\n" in str(screen.stats_text())


async def test_detail_shows_a_long_error_whole_and_wrapped(app: SensortopApp) -> None:
    from sensortop.model.readings import Reading, Status

    error = ("no CPU temperature sensor on this machine: /sys/class/thermal has no "
             "thermal_zone with a type the system source knows")
    async with app.run_test(size=(100, 30)) as pilot:
        state = app.link.engine.sensors["press_b"]

        def fail() -> None:
            app.link.engine.pause("press_b")
            state.last_reading = Reading(ts=app.clock(), sensor="press_b", value=None,
                                         units="bar", status=Status.ERROR, error=error)

        await app.link.call_sync(fail)
        await pilot.press("right", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), "the detail")
        await pilot.pause()
        stats = app.screen.query_one("#detail-stats")
        lines = [line.text for line in stats.render_lines(stats.region.reset_offset)]
        shown = " ".join(" ".join(line.split()) for line in lines)
        assert " ".join(error.split()) in shown  # every word, over several lines
        assert max(len(line.rstrip()) for line in lines) <= stats.region.width


async def test_remove_names_a_sensor_once_when_its_name_is_its_id(app: SensortopApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert app.screen.question.startswith("Remove Temp A (temp_a)?")  # type: ignore[attr-defined]
        await pilot.press("n", "right", "d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                    and "press_b" in app.screen.question, "the second question")  # type: ignore[attr-defined]
        assert app.screen.question.startswith("Remove press_b?\n")  # type: ignore[attr-defined]


async def test_palette_entries_keep_their_key_hints_and_say_each_thing_once(
        app: SensortopApp) -> None:
    from textual.command import CommandList, CommandPalette

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"acknowledge")
        options = app.screen.query_one(CommandList)
        await until(pilot, lambda: options.option_count > 0, "a match")
        shown = str(options.get_option_at_index(0).prompt)
        assert shown == "Acknowledge the focused sensor's new alarm [k]"
        for entry in app.get_system_commands(app.screen_stack[0]):
            if entry.title.endswith("]"):  # ours: "... \[k]"
                assert not entry.help  # the title already says it


async def test_palette_screenshot_is_saved_in_the_working_folder_and_its_path_said(
        app: SensortopApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    async with app.run_test(size=SIZE) as pilot:
        screenshot = next(c for c in app.get_system_commands(app.screen)
                          if c.title == "Screenshot")
        screenshot.callback()
        await until(pilot, lambda: list(work.glob("*.svg")), "the SVG file")
        saved = next(work.glob("*.svg"))
        await until(pilot, lambda: any(str(saved) in str(n.message)
                                       for n in app._notifications), "the notice")
    assert saved.read_text(encoding="utf-8").startswith("<svg")


async def test_save_of_one_sensor_says_one_sensor(tmp_path: Path) -> None:
    one = '[monitor]\nlog_dir = "logs"\n\n[[sensors]]\nid = "only"\ninterval = 0.1\n'
    config = load_config(write_config(tmp_path, one))
    app = make_app(config, tmp_path / "logs")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await until(pilot, lambda: any(str(n.message).startswith("saved")
                                           for n in app._notifications), "the notice")
            words = next(str(n.message) for n in app._notifications
                         if str(n.message).startswith("saved"))
            assert words.startswith("saved 1 sensor to ")
    finally:
        await app.link.stop()
