"""A long-running console survives what it shows: a convoy landing, a pane that fails to draw."""

from __future__ import annotations

import pytest
from tui_support import CONVOY, async_wait_for, frozen_clock, populated_town, sync, toasts  # noqa: F401  (populated_town: fixture)

from gastown_tui.services.convoys import close_beads
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.convoy_board import ConvoyBoard

SIZE = (160, 48)


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
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await async_wait_for(lambda: any("Auth rewrite" in label for label in board_labels(app)), timeout=10)
        board = app.screen.query_one(ConvoyBoard)
        board.root.children[0].expand()  # the convoy node and its beads are both on screen
        await pilot.pause()
        town.ledger.write("land", lambda tx: close_beads(tx, ["gt-tui-c", "gt-tui-d"], "done"))
        await async_wait_for(lambda: board_labels(app) == ["no open convoys"], timeout=10)
        assert app.is_running and app.return_code is None
        assert town.ledger.get(CONVOY)["status"] == "closed"


@sync
async def test_a_pane_that_fails_to_draw_is_logged_toasted_and_drawn_again_on_the_next_refresh(town, monkeypatch):
    real_show, failures = ConvoyBoard.show, []

    def show_failing_once(board, snapshot):
        if not failures:
            failures.append(1)
            raise RuntimeError("bad convoy row")
        real_show(board, snapshot)

    monkeypatch.setattr(ConvoyBoard, "show", show_failing_once)
    app = GastownApp(town, clock=frozen_clock)
    log = town.root / "logs" / "tui.log"
    async with app.run_test(size=SIZE, notifications=True):
        await async_wait_for(lambda: any("bad convoy row" in t for t in toasts(app)), timeout=10)
        assert str(log) in "".join(" ".join(toasts(app)).split())  # the path, however the toast wraps it
        assert "RuntimeError: bad convoy row" in log.read_text()
        await async_wait_for(lambda: any("Auth rewrite" in label for label in board_labels(app)), timeout=10)
        assert app.is_running


@sync
async def test_the_same_error_again_while_its_toast_is_up_is_not_stacked(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for _ in range(5):
            app.notify("Approve failed: the ledger is locked", severity="error")
        app.notify("[red]another[/] one", severity="error")  # text, not markup
        await async_wait_for(lambda: len(toasts(app)) >= 2, timeout=10)
        await pilot.pause(0.2)
        shown = toasts(app)
        assert len(shown) == 2 and "[red]another[/] one" in shown[1]


@sync
async def test_a_crash_is_logged_and_the_exit_status_says_where(town, monkeypatch, capsys):
    from gastown_tui.cli.tui import exit_status

    def broken_help(self):
        raise KeyError("boom")

    monkeypatch.setattr(GastownApp, "action_help", broken_help)
    app = GastownApp(town, clock=frozen_clock, follow=False)
    with pytest.raises(KeyError):
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
    assert app.return_code == 1
    log = town.root / "logs" / "tui.log"
    assert "gastown-tui stopped" in log.read_text() and "KeyError: 'boom'" in log.read_text()
    assert exit_status(app) == 1
    assert str(log) in capsys.readouterr().err
