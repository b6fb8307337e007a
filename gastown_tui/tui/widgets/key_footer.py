"""The footer of key bindings, changed key by key rather than rebuilt.

Textual's ``Footer`` recomposes (every key widget unmounted, new ones mounted and styled) on each
``refresh_bindings``, which the town screen calls on every cursor move, focus change and ledger
read: ~30 ms of CPU on the UI thread per pane switch. Here keys that stay are kept: the same keys
with other enabled states only toggle their ``-disabled`` class, and a pane switch removes the
keys that went and mounts only the new ones, in the order Textual's footer would show them.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[str, str, str]  # (key, action, description): what one footer key shows


class KeyFooter(Footer):
    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    def _wanted(self) -> list[tuple[Binding, bool, str]]:
        """The keys to show, as ``Footer.compose`` picks them: the first binding of each action."""
        wanted: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                wanted.setdefault(binding.action, (binding, enabled, tooltip))
        return list(wanted.values())

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self._wanted()
        keys = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        if not keys or any(binding.group is not None for binding, _, _ in wanted):
            await self.recompose()  # the first time, and grouped keys: Textual's own way
            return
        shown: dict[Shown, FooterKey] = {(k.key, k.action, k.description): k for k in keys}
        order = [(b.key, b.action, b.description) for b, _, _ in wanted]
        kept = [s for s in shown if s in set(order)]
        if kept != [s for s in order if s in shown]:  # the kept keys moved around: rebuild
            await self.recompose()
            return
        gone = [s for s in shown if s not in kept]
        if gone:
            await self.remove_children([shown.pop(s) for s in gone])
        palette = next(iter(self.query_children(".-command-palette")), None)
        for index, (binding, enabled, tooltip) in enumerate(wanted):
            key = shown.get(order[index])
            if key is None:
                before = next((shown[s] for s in order[index + 1 :] if s in shown), palette)
                key = FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip,
                ).data_bind(compact=Footer.compact)
                shown[order[index]] = key
                await (self.mount(key, before=before) if before is not None else self.mount(key))
            elif key._disabled == enabled:  # enabled state changed
                key._disabled = not enabled
                key.set_class(not enabled, "-disabled")
