"""Every key binding, generated from the action registry so it is always true."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import actions

SCOPES = (
    ("town", "Anywhere"),
    ("rigs", "Rig tree"),
    ("output", "Polecat output"),
    ("queue", "Refinery queue"),
    ("mail", "Mail inbox"),
    ("app", "Application"),
)


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=16)
    table.add_column()
    for scope, title in SCOPES:
        table.add_row("", Text(title, style="bold underline"))
        for action in actions.ACTIONS:
            if action.scope == scope:
                table.add_row(actions.key_display(action.key), action.description)
    table.add_row("", Text("Everywhere", style="bold underline"))
    for keys, description in actions.BUILTIN_KEYS:
        table.add_row(keys, description)
    return table


class KeyTable(Static):
    """The key table. Its text never changes, so its height at a width is measured once: Textual
    measures a Static again after every restyle (each opening), and that renders the whole table."""

    def __init__(self) -> None:
        super().__init__(help_table())
        self._heights: dict[int, int] = {}

    def get_content_height(self, container, viewport, width: int) -> int:
        if width not in self._heights:
            self._heights[width] = super().get_content_height(container, viewport, width)
        return self._heights[width]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "escape to close"
            yield KeyTable()

    def action_dismiss(self) -> None:
        self.dismiss(None)
