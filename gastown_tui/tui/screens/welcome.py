"""Outside any town: offer to create one, or to open the demo town, instead of failing."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from ...errors import GtError


class WelcomeScreen(Screen):
    BINDINGS = [("escape", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome", classes="dialog") as box:
            box.border_title = "Gas Town"
            yield Static("You are not inside a town. A town is a folder with town.toml, the ledger and your rigs.")
            yield Label("Folder")
            yield Input(str(Path.home() / "gt"), id="path")
            with Horizontal(classes="buttons"):
                yield Button("Create a town here", variant="primary", id="create")
                yield Button("Open the demo town", id="demo")
                yield Button("Quit", id="quit")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        path = self.query_one("#path", Input).value.strip()
        if event.button.id == "quit":
            self.app.exit()
        elif not path:
            self.notify("Give a folder", severity="warning")
        else:
            self._build(event.button.id, path)

    @work(thread=True, exclusive=True, exit_on_error=False, description="creating a town")
    def _build(self, kind: str, path: str) -> None:
        from ...services.demo import build_demo
        from ...town import install

        try:
            town = build_demo(path) if kind == "demo" else install(path)
        except GtError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Could not create the town", severity="error")
            return
        self.app.call_from_thread(self.app.open_town, town)
