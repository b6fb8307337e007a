"""Ask for one line of text: the reason for rejecting a merge request, the words of a nudge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from .dialog import Dialog


class TextPrompt(Dialog[str | None]):
    FIRST_FIELD = "#answer"
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, title: str, question: str, placeholder: str = "", required: bool = True):
        super().__init__()
        self.title_text, self.question, self.placeholder, self.required = title, question, placeholder, required

    def compose(self) -> ComposeResult:
        with Vertical(id="text-prompt", classes="dialog") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter to confirm · escape cancel"
            yield Label(self.question)
            yield Input(placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip()
        if self.required and not answer:
            self.notify("Please write something (or escape to cancel)", severity="warning")
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
