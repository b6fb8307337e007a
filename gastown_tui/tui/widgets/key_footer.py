"""The footer of key bindings, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (every key widget unmounted, new ones mounted and styled) on each
``refresh_bindings``, which the town screen calls on every cursor move, focus change and ledger
read: tens of milliseconds on the UI thread for a footer that rarely changes. Here the same keys
with other enabled states only toggle their ``-disabled`` class; the same keys and states do nothing.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._shown: tuple[tuple[str, str, str], ...] | None = None  # (key, action, description) on show

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        active = [(b, enabled) for (_, b, enabled, _) in self.screen.active_bindings.values() if b.show]
        shown = tuple((b.key, b.action, b.description) for b, _ in active)
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
            return
        enabled = {(b.key, b.action): on for b, on in active}
        for key in self.query(FooterKey):
            on = enabled.get((key.key, key.action), not key._disabled)
            if on == key._disabled:  # changed
                key._disabled = not on
                key.set_class(not on, "-disabled")
