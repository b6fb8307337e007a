"""Yes or no, for actions that destroy something (nuke); optionally a second, stronger yes (force)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from .dialog import Dialog

YES, FORCE = "yes", "force"


class ConfirmDialog(Dialog[str | None]):
    """Dismisses with ``YES``, ``FORCE`` (only when ``force`` names that choice) or None."""

    BINDINGS = [("escape,n", "answer('')", "No"), ("y", "answer('yes')", "Yes"), ("f", "answer('force')", "Force")]

    def __init__(self, title: str, question: str, yes: str = "Yes", force: str | None = None):
        super().__init__()
        self.title_text, self.question, self.yes, self.force = title, question, yes, force

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog") as box:
            box.border_title = self.title_text
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="warning" if self.force else "error", id=YES)
                if self.force:
                    yield Button(f"{self.force} (f)", variant="error", id=FORCE)
                yield Button("Cancel (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id or "")

    def action_answer(self, choice: str) -> None:
        if choice == FORCE and not self.force:
            return
        self.dismiss(choice if choice in (YES, FORCE) else None)
