"""``sensortop serve``: the read-only viewer in a browser, until Ctrl-C or SIGTERM.

The glue only: the rules of who may connect are ``web.guard`` and ``web.binding``,
the page and websocket ``web.server`` (README "sensortop serve").
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sensortop.web.binding import BindError, allowed_hosts, check_bind
from sensortop.web.guard import TOKEN_PARAM, Guard
from sensortop.web.server import ViewerServer, start_server, view_command

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def run_serve(log_dir: Path, host: str, port: int, *, allow_remote: bool = False,
              token: str | None = None, allow_host: Sequence[str] = (),
              command: Sequence[str] | None = None, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """Serve until stopped; the exit code. ``command`` replaces ``sensortop view LOGDIR``
    as what each tab runs (tests use it)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        required = check_bind(host, allow_remote, token)
    except BindError as exc:
        print(f"sensortop serve: {exc}", file=err, flush=True)
        return EXIT_USAGE
    log_dir = log_dir.absolute()
    guard = Guard.of(allowed_hosts(host, allow_host), required)
    server = ViewerServer(command or view_command(log_dir), guard,
                          title=f"sensortop view {log_dir.name or log_dir}")
    handler = _StderrHandler(err)
    for name in ("sensortop.web", "textual-serve"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        return asyncio.run(_serve(server, host, port, log_dir, token is None and required
                                  is not None, out, err))
    finally:
        for name in ("sensortop.web", "textual-serve"):
            logging.getLogger(name).removeHandler(handler)


async def _serve(server: ViewerServer, host: str, port: int, log_dir: Path, generated: bool,
                 out: TextIO, err: TextIO) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    try:
        try:
            runner, bound = await start_server(server.make_app(), host, port)
        except socket.gaierror as exc:
            print(f"sensortop serve: --host {host}: not a name or address this machine can "
                  f"resolve ({exc.strerror})", file=err, flush=True)
            return EXIT_USAGE
        except OSError as exc:
            return _listen_failed(exc, host, port, err)
        url = f"http://{_url_host(host)}:{bound}/"
        print(f"serving a read-only view of {log_dir} on {url}", file=out, flush=True)
        if server.guard.token is not None:
            shown = server.guard.token if generated else "<your token>"
            print(f"open {url}?{TOKEN_PARAM}={shown}"
                  + (" (a token generated for this run)" if generated else ""),
                  file=out, flush=True)
        print("each browser tab runs its own viewer; Ctrl-C stops", file=out, flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()  # closes every tab's websocket; each viewer is told to quit
        return EXIT_OK
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)


def _listen_failed(exc: OSError, host: str, port: int, err: TextIO) -> int:
    if exc.errno == errno.EADDRINUSE:
        print(f"sensortop serve: port {port} on {host} is in use; choose another with --port",
              file=err, flush=True)
        return EXIT_FAILURE
    if exc.errno == errno.EADDRNOTAVAIL:
        print(f"sensortop serve: --host {host} is not an address of this machine",
              file=err, flush=True)
        return EXIT_USAGE
    if exc.errno == errno.EACCES:
        print(f"sensortop serve: not allowed to listen on port {port} (ports below 1024 "
              "need privileges); choose another with --port", file=err, flush=True)
        return EXIT_FAILURE
    print(f"sensortop serve: cannot listen on {host}:{port}: {exc.strerror or exc}",
          file=err, flush=True)
    return EXIT_FAILURE


def _url_host(host: str) -> str:
    """The address to print: this machine's name for a wildcard bind, IPv6 in brackets."""
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


class _StderrHandler(logging.Handler):
    """Refused requests and viewer failures, one line each (never a token: see the guard)."""

    def __init__(self, err: TextIO) -> None:
        super().__init__(logging.INFO)
        self.err = err

    def emit(self, record: logging.LogRecord) -> None:
        print(f"sensortop serve: {record.getMessage()}", file=self.err, flush=True)
