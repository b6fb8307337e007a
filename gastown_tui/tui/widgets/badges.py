"""State badges: a word coloured by the theme (component classes styled in styles/global.tcss)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

BADGE_CLASSES = {"badge--good", "badge--busy", "badge--warn", "badge--bad", "badge--dim", "badge--attention"}

_KIND = {
    "working": "busy",
    "needs you": "attention",
    "spawning": "busy",
    "hooked": "busy",
    "in_progress": "busy",
    "running": "busy",
    "done": "good",
    "closed": "good",
    "merged": "good",
    "approved": "good",
    "pass": "good",
    "stalled": "warn",
    "blocked": "warn",
    "stranded": "warn",
    "queued": "warn",
    "pending": "warn",
    "testing": "busy",
    "rework": "bad",
    "zombie": "bad",
    "failed": "bad",
    "fail": "bad",
    "rejected": "bad",
    "conflict": "bad",
}


def badge(widget: Widget, word: str, width: int = 0) -> Text:
    """``word`` padded to ``width`` in the style of its kind (muted when unknown)."""
    kind = _KIND.get(word.lower(), "dim")
    return Text(word.ljust(width), style=widget.get_component_rich_style(f"badge--{kind}", partial=True))
