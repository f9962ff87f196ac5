"""This machine's own sensors through psutil: CPU, load, memory, disk, network, CPU temperature.

Rates (CPU %, network bytes/s) are computed from this source's own previous
sample rather than psutil's module-wide "since last call" state, so two system
sensors never steal each other's interval. psutil calls run in a thread: disk
usage of a dead network mount, or a slow sysfs read, must not stall the loop.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, ClassVar

from sensortop.config.fields import Field
from sensortop.sources.base import PolledSource, SourceError

METRICS = ("cpu_percent", "load1", "memory_percent", "disk_percent",
           "net_rx_rate", "net_tx_rate", "cpu_temp")
RATE_METRICS = ("cpu_percent", "net_rx_rate", "net_tx_rate")
CPU_CHIPS = ("coretemp", "k10temp", "zenpower", "cpu_thermal", "cpu-thermal", "acpitz")
FIRST_SAMPLE_GAP = 0.2
"""Seconds between the two samples a rate needs when there is no earlier one."""


class SystemSource(PolledSource):
    """One psutil metric of the machine sensortop runs on."""

    FIELDS: ClassVar[tuple[Field, ...]] = (
        Field("metric", str, "cpu_percent", "what to measure", choices=METRICS),
        Field("path", str, "/", "filesystem for disk_percent"),
        Field("interface", str, None, "network interface for net_*_rate (all but loopback "
              "when empty)", optional=True),
        Field("chip", str, None, "temperature chip for cpu_temp, e.g. coretemp "
              "(first CPU chip found when empty)", optional=True),
    )

    def __init__(self, spec: Any) -> None:
        super().__init__(spec)
        self.metric: str = self.options.get("metric") or "cpu_percent"
        self._previous: tuple[float, tuple[float, float]] | None = None

    async def connect(self) -> None:
        import psutil  # noqa: F401  (fail here, clearly, if psutil is missing)

        if self.metric in RATE_METRICS:
            self._previous = await asyncio.to_thread(self._sample_counters)

    async def read(self) -> float:
        if self.metric in RATE_METRICS:
            return await self._read_rate()
        return await asyncio.to_thread(self._read_now)

    async def _read_rate(self) -> float:
        current = await asyncio.to_thread(self._sample_counters)
        previous = self._previous
        if previous is None or current[0] - previous[0] < FIRST_SAMPLE_GAP / 2:
            # Too close to the last sample for a meaningful rate: wait a little and resample.
            if previous is None:
                previous = current
            await asyncio.sleep(FIRST_SAMPLE_GAP)
            current = await asyncio.to_thread(self._sample_counters)
        self._previous = current
        dt = current[0] - previous[0]
        (a0, b0), (a1, b1) = previous[1], current[1]
        if self.metric == "cpu_percent":
            total = b1 - b0
            return 0.0 if total <= 0 else max(0.0, min(100.0, 100.0 * (a1 - a0) / total))
        return max(0.0, (a1 - a0) / dt) if dt > 0 else 0.0

    def _sample_counters(self) -> tuple[float, tuple[float, float]]:
        """(monotonic time, (busy, total)) for CPU; (time, (bytes, 0)) for the network."""
        import psutil

        now = time.monotonic()
        if self.metric == "cpu_percent":
            times = psutil.cpu_times()
            total = sum(times)
            # guest time is already counted in user time on Linux
            total -= getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
            idle = times.idle + getattr(times, "iowait", 0.0)
            return now, (total - idle, total)
        interface = self.options.get("interface")
        counters = psutil.net_io_counters(pernic=True)
        if interface:
            if interface not in counters:
                names = ", ".join(sorted(counters)) or "none"
                raise SourceError(f"no network interface {interface!r} (have: {names})")
            chosen = [counters[interface]]
        else:
            chosen = [c for name, c in counters.items() if name != "lo"
                      and not name.startswith("lo")]
        attr = "bytes_recv" if self.metric == "net_rx_rate" else "bytes_sent"
        return now, (float(sum(getattr(c, attr) for c in chosen)), 0.0)

    def _read_now(self) -> float:
        import psutil

        if self.metric == "load1":
            return float(os.getloadavg()[0] if hasattr(os, "getloadavg")
                         else psutil.getloadavg()[0])
        if self.metric == "memory_percent":
            return float(psutil.virtual_memory().percent)
        if self.metric == "disk_percent":
            path = self.options.get("path") or "/"
            try:
                return float(psutil.disk_usage(path).percent)
            except FileNotFoundError:
                raise SourceError(f"no such path for disk_percent: {path}") from None
        if self.metric == "cpu_temp":
            return self._cpu_temperature()
        raise SourceError(f"unknown metric {self.metric!r}")

    def _cpu_temperature(self) -> float:
        import psutil

        reader = getattr(psutil, "sensors_temperatures", None)
        chips: dict[str, list[Any]] = reader() if reader is not None else {}
        wanted = self.options.get("chip")
        if wanted:
            if wanted not in chips:
                have = ", ".join(sorted(chips)) or "none"
                raise SourceError(f"no temperature chip {wanted!r} on this machine (have: {have})")
            entries = chips[wanted]
        else:
            entries = next((chips[name] for name in CPU_CHIPS if chips.get(name)), [])
        if not entries:
            raise SourceError("no CPU temperature sensor on this machine")
        for entry in entries:  # prefer the package reading over single cores
            if entry.label.lower().startswith(("package", "tctl", "tdie")):
                return float(entry.current)
        return float(entries[0].current)
