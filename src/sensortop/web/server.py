"""The browser view: textual-serve's page and websocket, one viewer process per tab.

textual-serve's ``Server`` gives the page, the static files and a websocket that
runs a command per connection (``AppService``: a subprocess speaking Textual's web
driver). Here it runs behind the ``Guard`` middleware, with its URLs made from the
(checked) Host header the browser used rather than the bind address (``0.0.0.0`` is
no address a browser can open), no static folder listing, no download route (a
viewer delivers no files), and no access log (a page request's query may hold the
token). The command is injectable; ``sensortop serve`` runs ``sensortop view LOGDIR``,
a read-only viewer, never a second engine polling the instruments.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from sensortop.web.guard import Guard


def view_command(log_dir: Path) -> list[str]:
    """What each browser tab runs: this Python, this sensortop, the read-only viewer."""
    return [sys.executable, "-m", "sensortop", "view", str(log_dir)]


MAX_VIEWERS = 16
"""Tabs open at once: each is a process; a page left reloading must not fill the machine."""


class ViewerServer(Server):
    """textual-serve's Server, guarded, its URLs relative to the checked Host."""

    def __init__(self, command: Sequence[str], guard: Guard, title: str,
                 max_viewers: int = MAX_VIEWERS) -> None:
        # textual-serve runs the command through a shell: quote every word.
        super().__init__(shlex.join(command), title=title)
        self.guard = guard
        self.max_viewers = max_viewers
        self.viewers = 0

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: its own viewer process, while there is room for one more."""
        if self.viewers >= self.max_viewers:
            raise web.HTTPServiceUnavailable(text=f"{self.max_viewers} viewers are open "
                                                  "already; close a tab\n")
        self.viewers += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.viewers -= 1

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard.middleware()])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        return app

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        host = request.host  # the Host header; the guard has checked it names this server
        static = request.app.router["static"].url_for(filename="/")
        return {
            "font_size": _font_size(request.query.get("fontsize", "16")),
            "app_websocket_url": f"ws://{host}{request.app.router['websocket'].url_for()}",
            "config": {"static": {"url": f"http://{host}{str(static).rstrip('/')}/"}},
            "application": {"name": self.title},
        }


def _font_size(text: str) -> int:
    try:
        return min(max(int(text), 6), 64)
    except ValueError:
        return 16


async def start_server(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Listen on ``host:port`` (0: any free port); returns the runner and the bound port.

    OSError (port in use, an address not of this machine) and socket.gaierror (a
    name that does not resolve) are the caller's to word.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    server = site._server  # aiohttp has no public accessor for the bound port
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, bound
