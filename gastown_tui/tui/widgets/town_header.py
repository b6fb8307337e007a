"""The top line: town name, ledger backend, daemon state, unread mail."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class TownHeader(Static):
    town_name = reactive("")
    backend = reactive("")
    daemon = reactive("off")
    unread = reactive(0)

    def render(self) -> Text:
        text = Text()
        text.append(" ⛽ Gas Town ", style="bold reverse")
        text.append(f"  {self.town_name}", style="bold")
        text.append(f"   ledger: {self.backend}", style="dim")
        text.append(f"   daemon: {self.daemon}", style="dim")
        if self.unread:
            text.append(f"   ✉ {self.unread} unread", style="bold")
        return text
