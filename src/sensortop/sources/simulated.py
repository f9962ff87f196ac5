"""A textbook process sensor: a mean-reverting random walk around a setpoint.

The process value follows an Ornstein-Uhlenbeck walk (pulled back to the
setpoint at ``reversion`` per second, shaken by ``walk``), the instrument adds
``noise`` and takes ``read_time`` to answer, and fault injection
(``fail_rate``, ``hang_rate``, ``drift``) makes demos and tests honest.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
import zlib
from typing import ClassVar

from sensortop.config.fields import Field
from sensortop.model.specs import SensorSpec
from sensortop.sources.base import PolledSource, SourceError


class SimulatedSource(PolledSource):
    """Simulated analogue sensor with fault injection."""

    answers_at_once = True  # it awaits only to hang or to take read_time

    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("noise", float, 0.5, "measurement noise (standard deviation)", minimum=0),
        Field("walk", float, 1.0, "process volatility per sqrt(second)", minimum=0),
        Field("reversion", float, 0.5, "pull back to the setpoint, per second", minimum=0),
        Field("read_time", float, 0.0, "seconds the instrument takes to answer", minimum=0),
        Field("fail_rate", float, 0.0, "probability a read raises an error",
              minimum=0, maximum=1),
        Field("hang_rate", float, 0.0, "probability a read never returns",
              minimum=0, maximum=1),
        Field("drift", float, 0.0, "setpoint drift in units per second"),
        Field("seed", int, None, "random seed for a repeatable signal", optional=True),
    )

    def __init__(self, spec: SensorSpec) -> None:
        super().__init__(spec)
        opts = self.options
        seed = opts.get("seed")
        if seed is None and os.environ.get("SENSORTOP_SEED"):
            seed = int(os.environ["SENSORTOP_SEED"]) ^ zlib.crc32(spec.id.encode())
        self._rng = random.Random(seed)
        self._setpoint = spec.setpoint if spec.setpoint is not None else 0.0
        self._value = self._setpoint
        self._started = time.monotonic()
        self._last = self._started

    def _step(self) -> float:
        opts = self.options
        now = time.monotonic()
        dt = max(now - self._last, 0.0)
        self._last = now
        target = self._setpoint + opts["drift"] * (now - self._started)
        reversion = opts["reversion"]
        # Exact OU update: stable for any dt, however long the pause was.
        decay = math.exp(-reversion * dt) if reversion > 0 else 1.0
        if reversion > 0:
            spread = opts["walk"] * math.sqrt((1 - decay * decay) / (2 * reversion))
        else:
            spread = opts["walk"] * math.sqrt(dt)
        self._value = target + (self._value - target) * decay + spread * self._rng.gauss(0, 1)
        return self._value + opts["noise"] * self._rng.gauss(0, 1)

    async def read(self) -> float:
        opts = self.options
        roll = self._rng.random()
        if roll < opts["hang_rate"]:
            await asyncio.Event().wait()  # never returns: the engine's timeout ends it
        read_time = opts["read_time"]
        if read_time > 0:
            await asyncio.sleep(read_time * self._rng.uniform(0.8, 1.2))
        if self._rng.random() < opts["fail_rate"]:
            raise SourceError("simulated instrument fault")
        return self._step()
