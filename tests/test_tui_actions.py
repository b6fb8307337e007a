"""Every TUI action finishes what it starts: retry a sent-back MR, nuke a polecat at work with force."""

from __future__ import annotations

from polecat_support import tmux_server  # noqa: F401  (fixture)
from test_tui_live import rig_town  # noqa: F401  (fixture)
from tui_support import MR_FIRST, async_wait_for, frozen_clock, populated_town, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.services import refinery
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.confirm_dialog import ConfirmDialog
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable
from gastown_tui.tui.widgets.rig_tree import RigTree

SIZE = (160, 48)


@sync
async def test_R_retries_a_failed_merge_request_and_only_such_a_one(town):
    def gates_failed(tx):  # what the refinery records when an MR's gates fail
        tx.add_label(MR_FIRST, "mr:failed")
        tx.set_metadata(MR_FIRST, failure={"type": "tests", "error": "2 failed"})

    town.ledger.write("gates failed", gates_failed)
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        queue = app.screen.query_one(MergeQueueTable)
        await pilot.press("j")
        assert queue.selected.state == "pending" and app.screen.check_action("retry", ()) is False
        assert app.screen.check_action("approve", ()) is True
        await pilot.press("k")
        assert queue.selected.id == MR_FIRST and queue.selected.state == "failed"
        assert app.screen.check_action("retry", ()) is True
        assert app.screen.check_action("approve", ()) is False  # retry, not approve, puts it back
        assert app.screen.check_action("reject", ()) is True
        await pilot.press("R")
        await settle(pilot)
        assert refinery.show(town, MR_FIRST)["state"] == "approved"
        assert queue.selected.state == "approved"
        assert app.screen.check_action("retry", ()) is False  # an approved MR is not offered a retry


@sync
async def test_X_offers_force_for_a_polecat_at_work(rig_town, tmux):  # noqa: F811  (fixture)
    from gastown_tui.services import polecats

    town, bead = rig_town
    done = polecats.sling(town, bead, "gastown")
    name = done["address"].rsplit("/", 1)[1]
    app = GastownApp(town, tmux=tmux)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        tree = app.screen.query_one(RigTree)
        await async_wait_for(lambda: tree.selected_agent is not None or app.screen.snapshot, what="first read")
        tree.focus()
        for _ in range(20):
            if tree.selected_agent is not None and tree.selected_agent.name == name:
                break
            await pilot.press("j")
        assert tree.selected_agent.name == name
        await pilot.press("X")
        dialog = await async_wait_for(lambda: isinstance(app.screen, ConfirmDialog) and app.screen, what="dialog")
        assert bead in dialog.question and "Force" in dialog.question
        await pilot.press("y")  # plain nuke refuses: it is at work
        await settle(pilot)
        assert town.ledger.get(bead)["status"] == "hooked"
        await pilot.press("X")
        await async_wait_for(lambda: isinstance(app.screen, ConfirmDialog), what="dialog again")
        await pilot.press("f")
        await async_wait_for(lambda: town.ledger.get(bead)["status"] == "open", what="the bead back to ready work")
        assert not tmux.has_session(f"gt-gastown-{name}")


@sync
async def test_tab_follows_the_pane_numbers_and_shift_tab_goes_back(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        order = []
        for _ in range(6):
            order.append(app.focused.id)
            await pilot.press("tab")
        assert order == ["rigs", "output", "convoys", "queue", "mail", "rigs"]
        assert app.focused.id == "output"
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused.id == "mail"


@sync
async def test_ages_tick_between_reads_of_the_ledger(town):
    import datetime as dt

    from tui_support import FROZEN_NOW

    now = [FROZEN_NOW]
    app = GastownApp(town, clock=lambda: now[0], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(MergeQueueTable)
        assert queue.get_cell(MR_FIRST, "Age").plain == "2h"
        now[0] = FROZEN_NOW + dt.timedelta(hours=3)  # no ledger event: only the clock moved
        await pilot.pause(app.screen.TICK_INTERVAL + 0.3)
        assert queue.get_cell(MR_FIRST, "Age").plain == "5h"


@sync
async def test_placeholders_show_this_towns_addresses_and_ids(town):
    from textual.widgets import Input

    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        # this town's rig and its first polecat (the fixture's gastown/polecats/warboy)
        assert app.screen.query_one("#to", Input).placeholder == "mayor/, gastown/witness, gastown/polecats/warboy…"
        await pilot.press("escape", "s")
        await settle(pilot)
        assert app.screen.query_one("#bead", Input).placeholder == "e.g. gt-tui-d"
