"""A banner that appears while the ledger or tmux cannot be reached (the app keeps retrying), or
while the ledger refuses to open (its message says what to do; the app keeps looking)."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class StatusBanner(Static):
    ledger_error = reactive("")
    ledger_refused = reactive(False)
    tmux_error = reactive("")

    def render(self) -> str:
        problems = []
        if self.ledger_error and self.ledger_refused:
            problems.append(self.ledger_error)
        elif self.ledger_error:
            problems.append(f"ledger unreachable: {self.ledger_error} — retrying")
        if self.tmux_error:
            problems.append(f"tmux unreachable: {self.tmux_error} — retrying")
        return "  ⚠ " + "   ⚠ ".join(problems) if problems else ""

    def watch_ledger_error(self) -> None:
        self.display = bool(self.ledger_error or self.tmux_error)

    def watch_tmux_error(self) -> None:
        self.display = bool(self.ledger_error or self.tmux_error)
