"""`sensortop serve` at the command line (README "sensortop serve"): where it may listen,
its token, its errors, and a real server process answering and refusing."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sensortop.cli.main import main
from sensortop.web.binding import BindError, allowed_hosts, check_bind, is_loopback

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "a-token-long-enough-0123"


def test_loopback_needs_nothing_and_anything_else_needs_allow_remote_and_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.1.2.3") and is_loopback("::1")
    assert is_loopback("[::1]") and is_loopback("LocalHost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("plant.example")  # a name is remote, whatever it resolves to
    assert check_bind("127.0.0.1", False, None) is None
    assert check_bind("localhost", False, TOKEN) == TOKEN  # given: required here too
    with pytest.raises(BindError, match="add --allow-remote"):
        check_bind("0.0.0.0", False, TOKEN)
    generated = check_bind("0.0.0.0", True, None)
    assert generated is not None and len(generated) == 32
    assert generated != check_bind("0.0.0.0", True, None)
    assert check_bind("192.168.1.5", True, TOKEN) == TOKEN
    with pytest.raises(BindError, match="at least 16"):
        check_bind("0.0.0.0", True, "short")
    with pytest.raises(BindError, match="printable ASCII"):
        check_bind("0.0.0.0", True, "a token with spaces in it")


def test_the_names_a_bind_answers_to() -> None:
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert allowed_hosts("192.168.1.5", ["Plant.Example."]) == {"192.168.1.5", "plant.example"}
    wildcard = allowed_hosts("0.0.0.0")
    assert {"localhost", "127.0.0.1", socket.gethostname().lower()} <= wildcard
    assert "0.0.0.0" in wildcard  # harmless: no browser reaches a server by that name


def test_a_remote_host_without_allow_remote_is_bad_usage(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    assert main(["serve", str(tmp_path), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 is reachable from other machines: add --allow-remote" in err


def test_an_address_not_of_this_machine_is_bad_usage(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    code = main(["serve", str(tmp_path), "--host", "192.0.2.1", "--allow-remote", "--token",
                 TOKEN, "--port", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--host 192.0.2.1 is not an address of this machine" in err and TOKEN not in err


def test_a_port_in_use_is_said_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(tmp_path), "--port", str(port)]) == 1
    assert f"port {port} on 127.0.0.1 is in use; choose another with --port" in \
        capsys.readouterr().err


@pytest.mark.parametrize("port", ["70000", "-1", "http", ""])
def test_a_bad_port_is_bad_usage(port: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", port])
    assert exited.value.code == 2
    assert "must be a port number, 0 to 65535" in capsys.readouterr().err


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_real_serve_process_answers_refuses_and_keeps_the_token_to_itself(
        tmp_path: Path) -> None:
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SENSORTOP_SERVE_TOKEN": TOKEN}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "sensortop", "serve", str(tmp_path),
                                    "--port", "0"], stdout=stdout, stderr=stderr, env=env)
    try:
        deadline = time.monotonic() + 30
        while "Ctrl-C stops" not in out.read_text():
            assert process.poll() is None, err.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.02)
        text = out.read_text()
        url = text.split(" on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and "?token=<your token>" in text
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert fetch(url)[0] == 403
        assert fetch(url + "?token=wrong-token-0123456789")[0] == 403
        assert fetch(url + f"?token={TOKEN}", host=f"evil.example:{port}")[0] == 403
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(url + f"?token={TOKEN}", timeout=10) as page:  # 303, cookie, page
            assert page.status == 200 and page.url == url
            assert "data-session-websocket-url" in page.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    logged = out.read_text() + err.read_text()
    assert "refused GET / from 127.0.0.1: unknown Host header" in logged
    assert TOKEN not in logged and "Traceback" not in logged
