"""Modbus TCP holding or input registers, decoded to one number (pymodbus).

Decoding is done here with ``struct`` rather than pymodbus's helpers because
field devices disagree about byte and word order: the registers are laid out
in the configured word order, each register's two bytes in the configured
byte order, then read as the data type. ``value = raw * scale + offset``.
pymodbus's own reconnect and retries are off: the engine reconnects with backoff.
"""

from __future__ import annotations

import contextlib
import struct
from typing import TYPE_CHECKING, Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource, SourceError

if TYPE_CHECKING:
    from pymodbus.client import AsyncModbusTcpClient

DATA_TYPES: dict[str, tuple[str, int]] = {
    # name: (struct code, registers)
    "int16": ("h", 1),
    "uint16": ("H", 1),
    "int32": ("i", 2),
    "uint32": ("I", 2),
    "float32": ("f", 2),
    "float64": ("d", 4),
}
ORDERS = ("big", "little")


def decode_registers(registers: list[int], data_type: str, byte_order: str = "big",
                     word_order: str = "big") -> float:
    """The number held in ``registers`` (16-bit words, as received) for the given layout."""
    code, width = DATA_TYPES[data_type]
    if len(registers) < width:
        raise SourceError(f"{data_type} needs {width} registers; got {len(registers)}")
    words = list(registers[:width])
    if word_order == "little":
        words.reverse()  # least significant word came first
    raw = b"".join(
        w.to_bytes(2, "big") if byte_order == "big" else w.to_bytes(2, "little") for w in words)
    return float(struct.unpack(">" + code, raw)[0])


def encode_registers(value: float, data_type: str, byte_order: str = "big",
                     word_order: str = "big") -> list[int]:
    """The inverse of ``decode_registers`` (tests and simulators use it)."""
    code = DATA_TYPES[data_type][0]
    number: float | int = value if code in "fd" else int(value)
    raw = struct.pack(">" + code, number)
    words = [int.from_bytes(raw[i:i + 2], "big" if byte_order == "big" else "little")
             for i in range(0, len(raw), 2)]
    if word_order == "little":
        words.reverse()
    return words


class ModbusSource(PolledSource):
    """One value from a Modbus TCP device."""

    connection: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("host", str, help="device host name or address, e.g. 192.168.1.20"),
        Field("port", int, 502, "Modbus TCP port", minimum=1, maximum=65535),
        Field("unit", int, 1, "unit (slave / device) id", minimum=0, maximum=255),
        Field("register", str, "holding", "register table", choices=("holding", "input")),
        Field("address", int, help="first register, zero-based protocol address",
              minimum=0, maximum=65535),
        Field("count", int, None, "registers to read (default: what data_type needs)",
              optional=True, minimum=1, maximum=4),
        Field("data_type", str, "uint16", "how to read the registers", choices=tuple(DATA_TYPES)),
        Field("byte_order", str, "big", "byte order within a register", choices=ORDERS),
        Field("word_order", str, "big", "register order for 32/64-bit values "
              "(big: most significant register first)", choices=ORDERS),
        Field("scale", float, 1.0, "value = raw * scale + offset"),
        Field("offset", float, 0.0, "value = raw * scale + offset"),
    )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> list[str]:
        """Problems the per-field checks cannot see (they span fields)."""
        data_type = options.get("data_type", "uint16")
        width = DATA_TYPES.get(data_type, ("", 1))[1]
        count = options.get("count")
        if count is not None and count != width:
            return [f"count = {count} does not fit data_type {data_type!r}, which takes "
                    f"{width} register{'s' if width > 1 else ''} (leave count out)"]
        return []

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.client: AsyncModbusTcpClient | None = None

    @property
    def where(self) -> str:
        return f"modbus://{self.options['host']}:{self.options.get('port', 502)}"

    async def connect(self) -> None:
        from pymodbus.client import AsyncModbusTcpClient

        problems = self.check_options(self.options)
        if problems:
            raise SourceError("; ".join(problems))
        client = AsyncModbusTcpClient(
            self.options["host"], port=self.options.get("port", 502),
            timeout=max(self.spec.timeout, 0.1), retries=0,
            reconnect_delay=0, reconnect_delay_max=0)
        self.client = client
        if not await client.connect():
            await self.close()
            raise SourceError(f"cannot connect to {self.where}")

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):  # close must not raise
                client.close()

    async def read(self) -> float:
        from pymodbus.exceptions import ModbusException

        client = self.client
        if client is None or not client.connected:
            raise SourceError(f"not connected to {self.where}")
        options = self.options
        data_type = options.get("data_type", "uint16")
        width = DATA_TYPES[data_type][1]
        reader = (client.read_holding_registers if options.get("register", "holding") == "holding"
                  else client.read_input_registers)
        try:
            result = await reader(options["address"], count=width,
                                  device_id=options.get("unit", 1))
        except ModbusException as exc:
            raise SourceError(f"{self.where}: {exc}") from None
        if result.isError():
            raise SourceError(f"{self.where} refused the read: {result}")
        raw = decode_registers(list(result.registers), data_type,
                               options.get("byte_order", "big"), options.get("word_order", "big"))
        return raw * options.get("scale", 1.0) + options.get("offset", 0.0)
