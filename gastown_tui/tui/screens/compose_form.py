"""Write a message: recipient, subject, body. Also the reply form (recipient and subject filled in)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, TextArea

from .dialog import Dialog


@dataclass(frozen=True)
class Draft:
    to: str
    subject: str
    body: str


class ComposeForm(Dialog[Draft | None]):
    BINDINGS = [("escape", "cancel", "Cancel"), ("ctrl+s", "send", "Send")]

    def __init__(self, to: str = "", subject: str = "", reply: bool = False, examples: str = "mayor/, overseer…"):
        """``examples``: addresses of this town, shown in the empty To field."""
        super().__init__()
        self.to, self.subject, self.reply, self.examples = to, subject, reply, examples

    def compose(self) -> ComposeResult:
        with Vertical(id="compose-form", classes="dialog") as form:
            form.border_title = "Reply" if self.reply else "New message"
            form.border_subtitle = "ctrl+s send · escape cancel"
            yield Label("To")
            yield Input(self.to, placeholder=self.examples, id="to", disabled=self.reply)
            yield Label("Subject")
            yield Input(self.subject, placeholder="subject", id="subject")
            yield Label("Message")
            yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="buttons"):
                yield Button("Send", variant="primary", id="send")
                yield Button("Cancel", id="cancel")

    def first_field(self) -> str:
        return "#body" if self.reply else "#to"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_send() if event.button.id == "send" else self.action_cancel()

    def action_send(self) -> None:
        to = self.query_one("#to", Input).value.strip()
        subject = self.query_one("#subject", Input).value.strip()
        if not to or not subject:
            self.notify("A message needs a recipient and a subject", severity="warning")
            return
        self.dismiss(Draft(to, subject, self.query_one("#body", TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)
