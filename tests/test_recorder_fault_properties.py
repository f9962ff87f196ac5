"""Property: whatever sequence of faults hits the recorder, every reading ends up
exactly once in the log or the rescue file, or is counted as lost with a file
someone deleted; no line is torn, and the counters say what the files hold."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.logs import writer as recorder_module
from sensortop.logs.safe_open import open_part
from sensortop.logs.writer import Recorder
from sensortop.model.readings import Reading, Status
from support import read_log_lines

FAULTS = [OSError(errno.ENOSPC, "No space left on device"), ValueError("embedded null byte"),
          RuntimeError("a driver bug"), PermissionError(errno.EACCES, "Permission denied")]

step = st.one_of(
    st.tuples(st.just("put"), st.integers(1, 400)),
    st.tuples(st.just("fail_opens"), st.integers(1, 3)),
    st.tuples(st.just("fail_write"), st.floats(0.0, 0.99)),
    st.tuples(st.just("delete_file"), st.just(0)),
    st.tuples(st.just("delete_folder"), st.just(0)),
    st.tuples(st.just("settle"), st.just(0)),
)


class FaultyRecorder(Recorder):
    """A recorder whose opens and writes fail when the plan says so."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.open_faults = 0
        self.write_fault: float | None = None
        super().__init__(*args, opener=self._open, **kwargs)

    def _open(self, path: Path, new: bool) -> int:
        if self.open_faults:
            self.open_faults -= 1
            raise FAULTS[self.open_faults % len(FAULTS)]
        return open_part(path, new)

    async def _ensure_file(self, incoming: int) -> None:
        await super()._ensure_file(incoming)
        file = self._file
        real_write = file.write

        async def write(data: memoryview) -> int:
            fraction, self.write_fault = self.write_fault, None
            if fraction is None:
                return await real_write(data)
            cut = int(len(data) * fraction)
            if cut:
                await real_write(data[:cut])  # part of the chunk lands, then the disk fills
            raise OSError(errno.ENOSPC, "No space left on device")

        file.write = write


async def scenario(plan: list[tuple[str, Any]], root: Path) -> None:
    log_dir = root / "logs"
    recorder = FaultyRecorder(log_dir, batch_lines=50, batch_seconds=0.002, rotate_bytes=8000,
                              stop_attempts=3)
    await recorder.start()
    total = 0

    async def settle() -> None:
        for _ in range(2000):
            if recorder.backlog == 0:
                return
            await asyncio.sleep(0.002)
        raise AssertionError("the recorder never caught up")

    for action, arg in plan:
        if action == "put":
            for _ in range(arg):
                recorder.put(Reading(1_764_000_000.0 + total / 1000, "s", float(total), "bar",
                                     Status.OK))
                total += 1
            await asyncio.sleep(0)
        elif action == "fail_opens":
            recorder.open_faults = arg
        elif action == "fail_write":
            recorder.write_fault = arg
        elif action == "delete_file":
            await settle()
            if recorder.path is not None and recorder.path.exists():
                recorder.path.unlink()
        elif action == "delete_folder":
            await settle()
            shutil.rmtree(log_dir, ignore_errors=True)
        else:
            await settle()
    recorder.open_faults = 0
    recorder.write_fault = None
    await recorder.stop()

    in_log = [line["value"] for line in read_log_lines(recorder.paths)]  # fails on a torn line
    rescued = ([line["value"] for line in read_log_lines([recorder.rescue_path])]
               if recorder.rescue_path else [])
    kept = in_log + rescued
    assert len(kept) == len(set(kept)), "a reading was written twice"
    assert sorted(kept) == kept, "readings out of order"
    assert len(kept) + recorder.lost == total
    assert recorder.written == len(kept) and recorder.backlog == 0
    assert all(p.exists() for p in recorder.paths)
    assert (recorder.error is None) == (recorder.lost == 0 and recorder.rescue_path is None)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(step, min_size=1, max_size=12))
def test_any_fault_sequence_keeps_every_reading_once_or_counts_it_lost(
        plan: list[tuple[str, Any]]) -> None:
    saved = recorder_module.RETRY_START, recorder_module.RETRY_MAX, recorder_module.STOP_RETRY
    recorder_module.RETRY_START = recorder_module.RETRY_MAX = 0.002
    recorder_module.STOP_RETRY = 0.002
    try:
        with tempfile.TemporaryDirectory() as tmp:
            original = tempfile.gettempdir
            tempfile.gettempdir = lambda: tmp  # type: ignore[assignment]  # rescue files here
            try:
                asyncio.run(scenario(plan, Path(tmp)))
            finally:
                tempfile.gettempdir = original  # type: ignore[assignment]
    finally:
        (recorder_module.RETRY_START, recorder_module.RETRY_MAX,
         recorder_module.STOP_RETRY) = saved
    assert os.getcwd()  # the scenario never leaves the process without a working folder
