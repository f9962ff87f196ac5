"""Ten names against the PUG REST stand-in (0.1 s latency, 5/s enforced), then the same ten cached.

The baseline is the least time PubChem's limit allows: 10 requests at 5 per
second means the 6th cannot start before 1 s, so ~1 s + one latency. Prints
the median of several runs and the ratio to that floor, plus failures and 503s.

    .venv/bin/python bench/bench_pubchem.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pubchem_standin import TEXTBOOK_NAMES, PubChemStandin
from sensortop.pubchem import LookupCache, PubChemClient

LATENCY = 0.1


def floor_seconds(count: int, per_second: int, latency: float) -> float:
    """Least wall time for ``count`` requests at ``per_second`` in any 1-s window."""
    return (math.ceil(count / per_second) - 1) * 1.0 + latency


async def one_run(standin: PubChemStandin, cache_dir: Path) -> tuple[float, float, int, int]:
    cache = LookupCache(cache_dir)
    async with PubChemClient(standin.url, cache=cache) as client:
        start = time.perf_counter()
        cold = [r async for r in client.lookup_many(TEXTBOOK_NAMES)]
        cold_s = time.perf_counter() - start
        before = standin.request_count
        start = time.perf_counter()
        warm = [r async for r in client.lookup_many(TEXTBOOK_NAMES)]
        warm_s = time.perf_counter() - start
        failures = sum(not r.is_answer for r in cold + warm)
        cached_requests = standin.request_count - before
    assert all(r.from_cache for r in warm)
    return cold_s, warm_s, failures, cached_requests


async def main(runs: int) -> None:
    floor = floor_seconds(len(TEXTBOOK_NAMES), 5, LATENCY)
    colds, warms, failures, busy, cached_requests = [], [], 0, 0, 0
    for _ in range(runs):
        with PubChemStandin(latency=LATENCY, retry_after="1") as standin, \
                tempfile.TemporaryDirectory() as tmp:  # fmt: skip
            cold, warm, failed, requests = await one_run(standin, Path(tmp))
            busy += standin.statuses().count(503)
        colds.append(cold)
        warms.append(warm)
        failures += failed
        cached_requests += requests
        await asyncio.sleep(1.1)  # a fresh stand-in, but be fair to its clock anyway
    cold_med, warm_med = statistics.median(colds), statistics.median(warms)
    print(f"names: {len(TEXTBOOK_NAMES)}  stand-in latency: {LATENCY * 1000:.0f} ms  "
          f"limit: 5 per any 1 s  runs: {runs}")  # fmt: skip
    print(f"floor allowed by the limit (baseline):  {floor:.3f} s")
    print(f"cold lookup, median:  {cold_med:.3f} s   ratio to floor: {cold_med / floor:.2f}  "
          f"(min {min(colds):.3f}, max {max(colds):.3f})")  # fmt: skip
    print(f"cached lookup, median: {warm_med * 1000:.1f} ms  ratio to floor: "
          f"{warm_med / floor:.4f}   requests made: {cached_requests}")  # fmt: skip
    print(f"failures: {failures}   503 answers from the stand-in: {busy}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
