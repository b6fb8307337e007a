"""What every verb handler gets: parsed options, the town and ledger (opened lazily), output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..ledger import Ledger
    from ..town import Town


class Context:
    def __init__(self, args):
        self.args = args
        self.json = bool(getattr(args, "json", False))
        self._town: Town | None = None

    @property
    def town(self) -> Town:
        if self._town is None:
            from ..town import find_town

            self._town = find_town(getattr(self.args, "town", None))
        return self._town

    @property
    def ledger(self) -> Ledger:
        """The town's ledger, for verbs whose service does not run its own units of work yet
        (``gt bead`` goes through ``services.beads``, which does)."""
        return self.town.ledger

    def emit(self, data: Any, text: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON with --json, else ``text`` (or a plain rendering of data)."""
        from ..display import escape_json_controls, inert

        if self.json:
            sys.stdout.write(escape_json_controls(json.dumps(data, indent=2, default=str, ensure_ascii=False)) + "\n")
            return
        if callable(text):
            text = text()
        if text is None:
            text = data if isinstance(data, str) else json.dumps(data, indent=2, default=str, ensure_ascii=False)
        if text:
            # Ledger text is shown inert: no escape sequence, bell or carriage return reaches the terminal.
            text = inert(text, multiline=True)
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
