"""The top line: town name, ledger backend, daemon state, agents that need you, unread mail."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class TownHeader(Static):
    town_name = reactive("")
    backend = reactive("")
    daemon = reactive("off")
    unread = reactive(0)
    needing_you = reactive(0)  # agents waiting for a person

    def render(self) -> Text:
        """What fits the width, the least needed part (the ledger, then the daemon) left out first."""
        parts = [(" ⛽ Gas Town ", "bold reverse"), (f"  {self.town_name}", "bold")]
        if self.needing_you:
            parts.append(
                (f"   ⚑ {self.needing_you} need{'s' if self.needing_you == 1 else ''} you (w)", "bold reverse")
            )
        if self.unread:
            parts.append((f"   ✉ {self.unread} unread", "bold"))
        optional = [(f"   daemon: {self.daemon}", "dim"), (f"   ledger: {self.backend}", "dim")]
        while optional and sum(len(p) for p, _ in parts + optional) > self.size.width:
            optional.pop()
        text = Text()
        for part, style in parts[:2] + optional + parts[2:]:
            text.append(part, style=style)
        if self.size.width:
            text.truncate(self.size.width, overflow="ellipsis")
        return text
