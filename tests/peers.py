"""Real peers on 127.0.0.1 for the source tests, and a harness that runs sources in the Engine.

Each peer starts on a free port, can be stopped mid-run and restarted on the
same port, so a test can show: values arrive, a lost peer gives error
readings, a returning peer gives values again. Fixtures live here rather than
in conftest.py so each test module imports, by name, the peers it uses.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sensortop.model.readings import Reading, Status
from sensortop.model.specs import SensorSpec
from support import wait_until

HOST = "127.0.0.1"
FAILED = (Status.ERROR, Status.TIMEOUT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


# -- HTTP ---------------------------------------------------------------------------------
class HttpPeer:
    """A threaded HTTP server whose answers a test sets per path: (status, body)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def set_json(self, path: str, document: Any, status: int = 200) -> None:
        self.routes[path] = (status, json.dumps(document).encode())

    def set_raw(self, path: str, body: bytes, status: int = 200) -> None:
        self.routes[path] = (status, body)

    def start(self) -> None:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                peer.requests.append((self.command, self.path, dict(self.headers)))
                status, body = peer.routes.get(self.path, (404, b'{"error": "not found"}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((HOST, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# -- MQTT broker --------------------------------------------------------------------------
AMQTT_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from amqtt.broker import Broker

    async def main(port):
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                        {"allow_anonymous": True}},
        }
        broker = Broker(config)
        await broker.start()
        await asyncio.Event().wait()

    asyncio.run(main(int(sys.argv[1])))
""")


class MqttBroker:
    """An MQTT broker in its own process: mosquitto where installed, else amqtt.

    A separate process makes "the broker went away" real: kill it and every
    client connection drops, as on a plant network.
    """

    def __init__(self, tmp_dir: Path) -> None:
        self.port = free_port()
        self.tmp_dir = tmp_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.implementation = "mosquitto" if shutil.which("mosquitto") else "amqtt"

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if self.implementation == "mosquitto":
            conf = self.tmp_dir / f"mosquitto-{self.port}.conf"
            conf.write_text(f"listener {self.port} {HOST}\nallow_anonymous true\n")
            argv = ["mosquitto", "-c", str(conf)]
        else:
            argv = [sys.executable, "-c", AMQTT_SCRIPT, str(self.port)]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.implementation} exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.implementation} did not listen on {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


# -- Modbus TCP ---------------------------------------------------------------------------
class ModbusPeer:
    """A pymodbus TCP server on this loop: unit 1, holding and input registers set by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.holding: dict[int, list[int]] = {}
        self.input: dict[int, list[int]] = {}
        self._server: Any = None

    async def start(self) -> None:
        from pymodbus.server import ModbusTcpServer
        from pymodbus.simulator import DataType, SimData, SimDevice

        def block(registers: dict[int, list[int]]) -> list[SimData]:
            return [SimData(address, values=list(values), datatype=DataType.REGISTERS)
                    for address, values in sorted(registers.items())] or [
                SimData(0, values=[0], datatype=DataType.REGISTERS)]

        device = SimDevice(1, simdata=([SimData(0, values=[False], datatype=DataType.BITS)],
                                       [SimData(0, values=[False], datatype=DataType.BITS)],
                                       block(self.holding), block(self.input)))
        self._server = ModbusTcpServer(device, address=(HOST, self.port))
        await self._server.serve_forever(background=True)
        await wait_until(lambda: port_open(self.port), 5, "the modbus server")

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None


# -- OPC UA -------------------------------------------------------------------------------
class OpcUaPeer:
    """An asyncua server on this loop with one float variable, ``Reactor.Temperature``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: Any = None
        self.variable: Any = None
        self.node_id = ""
        self.value = 21.5

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://{HOST}:{self.port}/sensortop/"

    async def start(self) -> None:
        from asyncua import Server, ua

        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace("urn:sensortop:test")
        plant = await server.nodes.objects.add_object(idx, "Reactor")
        self.variable = await plant.add_variable(
            ua.NodeId("Reactor.Temperature", idx), "Temperature", self.value)
        self.node_id = f"ns={idx};s=Reactor.Temperature"
        await server.start()
        self.server = server

    async def set(self, value: float) -> None:
        self.value = value
        await self.variable.write_value(value)

    async def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop()


# -- SCPI over a raw socket (pyvisa-py TCPIP SOCKET) --------------------------------------
class ScpiPeer:
    """A line-based SCPI instrument on a TCP port, as LXI instruments serve on port 5025."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.answers = answers or {"*IDN?": "SENSORTOP,SIM,0,1.0", "MEAS:TEMP?": "+2.3450E+01"}
        self.queries: list[str] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def resource(self) -> str:
        return f"TCPIP0::{HOST}::{self.port}::SOCKET"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, self.port,
                                                  reuse_address=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while line := await reader.readline():
                query = line.decode().strip()
                self.queries.append(query)
                if query in self.answers:
                    writer.write(self.answers[query].encode() + b"\n")
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None


