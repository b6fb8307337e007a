"""The command palette: what applies now, from the action registry and Textual's system commands,
found fuzzily, run with enter, built once."""

from __future__ import annotations

import math
import time

from textual.widgets import Static
from tui_support import MR_FIRST, frozen_clock, labels, populated_town, settle, sync, type_text  # noqa: F401

from gastown_tui.tui.actions import ACTIONS
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.help import KeyTable
from gastown_tui.tui.screens.palette import PaletteScreen, ranked


def _offered(app) -> list[str]:
    assert isinstance(app.screen, PaletteScreen)
    return [entry.label for entry in app.screen._shown]


@sync
async def test_it_offers_what_applies_with_keys_and_runs_a_fuzzy_match(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("1", "ctrl+p")
        on_tree = _offered(app)
        assert not {"Nudge", "Attach", "Scrollback"} & set(on_tree)  # no agent selected, no live panes
        assert {"Approve", "Compose", "Help", "Theme"} <= set(on_tree)
        assert "palette" not in on_tree  # not itself
        await pilot.press("escape")
        await pilot.press("4", "ctrl+p")
        palette = app.screen
        on_queue = _offered(app)
        assert on_queue[:2] == ["Approve", "Reject"]  # the registry's order
        option = palette.query_one("#palette-options").get_option_at_index(0)
        assert str(option.prompt).startswith("Approve the selected merge request  a\nApprove")
        await type_text(pilot, "aprv")
        assert _offered(app)[0] == "Approve"
        await pilot.press("enter")
        await settle(pilot)
        assert "mr:approved" in labels(town, MR_FIRST)
        await pilot.press("ctrl+p")
        assert app.screen is palette  # built once
        assert palette.query_one("#palette-query").value == "" and len(_offered(app)) > 1


@sync
async def test_arrows_pick_an_entry_and_closing_runs_nothing(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("4", "ctrl+p")
        await type_text(pilot, "focus")
        assert _offered(app)[:2] == ["Rigs", "Output"]
        await pilot.press("down", "down", "up", "enter")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#output")
        for closing in ("escape", "ctrl+p"):  # ctrl+p again closes it too
            await pilot.press("ctrl+p")
            await type_text(pilot, "quit")
            await pilot.press(closing)
            await settle(pilot)
            assert app.is_running and type(app.screen).__name__ == "TownScreen"


def test_ranking_is_fuzzy_best_first_and_keeps_the_order_for_no_query():
    from gastown_tui.tui.screens.palette import PaletteEntry

    entries = [PaletteEntry(a.description, a.label, a.key, lambda: None) for a in ACTIONS]
    assert [e for e, _ in ranked(entries, "  ")] == entries
    best, offsets = ranked(entries, "sling")[0]
    assert best.label == "Sling" and [best.title[i] for i in offsets] == list("Sling")
    assert ranked(entries, "zzzq") == []


@sync
async def test_help_and_the_palette_are_built_in_the_first_quiet_second_and_shown_from_then_on(town, monkeypatch):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    app.gc_pacer.last_input = math.inf  # input "now" until the test says otherwise (a slow start is not idle)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        app._when_idle()
        assert not app.is_screen_installed("palette")  # input just now: not yet
        app.gc_pacer.last_input = time.monotonic() - 5
        app._when_idle()
        await settle(pilot)
        built = {name: app.get_screen(name) for name in ("help", "palette")}
        assert all(screen.is_mounted and screen not in app.screen_stack for screen in built.values())
        app._when_idle()  # the next quiet moment lays them out: opening help measures nothing
        measured = []
        real = Static.get_content_height
        monkeypatch.setattr(Static, "get_content_height", lambda *args: measured.append(args[0]) or real(*args))
        await pilot.press("question_mark")
        assert app.screen is built["help"] and built["help"].query(KeyTable).first() not in measured
        await pilot.press("escape", "ctrl+p")
        assert app.screen is built["palette"] and len(_offered(app)) > 5


@sync
async def test_the_palettes_cursor_blinks_only_while_it_is_shown(town):
    """Built ahead and kept, its focused query's cursor blinked twice a second behind the town,
    waking the app for nothing (idle CPU)."""
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.gc_pacer.last_input = time.monotonic() - 5
        app._when_idle()  # a quiet moment: help and the palette are built
        await settle(pilot)
        query = app.get_screen("palette").query_one("#palette-query")

        def blinking() -> bool:
            return query._blink_timer is not None and query._blink_timer._active.is_set()

        assert not blinking()
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert blinking()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not query.screen and not blinking()
