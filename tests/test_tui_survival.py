"""A long-running console survives what it shows: a convoy landing, a pane that fails to draw."""

from __future__ import annotations

import pytest
from tui_support import CONVOY, frozen_clock, populate, sync

from gastown_tui.services.convoys import close_beads
from gastown_tui.town import install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.convoy_board import ConvoyBoard

SIZE = (160, 48)


@pytest.fixture
def town(tmp_path, monkeypatch):
    monkeypatch.delenv("GT_ACTOR", raising=False)
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    yield town
    town.ledger.close()


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run (its feed polls on timers) until ``condition()`` holds."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def board_labels(app) -> list[str]:
    board = app.screen.query_one(ConvoyBoard)
    labels = []

    def walk(node):
        for child in node.children:
            labels.append(child.label.plain)
            walk(child)

    walk(board.root)
    return labels


@sync
async def test_a_convoy_landing_under_a_running_app_leaves_the_app_running(town):
    app = GastownApp(town, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("Auth rewrite" in label for label in board_labels(app)))
        board = app.screen.query_one(ConvoyBoard)
        board.root.children[0].expand()  # the convoy node and its beads are both on screen
        await pilot.pause()
        town.ledger.write("land", lambda tx: close_beads(tx, ["gt-tui-c", "gt-tui-d"], "done"))
        await wait_until(pilot, lambda: board_labels(app) == ["no open convoys"])
        assert app.is_running and app.return_code is None
        assert town.ledger.get(CONVOY)["status"] == "closed"
