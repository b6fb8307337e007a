"""Sling a bead to a rig: pick the bead (open, ready work) and the rig."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from .dialog import Dialog


@dataclass(frozen=True)
class SlingRequest:
    bead_id: str
    rig: str


class SlingForm(Dialog[SlingRequest | None]):
    FIRST_FIELD = "#bead"
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, rigs: list[str], bead_id: str = "", example: str = "a bead id"):
        """``example``: a bead of this town, shown in the empty Bead field."""
        super().__init__()
        self.rigs, self.bead_id, self.example = rigs, bead_id, example

    def compose(self) -> ComposeResult:
        with Vertical(id="sling-form", classes="dialog") as form:
            form.border_title = "Sling a bead"
            form.border_subtitle = "enter to sling · escape cancel"
            yield Label("Bead")
            yield Input(self.bead_id, placeholder=self.example, id="bead")
            yield Label("Rig")
            yield Select(
                [(rig, rig) for rig in self.rigs],
                value=self.rigs[0] if self.rigs else Select.NULL,
                allow_blank=not self.rigs,
                id="rig",
            )
            with Horizontal(classes="buttons"):
                yield Button("Sling", variant="primary", id="sling")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._submit() if event.button.id == "sling" else self.action_cancel()

    def _submit(self) -> None:
        bead = self.query_one("#bead", Input).value.strip()
        rig = self.query_one("#rig", Select).value
        if not bead or rig is Select.NULL:
            self.notify("Give a bead id and pick a rig", severity="warning")
            return
        self.dismiss(SlingRequest(bead, str(rig)))

    def action_cancel(self) -> None:
        self.dismiss(None)
