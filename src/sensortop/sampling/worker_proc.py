"""One worker process of ``record --workers N``: an engine of its own for its share of sensors.

It runs the same ``Engine`` as a single process, on its own event loop, and
sends every reading to the parent (the run's one log writer) in batches of
ready-written JSON lines (``batch``), about every ``BATCH_SECONDS``. It
stops on SIGTERM (the parent's request, or a service manager's) by stopping
sampling and sending everything it took, then an end message with its
sampling lateness. Ctrl-C is the parent's: the terminal sends it to every
process, so a worker ignores it and waits to be told. If the parent goes
away (its end of the pipe breaks), the worker stops too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import struct
from multiprocessing.connection import Connection

import numpy as np

from sensortop.model.readings import Reading
from sensortop.model.specs import SensorSpec
from sensortop.sampling.batch import encode_batch
from sensortop.sampling.engine import Engine
from sensortop.sampling.lateness import LatenessLog

BATCH_SECONDS = 0.05
"""How long readings wait in a worker before they are sent; also what the log is behind."""
BATCH_READINGS = 2000
"""At most this many readings per message: encoding one holds the worker's loop ~3 ms."""
END = b"END1"
"""The end message: END, ``<Q`` how many readings the engine took, then its recent
sampling lateness as float64 seconds."""
LATENESS_SAMPLES = 1 << 20
"""The lateness a worker keeps for the summary: its last ~20 s at 50,000 readings/s."""
READY = b"RDY1"
"""Sent once the engine has started: ``<I`` pid."""


def worker_main(conn: Connection, specs: list[SensorSpec], history: int) -> None:
    """The process's entry point (picklable, so spawn and forkserver can start it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        asyncio.run(_serve(conn, specs, history))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        pass  # the parent is gone: nobody is left to send readings to
    finally:
        conn.close()


async def _serve(conn: Connection, specs: list[SensorSpec], history: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    engine = Engine(specs, history=history)
    engine.lateness = LatenessLog(LATENESS_SAMPLES)
    index_of = {spec.id: i for i, spec in enumerate(specs)}
    taken: list[Reading] = []
    engine.subscribe(taken.append)
    await engine.start()
    gc.freeze()  # what the engine set up lives all run: no full collection walks it again
    sender = _Sender(conn, index_of)
    await sender.send(READY + struct.pack("<I", os.getpid()))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BATCH_SECONDS)
            if taken:
                batch, taken[:] = taken[:], []
                await sender.readings(batch)
    finally:
        await engine.stop()
        if taken:
            await sender.readings(taken)
        lateness = np.asarray(engine.lateness.samples(), dtype=np.float64)
        await sender.send(END + struct.pack("<Q", engine.readings_total) + lateness.tobytes())


class _Sender:
    """Encodes and sends on a thread, so a full pipe never stalls sampling."""

    def __init__(self, conn: Connection, index_of: dict[str, int]) -> None:
        self.conn = conn
        self.index_of = index_of
        self.seq = 0

    async def send(self, data: bytes) -> None:
        await asyncio.to_thread(self.conn.send_bytes, data)

    async def readings(self, readings: list[Reading]) -> None:
        for start in range(0, len(readings), BATCH_READINGS):
            piece = readings[start:start + BATCH_READINGS]
            self.seq += 1
            data = encode_batch(self.seq, piece, self.index_of)
            await self.send(data)
