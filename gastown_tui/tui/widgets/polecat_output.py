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
        self._shown = Text(text, style="dim")
        self._view.update(self._shown)

    def show_screen(self, session: str, captured: str) -> None:
        switched = self.session != session
        follow = switched or self.is_vertical_scroll_end
        self.session = session
        self.border_subtitle = session
        text = Text.from_ansi(captured.rstrip("\n"), no_wrap=True)
        lines = text.plain.splitlines()
        # A pane's capture keeps its size: most updates need a repaint, not a new layout or scroll.
        shape = (len(lines), max(map(len, lines), default=0))
        reshaped = switched or shape != self._shape
        self._shape = shape
        self._shown = text
        self._view.update(text, layout=reshaped)
        if follow and reshaped:
            self.call_after_refresh(self.scroll_end, animate=False)
