"""The footer changes key by key as the focus moves, and always shows what Textual's footer would."""

from __future__ import annotations

from textual.widgets._footer import FooterKey
from tui_support import frozen_clock, populated_town, settle, sync  # noqa: F401  (populated_town: fixture)

from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.key_footer import KeyFooter


def _on_show(footer: KeyFooter) -> list[tuple[str, str, bool]]:
    keys = [k for k in footer.query_children(FooterKey) if not k.has_class("-command-palette")]
    return [(k.key, k.description, not k.has_class("-disabled")) for k in keys]


def _expected(footer: KeyFooter) -> list[tuple[str, str, bool]]:
    """First binding of each shown action, in the screen's order (what ``Footer.compose`` yields)."""
    return [(b.key, b.description, enabled) for b, enabled, _ in footer._wanted()]


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
            assert shown == _expected(footer), f"after {key}"
            seen.add(tuple(description for _, description, _ in shown))
        labels = {label for shown in seen for label in shown}
        assert {"Approve", "Read", "Compose", "Quit"} <= labels  # the queue's, the inbox's and the screen's keys
        assert len(seen) >= 3  # the footer did change between panes
