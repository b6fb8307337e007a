"""The footer shows what Textual's footer would, as one line that a pane switch only repaints."""

from __future__ import annotations

from tui_support import frozen_clock, populated_town, screen_text, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.town import TownScreen
from gastown_tui.tui.widgets.key_footer import KeyFooter


def _on_show(footer: KeyFooter) -> list[tuple[str, str, bool]]:
    return [(k.key, k.description, k.enabled) for k in footer.keys]


def _expected(app) -> list[tuple[str, str, bool]]:
    """First shown binding of each action, in the screen's order (what Textual's ``Footer.compose`` yields)."""
    first: dict[str, tuple[str, str, bool]] = {}
    for _, binding, enabled, _ in app.screen.active_bindings.values():
        if binding.show:
            first.setdefault(binding.action, (binding.key, binding.description, enabled))
    return list(first.values())


def _footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


@sync
async def test_every_pane_and_cursor_move_leaves_the_footer_showing_the_keys_that_apply(town):
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        seen = set()
        for key in ("4", "j", "5", "3", "2", "1", "j", "j", "j", "j", "j", "4", "k", "1"):
            await pilot.press(key)
            await settle(pilot)
            shown = _on_show(footer)
            assert shown == _expected(app), f"after {key}"
            line = _footer_line(app)
            assert all(f" {description} " in f" {line} " for _, description, _ in shown), line
            assert line.rstrip().endswith("^p palette")
            seen.add(tuple(description for _, description, _ in shown))
        labels = {label for shown in seen for label in shown}
        assert {"Approve", "Read", "Compose", "Quit"} <= labels  # the queue's, the inbox's and the screen's keys
        assert len(seen) >= 3  # the footer did change between panes


@sync
async def test_a_click_on_a_key_runs_it_and_a_disabled_key_only_rings(town, monkeypatch):
    check = TownScreen.check_action  # None: shown, dimmed, not run (no action of ours says so today)
    monkeypatch.setattr(TownScreen, "check_action", lambda s, a, p: None if a == "compose" else check(s, a, p))
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        await pilot.press("4")
        await settle(pilot)
        line = _footer_line(app)
        await pilot.click(KeyFooter, offset=(line.index("Help"), 0))
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot)
        bells = []
        app.bell = lambda: bells.append(1)
        assert [k.description for k in footer.keys if not k.enabled] == ["Compose"]
        await pilot.click(KeyFooter, offset=(_footer_line(app).index(" c Compose") + 1, 0))
        await settle(pilot)
        assert bells == [1] and type(app.screen).__name__ == "TownScreen"
