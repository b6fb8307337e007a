"""The layout fits the terminal: one pane at a time when narrow, key columns kept, all panes reachable."""

from __future__ import annotations

import pytest
from textual.app import App
from tui_support import frozen_clock, populated_town, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.keyed_table import fit_columns
from gastown_tui.tui.widgets.mail_inbox import MailInbox
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable

PANES = ("rigs", "output", "convoys", "queue", "mail")


def shown(app) -> list[str]:
    return [
        pane for pane in PANES if app.screen.query_one(f"#{pane}").display and app.screen.query_one(f"#{pane}").region
    ]


@sync
async def test_at_80x24_one_pane_fills_the_screen_and_every_pane_is_reachable(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == ["rigs"]
        for number, pane in enumerate(PANES, 1):
            await pilot.press(str(number))
            await pilot.pause()
            assert shown(app) == [pane] and app.focused.id == pane
            assert app.screen.query_one(f"#{pane}").region.width == 80
        await pilot.press("tab")
        await pilot.pause()
        assert shown(app) == ["rigs"]
        queue, inbox = app.screen.query_one(MergeQueueTable), app.screen.query_one(MailInbox)
        await pilot.press("4")
        await pilot.pause()
        assert {"MR", "Title", "State"} <= set(queue.shown_columns)
        await pilot.press("5")
        await pilot.pause()
        assert {"Message", "From", "Subject"} <= set(inbox.shown_columns)


@pytest.mark.parametrize("size", [(100, 30), (160, 48)])
@sync
async def test_from_100_columns_all_five_panes_show_with_their_key_columns(town, size):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == list(PANES)
        queue = app.screen.query_one(MergeQueueTable)
        assert {"MR", "Title", "State", "Gates"} <= set(queue.shown_columns)
        title = queue.shown_columns.index("Title")
        assert queue.get_row_at(0)[title].plain == "Add login form"  # the title is readable, not cut to "Tit"


def test_the_most_droppable_columns_go_first_and_the_title_takes_the_rest():
    columns = MergeQueueTable.COLUMNS
    wide = fit_columns(columns, 200)
    assert [columns[i].label for i, _ in wide] == [c.label for c in columns]
    narrow = [columns[i].label for i, _ in fit_columns(columns, 56)]
    assert narrow == ["MR", "Title", "State", "Gates"]
    assert sum(width + 2 for _, width in fit_columns(columns, 56)) == 56


@sync
async def test_the_pane_chosen_on_a_wide_terminal_is_the_one_shown_after_narrowing_it(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("4")
        await pilot.pause()
        assert shown(app) == list(PANES)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert shown(app) == ["queue"]
        await pilot.press("3")
        await pilot.pause()
        assert shown(app) == ["convoys"]
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert shown(app) == list(PANES)


@sync
@pytest.mark.parametrize(("width", "layout"), [(80, "-narrow"), (120, "-medium"), (160, "-wide")])
async def test_the_town_screen_is_styled_for_the_terminal_width_from_its_first_mount(town, monkeypatch, width, layout):
    """Born with its layout class, the screen is styled once before its first frame (Textual's first resize
    would otherwise add the class and restyle every widget again)."""
    from gastown_tui.tui.screens.town import TownScreen

    at_mount = []
    mount = TownScreen.on_mount
    monkeypatch.setattr(TownScreen, "on_mount", lambda screen: at_mount.append(set(screen.classes)) or mount(screen))
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(width, 40)):
        await app.workers.wait_for_complete()
    assert at_mount and layout in at_mount[0] and not {"-narrow", "-medium", "-wide"} - {layout} & at_mount[0]


class _FullTable(App):
    """A table with more rows than its height, so its vertical scrollbar shows."""

    def __init__(self, table):
        super().__init__()
        self.table = table

    def compose(self):
        yield self.table

    def on_mount(self) -> None:
        self.table.styles.height = 6
        width = len(self.table.COLUMNS)
        self.table.sync({f"row-{n:02}": [f"c{n}"] * width for n in range(20)})


@pytest.mark.parametrize("table", [MergeQueueTable, MailInbox], ids=["queue", "mail"])
@sync
async def test_a_table_longer_than_its_pane_has_no_horizontal_scrollbar(table):
    """The vertical scrollbar is two cells wide: columns fitted to leave one made the rows one
    cell too wide, and a stray horizontal scrollbar took the pane's last row."""
    app = _FullTable(table())
    async with app.run_test(size=(104, 12)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.table.show_vertical_scrollbar
        assert not app.table.show_horizontal_scrollbar
        assert app.table.virtual_size.width <= app.table.scrollable_content_region.width
