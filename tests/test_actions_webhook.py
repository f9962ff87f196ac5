"""``webhook`` actions against a real HTTP server on 127.0.0.1: the POST, retry with
backoff, refusals that are not retried, and a receiver that never answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from actions_support import event, sink_with
from sensortop.model.actions import ActionKind, ActionSpec
from support import wait_until


class Receiver:
    """Answers each POST with the next status of ``script`` (then 200); records each one."""

    def __init__(self, script: list[int], delay: float = 0.0) -> None:
        self.script = list(script)
        self.delay = delay
        self.requests: list[tuple[float, str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append((time.monotonic(), self.path,
                                          {k.lower(): v for k, v in self.headers.items()},
                                          body))
                if receiver.delay:
                    receiver.release.wait(receiver.delay)
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alarms"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory() -> Iterator[type[Receiver]]:
    made: list[Receiver] = []

    def make(script: list[int], delay: float = 0.0) -> Receiver:
        made.append(Receiver(script, delay))
        return made[-1]

    yield make  # type: ignore[misc]
    for receiver in made:
        receiver.close()


def hook(url: str, **fields: object) -> ActionSpec:
    return ActionSpec(ActionKind.WEBHOOK, 0, url=url, **fields)  # type: ignore[arg-type]


async def test_the_event_is_posted_as_its_journal_line(receiver_factory) -> None:  # type: ignore[no-untyped-def]
    receiver = receiver_factory([])
    sink, finishes = sink_with(hook(receiver.url, headers={"Authorization": "Bearer t0k",
                                                           "User-Agent": "plant-4"}))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1, message="the POST")
    assert finishes.errors == [None]
    [(_, path, headers, body)] = receiver.requests
    assert path == "/hooks/alarms"
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer t0k"
    assert headers["user-agent"] == "plant-4"  # a header of the config's replaces ours
    assert json.loads(body) == {"ts": "2026-11-18T11:06:40.250Z", "sensor": "reactor_temp",
                                "alarm": "hi", "priority": "high", "event": "raise",
                                "from": "normal", "to": "unack", "value": 161.2,
                                "limit": 160.0}
    await sink.stop(time.monotonic() + 5)
    assert sink.delivered == 1 and sink.error is None


async def test_a_failing_then_ok_receiver_gets_it_on_a_retry_after_backoff(
        receiver_factory) -> None:  # type: ignore[no-untyped-def]
    receiver = receiver_factory([503, 500])
    sink, finishes = sink_with(hook(receiver.url, retries=3, backoff=0.05))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1, message="the retries")
    assert finishes.errors == [None]
    times = [t for t, *_ in receiver.requests]
    assert len(times) == 3
    bodies = {r[3] for r in receiver.requests}
    assert len(bodies) == 1  # the same event each time
    # Backoff doubles: at least 0.05 s, then 0.1 s between attempts (lower bounds only).
    assert times[1] - times[0] >= 0.05 and times[2] - times[1] >= 0.1
    await sink.stop(time.monotonic() + 5)
    assert (sink.delivered, sink.error) == (1, None)


async def test_retries_run_out_and_the_failure_is_reported(receiver_factory) -> None:  # type: ignore[no-untyped-def]
    receiver = receiver_factory([503, 503, 503])
    sink, finishes = sink_with(hook(receiver.url, retries=2, backoff=0.0))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    assert finishes.errors == ["HTTP 503 Service Unavailable (after 3 attempts)"]
    assert len(receiver.requests) == 3
    assert sink.error is not None and "actions 1 failed" in sink.error
    assert "actions[0] (webhook http://127.0.0.1/hooks/alarms) for reactor_temp" in sink.error
    await sink.stop(time.monotonic() + 5)


async def test_a_refusal_is_not_retried(receiver_factory) -> None:  # type: ignore[no-untyped-def]
    receiver = receiver_factory([403])
    sink, finishes = sink_with(hook(receiver.url, retries=3, backoff=0.0))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    assert finishes.errors == ["HTTP 403 Forbidden"]
    assert len(receiver.requests) == 1
    await sink.stop(time.monotonic() + 5)


async def test_a_receiver_that_never_answers_times_out(receiver_factory) -> None:  # type: ignore[no-untyped-def]
    receiver = receiver_factory([], delay=30.0)
    sink, finishes = sink_with(hook(receiver.url, timeout=0.3, retries=1, backoff=0.0))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1, message="two timeouts")
    assert finishes.errors == ["no answer within 0.3 s (after 2 attempts)"]
    await sink.stop(time.monotonic() + 5)


async def test_nobody_listening_is_a_connection_failure() -> None:
    import socket

    with socket.socket() as spare:  # a port nothing listens on
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    sink, finishes = sink_with(hook(f"http://127.0.0.1:{port}/", backoff=0.0))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    error = finishes.errors[0]
    assert error is not None and error.startswith("ConnectError: ")
    await sink.stop(time.monotonic() + 5)
