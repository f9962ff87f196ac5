"""The browser view in a real browser (README "sensortop serve"): headless Chromium loads
the page served on 127.0.0.1, its tab starts a viewer, and a panel's sensor name reaches
the page and is drawn.

Each tab runs ``sensortop view LOGDIR`` (the default command), following a log written
by ``sensortop record``. Where this branch has no ``view`` command yet, the tab runs the
dashboard on the same small simulated config instead (``SERVED_FALLBACK``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser import CHROMIUM, Chromium
from sensortop.cli.main import build_parser
from sensortop.web.binding import allowed_hosts
from sensortop.web.guard import Guard
from sensortop.web.server import ViewerServer, start_server, view_command

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium): "
                             "the browser view cannot be loaded in a real browser here")

CONFIG = '[[sensors]]\nid = "reactor_temp"\nname = "Reactor temperature"\nunits = "°C"\n' \
         'interval = 0.1\n'
PANEL_NAMES = (b"Reactor temperature", b"reactor_temp")
"""The name from the config (the dashboard), or the id the log carries (a viewer given
no config)."""
SCREENSHOT = os.environ.get("SENSORTOP_SCREENSHOT")
"""Where to keep the screenshot (to look at it); by default only the test's temp folder."""


def has_view_command() -> bool:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return "view" in sub.choices  # type: ignore[operator]


def served(tmp_path: Path) -> list[str]:
    config = tmp_path / "plant.toml"
    config.write_text(CONFIG, encoding="utf-8")
    logs = tmp_path / "logs"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if not has_view_command():  # SERVED_FALLBACK: until `view` is merged
        return [sys.executable, "-m", "sensortop", "--config", str(config), "--log-dir",
                str(logs)]
    subprocess.run([sys.executable, "-m", "sensortop", "record", "--config", str(config),
                    "--log-dir", str(logs), "--duration", "1"], check=True, env=env,
                   capture_output=True, timeout=60)
    return view_command(logs)


@pytest.mark.parametrize("token", [None, "a-token-for-the-browser-0123456789"],
                         ids=["loopback", "with-token"])
async def test_chromium_loads_the_served_page_and_the_viewer_draws_a_panel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))  # the tab's process: this sensortop
    guard = Guard.of(allowed_hosts("127.0.0.1"), token)
    server = ViewerServer(served(tmp_path), guard, "sensortop")
    runner, port = await start_server(server.make_app(), "127.0.0.1", 0)
    try:
        async with Chromium.launch(1280, 800) as browser:
            page = f"http://127.0.0.1:{port}/"
            await browser.open(page + (f"?token={token}" if token else ""))
            # With a token: traded for the cookie, gone from the address bar; the
            # websocket then carries the cookie (SameSite=Strict, same origin).
            assert await browser.evaluate("location.href") in (page, page + "?")
            assert await browser.evaluate("document.cookie") == ""  # HttpOnly
            async with asyncio.timeout(40):
                # The panel's title: the name from the config (the dashboard), or the id
                # the log carries (a viewer, which reads no config).
                while not any(name in browser.received() for name in PANEL_NAMES):
                    await asyncio.sleep(0.05)
                # The page took the terminal's first bytes: the intro is gone.
                while not await browser.evaluate(
                        "document.body.classList.contains('-first-byte')"):
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # the fade-in (0.3 s) and a few frames of data
            png = await browser.screenshot()
    finally:
        await runner.cleanup()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "serve.png").write_bytes(png)
    if SCREENSHOT and token is None:
        shutil.copyfile(tmp_path / "serve.png", SCREENSHOT)
