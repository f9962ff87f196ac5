"""The dashboard's status line names a failing output (an alarm action) when the
recorder itself is well; the recorder's own error still comes first."""

from __future__ import annotations

import time
from types import SimpleNamespace

from textual.app import App, ComposeResult

from actions_support import command, event, sink_with
from sensortop.tui.widgets.status_line import StatusLine
from support import wait_until


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")


async def test_a_failing_action_shows_in_the_status_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sink, finishes = sink_with(command("-c", "raise SystemExit(7)"))
    sink.put(event())
    await wait_until(lambda: len(finishes) == 1)
    recorder = SimpleNamespace(path=tmp_path.name + ".jsonl", backlog=0,
                               error=None)
    app = StatusApp()
    async with app.run_test(size=(200, 5)) as pilot:
        status = app.query_one(StatusLine)
        status.show(recorder, 4.0, 2, [sink])  # type: ignore[arg-type]
        await pilot.pause()
        assert status.text.startswith("ACTIONS ERROR: actions 1 failed; last: actions[0] "
                                      "(command ")
        assert "exit status 7" in status.text and status.text.endswith("2 sensors")
        recorder.error = "disk full"
        status.show(recorder, 4.0, 2, [sink])  # type: ignore[arg-type]
        await pilot.pause()
        assert status.text.startswith("RECORDER ERROR: disk full")
    await sink.stop(time.monotonic() + 5)
