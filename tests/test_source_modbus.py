"""The modbus source against a real pymodbus TCP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from peers import EngineRun, ModbusPeer, neighbour, peer_loss_scenario, spec
from sensortop.sources import SourceError
from sensortop.sources.modbus import DATA_TYPES, ModbusSource, decode_registers, encode_registers


@pytest.fixture
async def peer() -> AsyncIterator[ModbusPeer]:
    server = ModbusPeer()
    server.holding = {
        0: [1234],
        10: encode_registers(-12.5, "float32"),
        20: encode_registers(70000, "uint32", word_order="little"),
        30: encode_registers(-2.25, "float64", byte_order="little"),
        40: encode_registers(-5, "int16"),
    }
    server.input = {0: [321]}
    await server.start()
    yield server
    await server.stop()


async def read(peer: ModbusPeer, **options: object) -> float:
    source = ModbusSource(spec("m", "modbus", host="127.0.0.1", port=peer.port, **options))
    async with source:
        return await source.read()


@pytest.mark.parametrize(("data_type", "byte_order", "word_order"), [
    (t, b, w) for t in DATA_TYPES for b in ("big", "little") for w in ("big", "little")])
def test_every_layout_round_trips(data_type: str, byte_order: str, word_order: str) -> None:
    value = -7.0 if data_type.startswith(("int", "float")) else 7.0
    registers = encode_registers(value, data_type, byte_order, word_order)
    assert decode_registers(registers, data_type, byte_order, word_order) == value


async def test_holding_register_with_scale_and_offset(peer: ModbusPeer) -> None:
    assert await read(peer, address=0, scale=0.1, offset=-3.0) == pytest.approx(120.4)


async def test_input_register(peer: ModbusPeer) -> None:
    assert await read(peer, register="input", address=0) == 321.0


async def test_float32_big_endian(peer: ModbusPeer) -> None:
    assert await read(peer, address=10, data_type="float32") == -12.5


async def test_uint32_with_the_low_word_first(peer: ModbusPeer) -> None:
    assert await read(peer, address=20, data_type="uint32", word_order="little") == 70000.0


async def test_float64_with_swapped_bytes(peer: ModbusPeer) -> None:
    assert await read(peer, address=30, data_type="float64", byte_order="little") == -2.25


async def test_int16_is_signed(peer: ModbusPeer) -> None:
    assert await read(peer, address=40, data_type="int16") == -5.0


async def test_unmapped_address_is_an_error_from_the_device(peer: ModbusPeer) -> None:
    with pytest.raises(SourceError, match="refused the read"):
        await read(peer, address=900)


def test_count_that_does_not_fit_the_data_type_is_refused_by_the_config() -> None:
    from sensortop.config.loader import make_sensor
    from sensortop.config.problems import ConfigError

    with pytest.raises(ConfigError, match="does not fit data_type"):
        make_sensor({"id": "m", "kind": "modbus", "host": "127.0.0.1", "address": 10,
                     "data_type": "float32", "count": 1})


async def test_nothing_listening_is_a_connect_error() -> None:
    source = ModbusSource(spec("m", "modbus", host="127.0.0.1", port=ModbusPeer().port,
                               address=0))
    with pytest.raises(SourceError, match="cannot connect"):
        await source.connect()
    await source.close()


async def test_device_lost_and_back_in_the_engine(peer: ModbusPeer, tmp_path) -> None:
    sensor = spec("flow", "modbus", host="127.0.0.1", port=peer.port, address=10,
                  data_type="float32", interval=0.05, timeout=0.5)
    async with EngineRun([sensor, neighbour()], tmp_path) as run:
        await peer_loss_scenario(run, "flow", peer.stop, peer.start, lambda v: v == -12.5)
    statuses = {line["status"] for line in run.log_lines() if line["sensor"] == "flow"}
    assert "ok" in statuses and statuses & {"error", "timeout"}
