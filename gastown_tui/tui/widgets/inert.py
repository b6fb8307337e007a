"""Ledger text as a ``rich.text.Text`` that neither Textual nor the terminal interprets.

A plain ``str`` cell of a DataTable is parsed as Textual markup (``[red]`` recolours it, a stray
``[/]`` fails the render); control characters would reach the terminal. Every pane shows its
cells and labels through :func:`inert_text`; styled ``Text`` keeps its styles (the mapping of
:func:`gastown_tui.display.inert` is one character for one).
"""

from __future__ import annotations

from rich.text import Text

from ...display import inert


def inert_text(value: str | Text, multiline: bool = False) -> Text:
    if isinstance(value, Text):
        shown = inert(value.plain, multiline)
        if shown == value.plain:
            return value
        text = value.copy()
        text.plain = shown
        return text
    return Text(inert(str(value), multiline), end="")
