"""Ledger text is data: imported escape sequences and markup are shown inert on every output."""

from __future__ import annotations

import json

import pytest
from tui_support import frozen_clock, sync

from gastown_tui.display import inert
from gastown_tui.town import install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.text_view import TextViewScreen
from gastown_tui.tui.widgets.mail_inbox import MailInbox

SUBJECT = "\x1b[31mRED\x1b[0m [bold]loud[/] [/] bell\x07"
BODY = "line one\x1b[2J\nline two\x1b]0;owned\x07\tend"
SHOWN_SUBJECT = "␛[31mRED␛[0m [bold]loud[/] [/] bell␇"


def test_inert_shows_every_control_character_as_a_picture_one_for_one():
    assert inert("a\x1bb\x07c\x9bd\x7fe\x00") == "a␛b␇c�d␡e␀"
    assert inert("one\ntwo\tthree\r") == "one two three␍"
    assert inert("one\ntwo\tthree", multiline=True) == "one\ntwo\tthree"
    assert len(inert(SUBJECT)) == len(SUBJECT)


def _import_message(town, tmp_path) -> None:
    from gastown_tui.ledger.transfer import import_backup

    export = tmp_path / "mail.jsonl"
    record = {
        "id": "hq-ansi1",
        "title": SUBJECT,
        "description": BODY,
        "issue_type": "message",
        "status": "open",
        "assignee": "overseer",
        "created_at": "2026-03-01T11:00:00Z",
        "labels": ["gt:message", "from:mayor/", "msg-type:notification", "thread:hq-ansi1"],
    }
    export.write_text(json.dumps(record) + "\n")
    import_backup(town.ledger, str(export))


@pytest.fixture
def town(tmp_path, monkeypatch):
    town = install(str(tmp_path / "town"))
    monkeypatch.setenv("GT_TOWN", str(town.root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    _import_message(town, tmp_path)
    assert town.ledger.get("hq-ansi1")["title"] == SUBJECT  # stored verbatim
    yield town
    town.ledger.close()


def test_mail_inbox_and_read_print_no_control_bytes(town, gt):
    for argv in (("mail", "inbox"), ("mail", "read", "hq-ansi1"), ("mail", "thread", "hq-ansi1")):
        out = gt(*argv).out
        assert not any(ch in out for ch in "\x1b\x07\x9b"), argv
        assert SHOWN_SUBJECT in out, argv
    assert "line one␛[2J\nline two␛]0;owned␇\tend" in gt("mail", "read", "hq-ansi1").out
    assert gt("mail", "read", "hq-ansi1", "--json").json()["title"] == SUBJECT  # JSON keeps the data


@sync
async def test_the_mail_pane_and_thread_view_show_escapes_and_markup_inert(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("5")
        inbox = app.screen.query_one(MailInbox)
        assert inbox.selected.id == "hq-ansi1"
        cell = inbox.get_cell("hq-ansi1", "Subject")
        assert cell.plain.startswith(SHOWN_SUBJECT[:30]) and not cell.spans  # no markup applied
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        view = app.screen
        assert isinstance(view, TextViewScreen)
        shown = "".join(part.plain for part in view.body.renderables)
        assert SHOWN_SUBJECT in shown and "line two␛]0;owned␇\tend" in shown
        assert "\x1b" not in shown
