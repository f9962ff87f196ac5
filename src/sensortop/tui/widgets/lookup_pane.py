"""``LookupPane``: look compounds up on PubChem beside the sensor panels.

Self-contained: it owns its ``PubChemClient`` (and so its rate limiter and
cache), runs every look-up in an exclusive async worker so the dashboard never
waits on PubChem, fills each table row the moment that name's answer arrives,
and posts nothing the rest of the app must handle. The rules its text follows
(names split from the input, words and columns fitted to cells) are in
``lookup_text``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellDoesNotExist, RowKey

from sensortop.pubchem.cache import LookupCache, normalise_query
from sensortop.pubchem.client import PubChemClient
from sensortop.pubchem.models import LookupResult, Outcome, format_number
from sensortop.tui.widgets.lookup_text import (
    COLUMNS,
    LABEL_WIDTH,
    fit_columns,
    fit_words,
    hang,
    split_names,
)

LOOKING_UP = "looking up…"
EMPTY_HINT = "Type names above, e.g. acetic acid, toluene, then Enter"


class LookupTable(DataTable[str]):
    """The results; Up on the first row goes back to the name input (Down came from it)."""

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.screen.focus_previous()
            return
        super().action_cursor_up()


class PubChemSuggester(Suggester):
    """Completes the last name being typed from PubChem's autocomplete, after a pause in typing."""

    def __init__(self, client: PubChemClient, *, debounce: float = 0.3, min_chars: int = 3):
        super().__init__(use_cache=False, case_sensitive=True)
        self._client = client
        self.debounce = debounce
        self.min_chars = min_chars
        self._latest = ""
        self._terms: dict[str, list[str]] = {}

    async def get_suggestion(self, value: str) -> str | None:
        self._latest = value
        await asyncio.sleep(self.debounce)
        if value != self._latest:
            return None  # typing went on: only the last value is worth a request
        prefix = value.rpartition(",")[2].lstrip()
        if len(prefix.strip()) < self.min_chars:
            return None
        key = prefix.casefold()
        if key not in self._terms:
            self._terms[key] = await self._client.autocomplete(prefix, limit=5)
        for term in self._terms[key]:
            if len(term) > len(prefix) and term.casefold().startswith(key):
                return value + term[len(prefix) :]
        return None


