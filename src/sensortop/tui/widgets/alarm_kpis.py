"""The review screen's alarm KPI section: ``sensortop alarms``'s report for the chosen run.

Reads the run's alarm journal (``events-<stamp>*.jsonl`` beside its readings log)
in a thread worker, computes the KPIs there too, and shows the same text the
command prints (README "Alarm KPIs: sensortop alarms"), so the two never disagree.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from sensortop.logs.files import journal_stem
from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.alarm_report import report_text
from sensortop.review.journal import journal_files, read_journal
from sensortop.review.safetext import printable


def journals_for(log_dir: Path, run: str | None) -> list[Path]:
    """The journal files of the run named ``run`` (its readings log's stem), or of every
    run for None."""
    if not log_dir.is_dir():
        return []
    found = journal_files([log_dir])
    if run is None:
        return found
    stem = journal_stem(run)
    return [p for p in found if p.name.split(".", 1)[0] == stem]


class AlarmKpisPanel(VerticalScroll):
    """Alarm KPIs of one run (or all), each figure beside its ISA-18.2 / EEMUA 191 target."""

    DEFAULT_CSS = """
    AlarmKpisPanel { height: 1fr; padding: 0 1; }
    """

    def __init__(self, log_dir: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log_dir = Path(log_dir)
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Static("alarm KPIs: choose a run", id="alarm-kpis-text", markup=False)

    def load(self, run: str | None) -> None:
        """Read ``run``'s journal (None: every run's) and show its KPIs."""
        self._show("reading the alarm journal ...")
        self._read(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="alarm-kpis")
    def _read(self, run: str | None) -> None:
        worker = get_current_worker()
        try:
            journal = read_journal(journals_for(self.log_dir, run))
        except OSError as exc:
            text = f"cannot read {printable(str(exc.filename))}: {exc.strerror or exc}"
        else:
            if not journal.files:
                text = f"no alarm journal for {run or 'any run'} in {self.log_dir}"
            else:
                text = report_text(compute_kpis(journal.entries))
                if journal.skipped_total:
                    text += (f"\nskipped {journal.skipped_total} journal line(s) "
                             f"({journal.torn} torn, {journal.malformed} malformed)\n")
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, text)

    def _show(self, text: str) -> None:
        self.text = text
        self.query_one("#alarm-kpis-text", Static).update(text)
