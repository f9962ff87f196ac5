"""LookupPane in a tiny app of its own, driven by Pilot against the PUG REST stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, Input

from pubchem_fixtures import PaneApp, make_pane
from pubchem_standin import PubChemStandin
from sensortop.pubchem import PubChemClient
from sensortop.tui.widgets.lookup_pane import LOOKING_UP, LookupPane, PubChemSuggester
from sensortop.tui.widgets.lookup_text import fit_words, split_names

pytest_plugins = ["pubchem_fixtures"]




def status(pane: LookupPane, name: str) -> str:
    table = pane.query_one(DataTable)
    return str(table.get_cell(name.casefold(), "status"))


async def wait_for(pilot: object, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def type_and_enter(pilot: object, pane: LookupPane, text: str) -> None:
    pane.focus_input()
    await pilot.press(*text, "enter")  # type: ignore[attr-defined]


async def test_typing_a_list_fills_rows_as_each_answer_arrives(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.hold_names = {"caffeine"}
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "caffeine, water, acetic acid")
        await wait_for(pilot, lambda: status(pane, "water") == "found")
        assert status(pane, "caffeine") == LOOKING_UP  # the slow one does not hold the others
        table = pane.query_one(DataTable)
        row = [str(c) for c in table.get_row("water")]
        assert row == ["water", "962", "H2O", "18.015", "found"]
        standin.release_held()
        await wait_for(pilot, lambda: status(pane, "caffeine") == "found")
        assert table.row_count == 3


async def test_unknown_name_shows_not_found(standin: PubChemStandin, cache_dir: Path) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "srthrthsr")
        await wait_for(pilot, lambda: status(pane, "srthrthsr") == "not found")


async def test_highlighted_row_shows_every_property(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "water, aspirin")
        await wait_for(pilot, lambda: status(pane, "aspirin") == "found")
        pane.query_one(DataTable).focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: "BSYNRYMUTXBXSQ-UHFFFAOYSA-N" in pane.detail_text())
        detail = pane.detail_text()
        for expected in ("2244", "C9H8O4", "180.16 g/mol", "2-acetyloxybenzoic acid",
                         "CC(=O)OC1=CC=CC=C1C(=O)O", "1.2"):  # fmt: skip
            assert expected in detail


async def test_enter_on_a_row_shows_its_synonyms(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "aspirin")
        await wait_for(pilot, lambda: status(pane, "aspirin") == "found")
        pane.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "ACETYLSALICYLIC ACID" in pane.detail_text())


async def test_busy_pubchem_shows_retrying_then_the_answer(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.busy_next = 1
    standin.retry_after = "1"
    pane = make_pane(standin.url, cache_dir)
    seen: set[str] = set()
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "toluene")

        def done() -> bool:
            seen.add(status(pane, "toluene"))
            return status(pane, "toluene") == "found"

        await wait_for(pilot, done)
    assert any(s.startswith("PubChem busy, retrying") for s in seen)


async def test_timeout_shows_timed_out_in_its_row(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.hold_names = {"benzene"}
    pane = make_pane(standin.url, cache_dir, timeout=0.3)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "benzene, water")
        await wait_for(pilot, lambda: status(pane, "benzene").startswith("timed out"))
        assert status(pane, "water") == "found"


async def test_refused_connection_shows_network_error(refused_url: str, cache_dir: Path) -> None:
    pane = make_pane(refused_url, cache_dir, retries=0)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "water")
        await wait_for(pilot, lambda: status(pane, "water").startswith("network error"))


async def test_a_new_lookup_replaces_one_still_running(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    standin.hold_names = {"caffeine"}
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "caffeine")
        await wait_for(pilot, lambda: standin.request_count == 1)
        pane.query_one(Input).value = ""
        await type_and_enter(pilot, pane, "methanol")
        await wait_for(pilot, lambda: status(pane, "methanol") == "found")
        assert pane.query_one(DataTable).row_count == 1


async def test_focus_input_puts_the_cursor_in_the_input(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        pane.query_one(DataTable).focus()
        await pilot.pause()
        pane.focus_input()
        await pilot.pause()
        assert pilot.app.focused is pane.query_one(Input)


async def test_suggester_completes_the_last_name_typed(standin: PubChemStandin) -> None:
    async with PubChemClient(standin.url) as client:
        suggester = PubChemSuggester(client, debounce=0.0)
        assert await suggester.get_suggestion("water, Asp") == "water, Aspirin"
        assert await suggester.get_suggestion("wa") is None  # too short to ask


def test_split_names_trims_and_drops_blanks_and_repeats() -> None:
    assert split_names(" water,, Acetic acid , WATER,") == ["water", "Acetic acid"]


async def test_down_from_the_input_reaches_the_rows_and_up_goes_back(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        await type_and_enter(pilot, pane, "water, aspirin")
        await wait_for(pilot, lambda: status(pane, "aspirin") == "found")
        table = pane.query_one(DataTable)
        await pilot.press("down")
        assert pilot.app.focused is table and table.cursor_row == 0
        await pilot.press("down")
        assert table.cursor_row == 1 and "aspirin" in pane.detail_text()
        await pilot.press("up", "up")
        assert pilot.app.focused is pane.query_one(Input)


async def test_down_in_an_empty_pane_stays_in_the_input(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test() as pilot:
        pane.focus_input()
        await pilot.press("down")
        assert pilot.app.focused is pane.query_one(Input)


async def test_a_long_failure_reason_is_whole_or_cut_at_a_word_with_an_ellipsis(
    refused_url: str, cache_dir: Path
) -> None:
    pane = make_pane(refused_url, cache_dir, retries=0)
    async with PaneApp(pane).run_test(size=(44, 20)) as pilot:
        await type_and_enter(pilot, pane, "water")
        await wait_for(pilot, lambda: status(pane, "water").startswith("network error"))
        shown = status(pane, "water")
        whole = pane.detail_text().splitlines()[1].removeprefix("status     ")
        assert len(whole) > len(shown) and shown.endswith("…")
        assert whole.startswith(shown[:-1])  # a prefix of the real words
        assert whole[len(shown) - 1] in " ,:;("  # cut between words, not inside one
        assert len(shown) <= pane.status_room()  # not cut again by the table's edge
        await pilot.resize_terminal(140, 20)
        await wait_for(pilot, lambda: status(pane, "water") == whole)


def test_fit_words_cuts_between_words_and_marks_the_cut() -> None:
    text = "network error, retrying in 2 s (1/4)"
    assert fit_words(text, 60) == text
    assert fit_words(text, 17) == "network error…"
    assert fit_words("supercalifragilistic", 8) == "superca…"
    assert fit_words(text, 1) == "…"
    assert all(len(fit_words(text, n)) <= n for n in range(1, 40))


async def test_the_details_follow_the_rows_instead_of_the_pane_bottom(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test(size=(60, 40)) as pilot:
        await type_and_enter(pilot, pane, "water, aspirin")
        await wait_for(pilot, lambda: status(pane, "aspirin") == "found")
        await pilot.pause()
        table = pane.query_one(DataTable)
        details = pane.query_one("#lookup-detail-scroll")
        assert table.region.height <= 4  # a header and two rows, not half the pane empty
        assert details.region.y == table.region.bottom
        assert details.region.bottom == pane.region.bottom  # the rest is the details'


async def test_a_narrow_pane_keeps_name_and_status_and_drops_what_does_not_fit(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test(size=(44, 20)) as pilot:
        long_name = "a very long compound name nobody knows"
        await type_and_enter(pilot, pane, f"water, {long_name}")
        await wait_for(pilot, lambda: status(pane, long_name) == "not found")
        table = pane.query_one(DataTable)
        shown = [column.key.value for column in table.columns.values()]
        assert shown[0] == "name" and shown[-1] == "status" and len(shown) < 5
        width = table.scrollable_content_region.width
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= width
        name_cell = str(table.get_cell(long_name.casefold(), "name"))
        assert name_cell.endswith("…") and long_name.startswith(name_cell[:-1].rstrip())
        table.focus()
        await pilot.press("down")
        assert pane.detail_text().splitlines()[0] == long_name  # whole below the table
        await pilot.resize_terminal(160, 20)
        await wait_for(pilot, lambda: len(table.columns) == 5)
        assert str(table.get_cell(long_name.casefold(), "name")) == long_name


def test_split_names_keeps_commas_between_locants() -> None:
    typed = "2,4-dinitrophenol, N,N-dimethylformamide,water,ethanol, 2,4,6-trinitrotoluene"
    assert split_names(typed) == ["2,4-dinitrophenol", "N,N-dimethylformamide", "water",
                                  "ethanol", "2,4,6-trinitrotoluene"]
    assert split_names("1,1'-biphenyl, 1,2-dichloroethane") == ["1,1'-biphenyl",
                                                                "1,2-dichloroethane"]


async def test_a_long_property_wraps_under_its_value_in_a_narrow_pane(
    standin: PubChemStandin, cache_dir: Path
) -> None:
    pane = make_pane(standin.url, cache_dir)
    async with PaneApp(pane).run_test(size=(38, 24)) as pilot:  # as in a 40-cell side pane
        await type_and_enter(pilot, pane, "aspirin")
        await wait_for(pilot, lambda: status(pane, "aspirin") == "found")
        await pilot.pause()
        detail = pane.query_one("#lookup-detail")
        width = detail.content_region.width
        text = pane.detail_text(width)
        lines = text.splitlines()
        assert width < len("InChIKey   BSYNRYMUTXBXSQ-UHFFFAOYSA-N")  # so it must wrap
        assert all(len(line) <= width for line in lines)

        def value(label: str) -> str:
            start = next(i for i, line in enumerate(lines) if line.startswith(label))
            rows = [lines[start][11:]]
            for line in lines[start + 1:]:
                if not line.startswith(" " * 11):
                    break
                rows.append(line[11:])
            return "".join(rows)  # the value's parts, each under the value's column

        assert value("InChIKey") == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
        assert value("SMILES") == "CC(=O)OC1=CC=CC=C1C(=O)O"
