"""Pictures of the table view and of the grid's group sections, from the fixed data of
``test_tui_snapshots`` with the five sensors in three groups (README "Table view").

Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from test_tui_snapshots import CONFIG, make_app, settle, still_cursor, zone  # noqa: F401

GROUPED = CONFIG
for sensor_id, group in [("reactor_temp", "Reactor"), ("reactor_press", "Reactor"),
                         ("feed_flow", "Feed"), ("coolant_temp", "Utilities"),
                         ("agitator", "Reactor")]:
    GROUPED = GROUPED.replace(f'id = "{sensor_id}"\n', f'id = "{sensor_id}"\ngroup = "{group}"\n')
SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 45)],
                                ids=lambda size: f"{size[0]}x{size[1]}")


@SIZES
def test_table_view(snap_compare, make_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    async def show_table(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("down", "down", "greater_than_sign", "greater_than_sign", "r")
        await settle(pilot)
        still_cursor(pilot)

    assert snap_compare(make_app(config_text=GROUPED), terminal_size=size,
                        run_before=show_table)


def test_grid_sections(snap_compare, make_app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert snap_compare(make_app(config_text=GROUPED), terminal_size=(160, 45),
                        run_before=settle)
