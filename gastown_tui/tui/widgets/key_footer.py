"""The footer of key bindings: one line of text, redrawn (never re-laid out) when its keys change.

Textual's ``Footer`` is a row of key widgets and recomposes on each ``refresh_bindings``, which the
town screen calls on every cursor move, focus change and ledger read. Mounting and removing key
widgets forces a layout of the whole screen, and that re-renders every pane: at 100 polecats most
of a pane switch's ~60 ms. Here the keys are spans of one ``Text``, so a change is one repaint of
one line. It shows what Textual's footer shows, in its look: the first shown binding of each action
in the screen's order, disabled ones dimmed, the palette key on the right; a click runs the key.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class ShownKey(NamedTuple):
    key: str  # as a binding names it, e.g. "question_mark"
    display: str  # as shown, e.g. "?"
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key",
        "footer-key--key",
        "footer-key--description",
        "footer-key--hover",
        "footer-key--edge",
    }

    def __init__(self, palette_action: str = "", **kwargs):
        """``palette_action``: the action whose key is shown apart, on the right (the command palette)."""
        super().__init__(**kwargs)
        self.palette_action = palette_action
        self.keys: tuple[ShownKey, ...] = ()
        self.palette: ShownKey | None = None
        self._spans: list[tuple[int, int, ShownKey]] = []  # cells [start, end) of each key, as drawn
        self._hover: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if screen is not self.screen or not self.is_attached:
            return
        keys: dict[str, ShownKey] = {}
        palette = None
        for _, binding, enabled, _ in screen.active_bindings.values():
            shown = ShownKey(binding.key, self.app.get_key_display(binding), binding.description, enabled)
            if binding.action == self.palette_action:
                palette = palette or shown
            elif binding.show:
                keys.setdefault(binding.action, shown)
        if (tuple(keys.values()), palette) != (self.keys, self.palette):
            self.keys, self.palette = tuple(keys.values()), palette
            self.refresh()

    def _label(self, key: ShownKey, *, compact: bool = False) -> Text:
        """One key as Textual's ``FooterKey`` draws it (``compact``: the palette key's spacing)."""
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        if compact:
            label = Text.assemble((key.display, key_style), (f" {key.description}", description_style))
        else:
            label = Text.assemble((f" {key.display} ", key_style), (f"{key.description} ", description_style))
        item = self.get_component_rich_style("footer-key--hover" if key.key == self._hover else "footer-key")
        label.stylize_before(item + Style(dim=True) if not key.enabled else item)
        return label

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key in self.keys:
            start = line.cell_len
            line.append_text(self._label(key))
            self._spans.append((start, line.cell_len, key))
        if self.palette is None:
            return line
        palette = Text.assemble(("▏", self.get_component_rich_style("footer-key--edge")))
        palette.append_text(self._label(self.palette, compact=True))
        palette.append(" ", self.get_component_rich_style("footer-key"))
        start = max(0, self.size.width - palette.cell_len)
        line.truncate(start, pad=True)  # the keys that do not fit go under the palette key
        self._spans = [(a, min(b, start), key) for a, b, key in self._spans if a < start]
        self._spans.append((start, start + palette.cell_len, self.palette))
        line.append_text(palette)
        return line

    def key_at(self, x: int) -> ShownKey | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x)
        self._set_hover(key.key if key is not None else None)

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, key: str | None) -> None:
        if key != self._hover:
            self._hover = key
            self.refresh()
