"""The visa source: a pyvisa-sim instrument, and pyvisa-py talking to a SCPI socket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from peers import EngineRun, ScpiPeer, neighbour, peer_loss_scenario, spec
from sensortop.sources import SourceError
from sensortop.sources.visa import VisaSource, parse_reply, resource_lock

SIM = Path(__file__).resolve().parents[1] / "sample_configs" / "visa-sim.yaml"


def sim_spec(query: str, sensor_id: str = "v", **options: object):
    return spec(sensor_id, "visa", resource="TCPIP0::192.168.1.30::INSTR", query=query,
                backend=f"{SIM}@sim", **options)


@pytest.fixture
async def scpi() -> AsyncIterator[ScpiPeer]:
    peer = ScpiPeer()
    await peer.start()
    yield peer
    await peer.stop()


async def test_simulated_instrument_answers_a_measurement() -> None:
    async with VisaSource(sim_spec("MEAS:TEMP?")) as source:
        assert await source.read() == 23.45


async def test_reply_with_units_gives_its_first_number() -> None:
    async with VisaSource(sim_spec("MEAS:VOLT:DC?")) as source:
        assert await source.read() == 1.2


async def test_reply_without_a_number_is_an_error() -> None:
    async with VisaSource(sim_spec("SYST:ERR?")) as source:
        with pytest.raises(SourceError, match="without a number"):
            await source.read()


def test_reply_parsing() -> None:
    assert parse_reply(" -1.5E-3\r\n") == -0.0015
    assert parse_reply("TEMP 21.0 C") == 21.0


def test_an_scpi_error_reply_is_an_error_not_a_value() -> None:
    with pytest.raises(SourceError, match='instrument error: -113,"Undefined header"'):
        parse_reply('-113,"Undefined header"\n')


async def test_missing_sim_file_is_a_clear_error(tmp_path: Path) -> None:
    source = VisaSource(spec("v", "visa", resource="ASRL1::INSTR", query="MEAS:TEMP?",
                             backend=f"{tmp_path / 'none.yaml'}@sim"))
    with pytest.raises(SourceError, match="pyvisa-sim file not found"):
        await source.connect()


async def test_instrument_that_is_not_there_is_a_clear_error() -> None:
    port = ScpiPeer().port  # nothing listens there
    source = VisaSource(spec("v", "visa", resource=f"TCPIP0::127.0.0.1::{port}::SOCKET",
                             query="X?", timeout=0.5))
    with pytest.raises(SourceError, match=f"TCPIP0::127.0.0.1::{port}::SOCKET"):
        await source.connect()  # pyvisa-py may open lazily: then the first query fails
        await source.read()
    await source.close()


async def test_pyvisa_py_reads_a_socket_instrument(scpi: ScpiPeer) -> None:
    async with VisaSource(spec("v", "visa", resource=scpi.resource, query="MEAS:TEMP?")) as src:
        assert await src.read() == 23.45
    assert scpi.queries == ["MEAS:TEMP?"]


async def test_io_runs_off_the_event_loop_and_one_resource_is_serialised(scpi: ScpiPeer) -> None:
    scpi.answers["MEAS:VOLT?"] = "1.5"
    loop_thread = threading.get_ident()
    threads: list[int] = []
    busy = [0, 0]  # now, most at once
    a = VisaSource(spec("a", "visa", resource=scpi.resource, query="MEAS:TEMP?"))
    b = VisaSource(spec("b", "visa", resource=scpi.resource, query="MEAS:VOLT?"))
    assert a.lock is b.lock is resource_lock(scpi.resource.lower())
    async with a, b:
        for source in (a, b):
            real_query = source.instrument.query

            def watched(query: str, real_query=real_query) -> str:
                threads.append(threading.get_ident())
                busy[0] += 1
                busy[1] = max(busy)
                time.sleep(0.01)  # widen the window in which two could overlap
                busy[0] -= 1
                return real_query(query)

            source.instrument.query = watched
        values = await asyncio.gather(*(s.read() for _ in range(4) for s in (a, b)))
    assert values == [23.45, 1.5] * 4
    assert busy[1] == 1  # never two queries on one resource at once
    assert loop_thread not in threads


async def test_instrument_lost_and_back_in_the_engine(scpi: ScpiPeer, tmp_path: Path) -> None:
    sensor = spec("dmm", "visa", resource=scpi.resource, query="MEAS:TEMP?", interval=0.05,
                  timeout=0.5)
    async with EngineRun([sensor, neighbour()], tmp_path) as run:
        await peer_loss_scenario(run, "dmm", scpi.stop, scpi.start, lambda v: v == 23.45)
    statuses = {line["status"] for line in run.log_lines() if line["sensor"] == "dmm"}
    assert "ok" in statuses and statuses & {"error", "timeout"}


async def test_simulated_instrument_in_the_engine(tmp_path: Path) -> None:
    from sensortop.model.readings import Status

    async with EngineRun([sim_spec("MEAS:TEMP?", "therm", interval=0.05), neighbour()],
                         tmp_path) as run:
        await run.wait_for("therm", Status.OK, 3)
    assert [line["value"] for line in run.log_lines() if line["sensor"] == "therm"][:3] == \
        [23.45] * 3
