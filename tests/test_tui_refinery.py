"""Pilot test: the refinery queue shows each MR's place and batch, and the search over a batch as the
refinery writes it (which stacks are running, green, red), through the real app and ledger."""

from __future__ import annotations

from tui_support import MR_FIRST, MR_SECOND, async_wait_for, frozen_clock, populated_town, screen_text, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.services.refinery import set_state
from gastown_tui.services.refinery.trace import Bisection, StackState
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable

SIZE = (160, 48)


def _round(town, number: int, *stacks: tuple[tuple[str, ...], str]) -> None:
    """What the refinery writes on each MR of batch ``b-1`` at a round: its stacks and their states."""
    note = Bisection("b-1", (MR_FIRST, MR_SECOND), number, tuple(StackState(s, "ab" * 20, st) for s, st in stacks))

    def apply(tx) -> None:
        for mr in (MR_FIRST, MR_SECOND):
            set_state(tx, mr, "testing")
            tx.set_metadata(mr, bisect=note.to_json())

    town.ledger.write("round", apply)


def _cells(table: MergeQueueTable, key: str) -> list[str]:
    return [str(cell) for cell in table.get_row(key)]


@sync
async def test_the_queue_shows_place_batch_and_the_bisection_live(town):
    _round(town, 1, ((MR_FIRST, MR_SECOND), "red"), ((MR_FIRST,), "running"))
    app = GastownApp(town, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        table = app.screen.query_one(MergeQueueTable)
        first, second = _cells(table, MR_FIRST), _cells(table, MR_SECOND)
        assert first[1] == "1" and second[1] == "2"  # places in the rig's queue
        assert "b-1 #1/2" in first and "b-1 #2/2" in second
        assert "▶ running" in first and "✗ red" in second  # each MR's smallest stack
        assert "round 1: [1-2] red, [1] running" in table.border_subtitle

        _round(town, 2, ((MR_FIRST,), "green"), ((MR_SECOND,), "running"))  # the refinery moves on
        await async_wait_for(lambda: "✓ green" in _cells(table, MR_FIRST), what="the next round to show")
        assert "round 2: [1] green, [2] running" in table.border_subtitle

        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "batch b-1: #1 of 2; round 2: [1] green, [2] running" in text
        assert "queue position 1" in text and "= 1000 + priority" in text
