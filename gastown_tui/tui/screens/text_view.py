"""A read-only view of some text: a diff, a bead's details, a message thread (which can be answered)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Static

READING = Text("Reading…", style="dim")


class TextViewScreen(ModalScreen[str | None]):
    HINT = "escape to close"
    BINDINGS = [
        ("escape,q", "dismiss", "Close"),
        ("j", "scroll('down')", "Down"),
        ("k", "scroll('up')", "Up"),
    ]

    def __init__(self, title: str, body: RenderableType | None, at_end: bool = False):
        """``at_end`` opens the view scrolled to its last line (output, where the news is); ``body``
        None opens it at once saying it is reading, for ``show`` to fill."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.at_end = at_end

    def on_mount(self) -> None:
        self._scroll_if_at_end()

    def _scroll_if_at_end(self) -> None:
        if self.at_end and self.body is not None:
            self.call_after_refresh(self.query_one("#text-view", VerticalScroll).scroll_end, animate=False)

    def show(self, body: RenderableType) -> None:
        """The text read for a view opened before it (nothing if the view was closed meanwhile)."""
        if self not in self.app.screen_stack:
            return
        self.body = body
        try:
            shown = self.query_one("#text-view-body", Static)
        except NoMatches:  # not composed yet: compose shows the body
            return
        shown.update(body)
        self._scroll_if_at_end()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="text-view") as view:
            view.border_title = self.title_text
            view.border_subtitle = self.HINT
            yield Static(self.body if self.body is not None else READING, id="text-view-body")

    def dismiss_if_shown(self) -> None:
        if self is self.app.screen:
            self.dismiss(None)

    def action_dismiss(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        view = self.query_one("#text-view", VerticalScroll)
        view.scroll_down() if direction == "down" else view.scroll_up()


class ThreadViewScreen(TextViewScreen):
    """A message thread: R (or r) closes it with "reply", for the opener to start the answer."""

    HINT = "R reply · escape to close"
    BINDINGS = [("R,r", "reply", "Reply")]

    def action_reply(self) -> None:
        self.dismiss("reply")
