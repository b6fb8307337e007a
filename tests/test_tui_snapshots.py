"""Snapshots of every pane and of the dialogs, on the Gas Town ledger plus fixture beads.

Deterministic: fixed terminal size, frozen clock, fixed bead ids and stamps, no tmux
(the output pane gets a fixed capture), workers awaited before the picture is taken.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea
from tui_support import frozen_clock, populate

from gastown_tui.town import install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.messages import PaneCaptured

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
PANE_SIZES = {**SIZES, "100x30": (100, 30)}  # the panes also at the middle breakpoint
CAPTURE = "\x1b[1;32m❯\x1b[0m gt hook\n\x1b[33mgt-tui-c\x1b[0m Session cookies (hooked)\n\x1b[1;32m❯\x1b[0m pytest -q\n....  [100%]\n"


@pytest.fixture
def app(tmp_path):
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    (town.root / "gastown").mkdir()  # the rig is on this machine (its rig.toml is all the panes read)
    (town.root / "gastown" / "rig.toml").write_text(
        'name = "gastown"\nprefix = "gt"\nsource = "https://example.com/gastown.git"\n'
    )
    yield GastownApp(town, clock=frozen_clock, follow=False)
    town.ledger.close()


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause()


def shot(snap_compare, app, size, *keys: str, before=None) -> bool:
    async def run_before(pilot):
        await settle(pilot)
        if before is not None:
            await before(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", PANE_SIZES.values(), ids=PANE_SIZES.keys())
class TestPanes:
    def test_rig_tree(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "1", "j", "j", "j", "j")

    def test_polecat_output(self, snap_compare, app, size):
        async def captured(pilot):
            screen = pilot.app.screen
            screen.poller = type("Fixed", (), {"focused": "gt-gastown-ace", "close": lambda self: None})()
            screen.post_message(PaneCaptured("gt-gastown-ace", CAPTURE))

        assert shot(snap_compare, app, size, "2", before=captured)

    def test_convoys_expanded(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "3", "space")

    def test_refinery_queue(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "4", "j")

    def test_mail_inbox(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "5")


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
class TestDialogs:
    def test_help(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "question_mark")

    def test_reject_reason(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "4", "r")

    def test_compose(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "c")

    def test_merge_request_details(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "4", "enter")

    def test_sling_form(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "s")

    def test_mail_thread(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "5", "enter")

    def test_nuke_confirmation(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "1", "j", "j", "j", "j", "j", "X")

    def test_palette(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "4", "ctrl+p")

    def test_palette_query(self, snap_compare, app, size):
        assert shot(snap_compare, app, size, "4", "ctrl+p", "r", "e", "j")


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
class TestWelcome:
    def test_outside_a_town(self, snap_compare, monkeypatch, size):
        monkeypatch.setenv("HOME", "/home/overseer")
        assert snap_compare(GastownApp(None, clock=frozen_clock, follow=False), terminal_size=size)


def _landing_fixtures(town) -> None:
    """A rig whose push is held, and an MR that became a pull request (what ``push.py`` writes)."""
    from tui_support import MR_SECOND, RIG

    from gastown_tui.services.refinery import UNLANDED_LABEL, set_state
    from gastown_tui.services.refinery.records import Landing

    held = {"state": "held", "to": "origin/main", "kind": "dirty", "error": "uncommitted changes in /src (VERSION)"}
    pr = Landing(
        "pr", "origin/main", "0" * 40, url="https://github.com/example/gastown/pull/42", at="2026-01-01T00:00:00Z"
    )

    def write(tx) -> None:
        tx.set_metadata(f"hq-rig-{RIG}", push=held)
        tx.set_metadata(MR_SECOND, push=pr.to_json())
        tx.add_label(MR_SECOND, UNLANDED_LABEL)
        set_state(tx, MR_SECOND, "merged", close_reason="merged")

    town.ledger.write("snapshot fixtures", write)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
class TestLanding:
    def test_rig_banner_of_a_held_push(self, snap_compare, app, size):
        _landing_fixtures(app.town)
        assert shot(snap_compare, app, size, "1")

    def test_details_of_a_pull_request(self, snap_compare, app, size):
        _landing_fixtures(app.town)
        assert shot(snap_compare, app, size, "4", "j", "enter")