class LookupPane(Vertical):
    """An input for names, a table of results, and every property of the highlighted row."""

    BINDINGS = [  # noqa: RUF012
        Binding("down", "rows", "Rows", show=False),
        Binding("escape", "app.focus_panels", "Back"),
    ]

    # The table is as tall as its rows (up to half the pane) and the details follow
    # right under it, taking the rest: no empty table with the details pinned low.
    DEFAULT_CSS = """
    LookupPane {
        height: 1fr;
        min-width: 38;
    }
    LookupPane > Input {
        margin: 0 0 1 0;
    }
    LookupPane > DataTable {
        height: auto;
        max-height: 50%;
    }
    LookupPane > #lookup-detail-scroll {
        height: 1fr;
        min-height: 5;
        border-top: solid $primary-muted;
    }
    LookupPane #lookup-detail {
        padding: 0 1;
    }
    """

    def __init__(
        self,
        pubchem_url: str | None = None,
        cache_dir: Path | str | None = None,
        *,
        client: PubChemClient | None = None,
        suggest: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._client = client or PubChemClient(pubchem_url, cache=LookupCache(cache_dir))
        self._owns_client = client is None
        self._suggest = suggest
        self._results: dict[RowKey, LookupResult] = {}
        self._names: dict[RowKey, str] = {}
        self._synonyms: dict[RowKey, list[str] | str] = {}
        self._status: dict[RowKey, str] = {}  # whole words; the table shows them fitted
        self._cells: dict[RowKey, dict[str, str]] = {}
        self._width = 0  # the table's width when it was last drawn
        self._batch = 0

    @property
    def client(self) -> PubChemClient:
        return self._client

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="compound names, comma-separated",  # fits the 40-cell pane
            id="lookup-input",
            suggester=PubChemSuggester(self._client) if self._suggest else None,
        )
        yield LookupTable(id="lookup-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="lookup-detail-scroll"):
            yield Static(EMPTY_HINT, id="lookup-detail")

    def on_mount(self) -> None:
        self._draw_table()

    async def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        if self._owns_client:
            await self._client.aclose()

    def focus_input(self) -> None:
        """Put the cursor in the name input (the dashboard binds this to ``c``)."""
        self.query_one(Input).focus()

    def action_rows(self) -> None:
        """Down from the input: into the rows (the table's own Down moves among them)."""
        table = self.query_one(DataTable)
        if table.row_count:
            self.screen.set_focus(table)  # now, not after keys already typed ahead

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._redraw_if_resized)

    def _redraw_if_resized(self) -> None:
        if self.query_one(DataTable).scrollable_content_region.width != self._width:
            self._draw_table()
        self._show_detail()

    # -- look-ups ---------------------------------------------------------------

    @on(Input.Submitted, "#lookup-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = split_names(event.value)
        if names:
            self.lookup(names)

    @work(exclusive=True, group="pubchem-lookup", exit_on_error=False)
    async def lookup(self, names: list[str]) -> None:
        """Look ``names`` up together; a new look-up replaces one still running."""
        self._batch += 1
        batch = self._batch
        self._results.clear()
        self._names.clear()
        self._synonyms.clear()
        self._status.clear()
        self._cells.clear()
        keys: dict[str, RowKey] = {}
        for name in names:
            key = RowKey(normalise_query(name))
            keys[normalise_query(name)] = key
            self._names[key] = name
            self._status[key] = LOOKING_UP
            self._cells[key] = {"cid": "", "formula": "", "mw": ""}
        self._draw_table()
        self.query_one(DataTable).move_cursor(row=0)
        self._show_detail()

        def progress(query: str, words: str) -> None:
            if batch == self._batch:
                self._set_status(keys.get(normalise_query(query)), words)

        try:
            async for result in self._client.lookup_many(names, progress=progress):
                row = keys.get(normalise_query(result.query))
                if row is not None and batch == self._batch:
                    self._fill_row(row, result)
        except Exception as exc:  # a bug must not take the dashboard down with it
            for key in keys.values():
                if key not in self._results:
                    self._set_status(key, f"error: {exc}")
            raise

    def _set_status(self, key: RowKey | None, words: str) -> None:
        if key is None or key not in self._names:
            return
        self._status[key] = words
        self._draw_table()
        if self._highlighted_key() == key:
            self._show_detail()

    def _fill_row(self, key: RowKey, result: LookupResult) -> None:
        if key not in self._names:
            return
        self._results[key] = result
        compound = result.compound
        self._cells[key] = {
            "cid": str(compound.cid) if compound else "",
            "formula": (compound.molecular_formula or "") if compound else "",
            "mw": format_number(compound.molecular_weight) if compound else "",
        }
        self._status[key] = result.describe() + (" (cached)" if result.from_cache else "")
        self._draw_table()
        if self._highlighted_key() == key:
            self._show_detail()

    # -- the table ----------------------------------------------------------------

    def plan_columns(self, width: int) -> dict[str, int]:
        """Which columns fit ``width`` cells and how wide each is (padding included):
        ``fit_columns`` over the rows shown now."""
        pad = 2 * self.query_one(DataTable).cell_padding
        return fit_columns(width, pad, list(self._names.values()),
                           [self._cells[key] for key in self._names],
                           list(self._status.values()))

    def _draw_table(self) -> None:
        """Rebuild the table from the rows' data, fitted to its width (a few rows: cheap)."""
        table = self.query_one(DataTable)
        width = table.scrollable_content_region.width
        self._width = width
        plan = self.plan_columns(width if width > 0 else 80)
        pad = 2 * table.cell_padding
        row = table.cursor_row
        table.clear(columns=True)
        for label, column in COLUMNS:
            if column in plan:
                table.add_column(label, key=column, width=plan[column] - pad)
        for key, name in self._names.items():
            cells = {"name": name, **self._cells[key], "status": self._status[key]}
            table.add_row(*(fit_words(cells[column], plan[column] - pad)
                            for _label, column in COLUMNS if column in plan),
                          key=key.value)
        if self._names:
            table.move_cursor(row=min(max(row, 0), len(self._names) - 1), animate=False)

    def status_room(self) -> int:
        """Cells the status column has before the table's right edge."""
        table = self.query_one(DataTable)
        return self.plan_columns(table.scrollable_content_region.width)["status"] \
            - 2 * table.cell_padding

    # -- the detail area --------------------------------------------------------

    def _highlighted_key(self) -> RowKey | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None

    @on(DataTable.RowHighlighted, "#lookup-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(DataTable.RowSelected, "#lookup-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a found row fetches its synonyms (on demand: they can run to hundreds)."""
        event.stop()
        result = self._results.get(event.row_key)
        if result is not None and result.outcome is Outcome.FOUND:
            self.load_synonyms(event.row_key, result.query)

    @work(exclusive=True, group="pubchem-synonyms", exit_on_error=False)
    async def load_synonyms(self, key: RowKey, name: str) -> None:
        self._synonyms[key] = "loading synonyms…"
        self._show_detail()
        answer = await self._client.synonyms(name)
        self._synonyms[key] = answer if isinstance(answer, list) else answer.describe()
        if self._highlighted_key() == key:
            self._show_detail()

    def detail_text(self, width: int | None = None) -> str:
        """Every property of the highlighted row, as the detail area shows it; given a
        ``width``, a long value wraps under itself, not under its label."""
        key = self._highlighted_key()
        if key is None:
            return EMPTY_HINT
        name = self._names.get(key, "")
        result = self._results.get(key)
        if result is None:
            return f"{name}\n{self._status.get(key, LOOKING_UP)}"
        lines = [name, f"status     {result.describe()}" + (
            " (from cache)" if result.from_cache else "")]  # fmt: skip
        compound = result.compound
        if compound is not None:
            mw = format_number(compound.molecular_weight)
            lines += [
                f"CID        {compound.cid}",
                f"formula    {compound.molecular_formula or '—'}",
                f"MW         {mw + ' g/mol' if mw else '—'}",
                f"IUPAC      {compound.iupac_name or '—'}",
                f"SMILES     {compound.smiles or '—'}",
                f"InChIKey   {compound.inchikey or '—'}",
                f"XLogP      {format_number(compound.xlogp) or '—'}",
            ]
            if len(result.compounds) > 1:
                others = ", ".join(str(c.cid) for c in result.compounds[1:])
                lines.append(f"also CIDs  {others}")
            synonyms = self._synonyms.get(key)
            if isinstance(synonyms, list):
                shown = ", ".join(synonyms[:12]) + (" …" if len(synonyms) > 12 else "")
                lines.append(f"synonyms   {shown or '—'}")
            elif isinstance(synonyms, str):
                lines.append(f"synonyms   {synonyms}")
            else:
                lines.append("synonyms   press Enter on the row")
        if width is not None and width > 2 * LABEL_WIDTH:
            lines = [wrapped for line in lines for wrapped in hang(line, width)]
        return "\n".join(lines)

    def _show_detail(self) -> None:
        detail = self.query_one("#lookup-detail", Static)
        width = detail.content_region.width or None
        detail.update(Content(self.detail_text(width)))