# -- running sources in the engine --------------------------------------------------------
def spec(sensor_id: str, kind: str, interval: float = 0.1, timeout: float = 1.0,
         **options: Any) -> SensorSpec:
    """A validated spec, built through the same checks as a config file."""
    from sensortop.config.loader import parse_sensor
    from sensortop.config.problems import Problem

    problems: list[Problem] = []
    raw = {"id": sensor_id, "kind": kind, "interval": interval, "timeout": timeout, **options}
    built = parse_sensor(raw, "<test>", None, problems)
    assert built is not None and not problems, [str(p) for p in problems]
    return built


def neighbour(sensor_id: str = "neighbour") -> SensorSpec:
    """A simulated sensor beside the one under test: a lost peer must not disturb it."""
    return spec(sensor_id, "simulated", interval=0.05, setpoint=50.0, seed=7, noise=0.1)


class EngineRun:
    """Engine + Recorder in this loop, keeping every reading so tests can wait on them."""

    def __init__(self, specs: list[SensorSpec], log_dir: Path) -> None:
        from sensortop.logs.writer import Recorder
        from sensortop.sampling.engine import Engine

        self.engine = Engine(specs)
        self.recorder = Recorder(log_dir, batch_seconds=0.05)
        self.log_dir = log_dir
        self.readings: list[Reading] = []

    async def __aenter__(self) -> EngineRun:
        await self.recorder.start()
        self.engine.subscribe(self.recorder.put)
        self.engine.subscribe(self.readings.append)
        await self.engine.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.stop()
        await self.recorder.stop()

    def of(self, sensor_id: str, status: Status | tuple[Status, ...] | None = None,
           since: int = 0) -> list[Reading]:
        wanted = (status,) if isinstance(status, Status) else status
        return [r for r in self.readings[since:] if r.sensor == sensor_id
                and (wanted is None or r.status in wanted)]

    async def wait_for(self, sensor_id: str, status: Status | tuple[Status, ...],
                       count: int = 1, since: int = 0, timeout: float = 15.0) -> list[Reading]:
        await wait_until(lambda: len(self.of(sensor_id, status, since)) >= count, timeout,
                         f"{count} {status} readings of {sensor_id}")
        return self.of(sensor_id, status, since)

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for path in sorted(self.log_dir.glob("sensortop-*.jsonl")):
            lines += [json.loads(line) for line in path.read_text().splitlines() if line]
        return lines


async def peer_loss_scenario(run: EngineRun, sensor_id: str,
                             stop: Callable[[], Any], start: Callable[[], Any],
                             expect: Callable[[float], bool] = lambda v: True,
                             timeout: float = 20.0) -> None:
    """The story every kind must tell: values, then errors while the peer is gone, then values.

    The simulated neighbour must keep giving good readings while the peer is away.
    """
    good = await run.wait_for(sensor_id, Status.OK, 2, timeout=timeout)
    assert all(expect(r.value) for r in good if r.value is not None), good
    result = stop()
    if asyncio.iscoroutine(result):
        await result
    mark = len(run.readings)
    await run.wait_for(sensor_id, FAILED, 1, since=mark, timeout=timeout)
    neighbour_before = len(run.of("neighbour", Status.OK, since=mark))
    await run.wait_for("neighbour", Status.OK, neighbour_before + 5, since=mark, timeout=timeout)
    assert not run.of("neighbour", Status.ERROR) and not run.of("neighbour", Status.TIMEOUT)
    result = start()
    if asyncio.iscoroutine(result):
        await result
    mark = len(run.readings)
    await run.wait_for(sensor_id, Status.OK, 2, since=mark, timeout=timeout)
