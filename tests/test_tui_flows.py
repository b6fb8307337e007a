"""Pilot tests: the overseer's flows through the real app, real services, real ledger."""

from __future__ import annotations

from tui_support import (  # noqa: F401  (populated_town: fixture)
    MR_FIRST,
    MSG_ESCALATION,
    frozen_clock,
    labels,
    populated_town,
    screen_text,
    settle,
    sync,
    toasts,
    type_text,
)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.mail_inbox import MailInbox
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable

SIZE = (160, 48)


def messages_to(town, address: str) -> list[dict]:
    return town.ledger.list_beads(issue_type="message", assignee=address)


@sync
async def test_approve_moves_the_mr_into_the_queue_and_the_row_updates(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        queue = app.screen.query_one(MergeQueueTable)
        assert queue.selected.id == MR_FIRST and queue.selected.state == "pending"
        await pilot.press("a")
        await settle(pilot)
        assert "mr:approved" in labels(town, MR_FIRST)
        assert queue.selected.id == MR_FIRST and queue.selected.state == "approved"  # same row, updated in place


@sync
async def test_reject_asks_for_a_reason_and_tells_the_polecat(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "r")
        await type_text(pilot, "tests are missing")
        await pilot.press("enter")
        await settle(pilot)
        mr = town.ledger.get(MR_FIRST)
        assert mr["status"] == "closed" and "tests are missing" in mr["close_reason"]
        told = messages_to(town, "gastown/polecats/toast") + messages_to(town, "gastown/witness")
        assert any("tests are missing" in m["description"] for m in told)  # MERGE_FAILED with the reason
        assert MR_FIRST not in app.screen.query_one(MergeQueueTable).requests  # gone from the queue


@sync
async def test_reject_cancelled_changes_nothing(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "r", "escape")
        await settle(pilot)
        assert town.ledger.get(MR_FIRST)["status"] == "open"


@sync
async def test_read_then_reply_in_the_thread(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        assert app.screen.query_one(MailInbox).selected.id == MSG_ESCALATION
        await pilot.press("enter")  # read: marks it read and shows the thread
        await settle(pilot)
        assert "read" in labels(town, MSG_ESCALATION)
        await pilot.press("escape", "R")
        await settle(pilot)
        await type_text(pilot, "Looking at the failing tests")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (reply,) = messages_to(town, "gastown/refinery")
        assert reply["title"] == "Re: MERGE_FAILED dag"
        assert reply["description"] == "Looking at the failing tests"
        assert f"reply-to:{MSG_ESCALATION}" in labels(town, reply["id"])
        assert app.screen.query_one(MailInbox).messages[MSG_ESCALATION].read


@sync
async def test_reply_from_the_open_thread(town):
    """Reading a thread is where one decides to answer: R there opens the reply form at once."""
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "enter")
        await settle(pilot)
        assert "R reply" in app.screen.query_one("#text-view").border_subtitle
        await pilot.press("R")
        await settle(pilot)
        await type_text(pilot, "On it")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (reply,) = messages_to(town, "gastown/refinery")
        assert (reply["title"], reply["description"]) == ("Re: MERGE_FAILED dag", "On it")
        assert type(app.screen).__name__ == "TownScreen"


@sync
async def test_compose_sends_new_mail_and_a_bad_address_is_a_toast(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await type_text(pilot, "nobody/at/all")
        await pilot.press("tab")
        await type_text(pilot, "hello")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Send failed" in screen_text(app)  # an error toast, no traceback
        assert app.is_running
        await pilot.press("c")
        await type_text(pilot, "gastown/witness")
        await pilot.press("tab")
        await type_text(pilot, "Status please")
        await pilot.press("tab")
        await type_text(pilot, "How is the rig?")
        await pilot.press("ctrl+s")
        await settle(pilot)
        sent = [m for m in messages_to(town, "gastown/witness") if m["title"] == "Status please"]
        assert len(sent) == 1 and sent[0]["description"] == "How is the rig?"


@sync
async def test_palette_runs_approve(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "ctrl+p")
        await type_text(pilot, "approve")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert "mr:approved" in labels(town, MR_FIRST)


@sync
async def test_help_lists_every_action_key(town):
    from gastown_tui.tui.actions import ACTIONS, key_display

    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        shown = screen_text(app)
        for action in ACTIONS:
            line = next((line for line in shown.splitlines() if action.description[:40] in line), "")
            assert f" {key_display(action.key)} " in f" {line} ", action.description  # with its key


@sync
async def test_slash_filters_the_focused_list_and_empty_clears_it(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        table = app.screen.query_one(MergeQueueTable)
        assert table.row_count == 2
        await pilot.press("slash")
        await type_text(pilot, "hash")
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 1 and table.selected_key == "gt-mr-tui2"
        assert table.border_subtitle.endswith("· /hash")
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert table.row_count == 2 and "/" not in table.border_subtitle


@sync
async def test_reading_views_hide_the_town_and_questions_keep_it_in_view(town):
    """Help and text views are opaque, so Textual does not render and tint the town under them on
    every frame; a question (reject's reason) stays see-through, the town it is about in view."""
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen" and app.screen.styles.background.a == 1
        await pilot.press("escape", "4", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TextViewScreen" and app.screen.styles.background.a == 1
        await pilot.press("escape", "r")
        await pilot.pause()
        assert type(app.screen).__name__ == "TextPrompt" and app.screen.styles.background.a < 1


@sync
async def test_details_open_at_once_and_fill_when_read_and_a_failed_read_closes_them(town, monkeypatch):
    """A text view is on screen with the key (saying it reads); the worker's text replaces that."""
    import threading

    from gastown_tui.tui import operations

    gate, real = threading.Event(), operations.details
    monkeypatch.setattr(operations, "details", lambda *args: (gate.wait(10), real(*args))[1])
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "TextViewScreen" and "Reading…" in screen_text(app)
        gate.set()
        await settle(pilot)
        assert "Reading…" not in screen_text(app) and f"{MR_FIRST}  Merge" in screen_text(app)
        await pilot.press("escape", "d")  # no rig repository here: the diff cannot be read
        await settle(pilot)
        assert type(app.screen).__name__ == "TownScreen"
        assert any("gastown" in toast for toast in toasts(app)), toasts(app)
