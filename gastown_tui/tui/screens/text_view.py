"""A read-only view of some text: a diff, a bead's details, a message thread."""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class TextViewScreen(ModalScreen[None]):
    BINDINGS = [
        ("escape,q", "dismiss", "Close"),
        ("j", "scroll('down')", "Down"),
        ("k", "scroll('up')", "Up"),
    ]

    def __init__(self, title: str, body: RenderableType, at_end: bool = False):
        """``at_end`` opens the view scrolled to its last line (output, where the news is)."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.at_end = at_end

    def on_mount(self) -> None:
        if self.at_end:
            self.call_after_refresh(self.query_one("#text-view", VerticalScroll).scroll_end, animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="text-view") as view:
            view.border_title = self.title_text
            view.border_subtitle = "escape to close"
            yield Static(self.body, id="text-view-body")

    def action_dismiss(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        view = self.query_one("#text-view", VerticalScroll)
        view.scroll_down() if direction == "down" else view.scroll_up()
