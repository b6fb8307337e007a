"""Keys typed right after a dialog opens go where they would go for a person who waited.

A dialog's fields exist only once it has mounted, a few frames after the key that opened
it; keys typed in between (``c`` then ``mayor/``, Tab, ``hello`` in one burst) would reach
the pane below or nothing. So when a key is about to open a dialog the app holds the keys
that follow, and the dialog replays them, in order, once its first field has focus (or after
``HOLD_LIMIT`` if no dialog came). Dialogs move focus with priority bindings, which the app
resolves as it dispatches each key, so a replayed Tab moves focus before the next key lands.
"""

from __future__ import annotations

from textual import events

from . import actions

HOLD_LIMIT = 0.5  # seconds: keys are never held longer, dialog or not


class TypeAhead:
    """Mixin for the App: holds keys behind a dialog-opening key until the dialog is ready."""

    _held: list[events.Key] | None = None
    _hold_generation = 0

    def _opens_dialog(self, key: str) -> bool:
        if key not in actions.DIALOG_KEYS:
            return False
        active = self.screen.active_bindings.get(key)
        return active is not None and active.enabled and actions.opens_dialog(active.binding.action)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held is not None:
                self._held.append(event)
                return
            if self._opens_dialog(event.key):
                self._held = []
                self._hold_generation += 1
                generation = self._hold_generation
                self.set_timer(HOLD_LIMIT, lambda: self.release_keys(generation))
        await super().on_event(event)

    def release_keys(self, generation: int | None = None) -> None:
        """Replay the held keys (a dialog calls this once its first field has focus)."""
        if self._held is None or generation not in (None, self._hold_generation):
            return
        self.call_later(self._replay_held)

    async def _replay_held(self) -> None:
        held, self._held = self._held or [], None
        for event in held:
            await self.on_event(event)  # a replayed key that opens another dialog holds the rest again
