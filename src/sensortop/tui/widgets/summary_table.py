"""The review screen's per-sensor table: health columns first, then statistics and times.

On a narrow screen what scrolls off to the right is the times, not the
failures. Refilled in place as a followed log grows: the cursor stays on its
sensor, not on its row number.
"""

from __future__ import annotations

from textual.widgets import DataTable

from sensortop.review.formatting import alarm_text, duration, number, short_time
from sensortop.review.summary import SensorSummary

COLUMNS = ("sensor", "units", "count", "ok/timeout/error", "alarm time", "gaps",
           "min", "max", "mean", "std", "first (UTC)", "last (UTC)")


def summary_cells(s: SensorSummary) -> tuple[str, ...]:
    """One row of the table, as ``sensortop review`` shows the same figures."""
    return (s.sensor, s.units, str(s.count), "/".join(str(v) for v in s.statuses.values()),
            alarm_text(s.alarm_seconds),
            f"{s.gaps.count} ({duration(s.gaps.longest)})" if s.gaps.count else "0",
            number(s.min), number(s.max), number(s.mean), number(s.std),
            short_time(s.first), short_time(s.last))


class SummaryTable(DataTable[str]):
    """One row per sensor shown."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns(*COLUMNS)

    @property
    def sensor(self) -> str | None:
        """The sensor of the cursor's row."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def fill(self, summaries: list[SensorSummary], keep: str | None) -> None:
        """Show ``summaries``; the cursor goes back to ``keep``'s row if it is among them."""
        cells = [summary_cells(s) for s in summaries]
        shown = [str(self.get_row_at(i)[0]) for i in range(self.row_count)]
        if [c[0] for c in cells] == shown:  # the same sensors: change cells, keep rows
            for row in cells:
                for column, value in zip(self.columns, row, strict=True):
                    if self.get_cell(row[0], column) != value:
                        self.update_cell(row[0], column, value)
            return
        self.clear()
        for row in cells:
            self.add_row(*row, key=row[0])
        if keep is not None and keep in [c[0] for c in cells]:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
