"""The live screen of the selected polecat, colours kept, replaced whole on each change.

tmux capture is a snapshot of the screen, not a stream, so the content is swapped rather
than appended; the view stays pinned to the bottom unless the user scrolled up.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from .. import actions


class PolecatOutput(actions.ScreenActions, VerticalScroll):
    BINDINGS = [
        *actions.bindings("output"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.session: str | None = None
        self._view = Static("", id="polecat-screen")
        self._shape: tuple[int, int] = (0, 0)
        self._shown = Text("")

    def compose(self):
        yield self._view

    @property
    def shown_text(self) -> str:
        """The plain text on show (the agent's screen, or the placeholder)."""
        return self._shown.plain

    def show_placeholder(self, text: str) -> None:
        self.session = None
        self.border_subtitle = ""
        self._show(Text(text, style="dim"), switched=True)

    def show_screen(self, session: str, captured: str) -> None:
        switched = self.session != session
        self.session = session
        self.border_subtitle = session
        self._show(Text.from_ansi(captured.rstrip("\n"), no_wrap=True), switched)

    def _show(self, text: Text, switched: bool) -> None:
        """Swap the content; the layout is redone only when its shape (lines × widest) changed:
        a relayout of the whole screen costs far more than a repaint of this pane."""
        follow = switched or self.is_vertical_scroll_end
        lines = text.plain.splitlines()
        shape = (len(lines), max(map(len, lines), default=0))
        reshaped = shape != self._shape
        self._shape = shape
        self._shown = text
        self._view.update(text, layout=reshaped)
        if follow and (reshaped or switched):
            self.call_after_refresh(self.scroll_end, animate=False)
