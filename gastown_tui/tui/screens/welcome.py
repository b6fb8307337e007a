"""Outside any town: offer to create one, or to open the demo town, instead of failing."""

from __future__ import annotations

import importlib
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from ...errors import GtError


def demo_builder():
    """``gastown_tui.services.demo.build_demo`` when this build has it."""
    try:
        return getattr(importlib.import_module("gastown_tui.services.demo"), "build_demo", None)
    except ImportError:
        return None


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
                if demo_builder() is not None:
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
        from ...town import Town, install

        try:
            if kind == "demo":
                built = demo_builder()(path)
                town = built if isinstance(built, Town) else Town(Path(built or path))
            else:
                town = install(path)
        except GtError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Could not create the town", severity="error")
            return
        self.app.call_from_thread(self.app.open_town, town)
