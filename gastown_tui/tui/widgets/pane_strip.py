"""On a narrow terminal one pane fills the screen: this line names all five and marks the one shown."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class PaneStrip(Static):
    active = reactive(1)

    def __init__(self, titles: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.titles = titles

    def render(self) -> Text:
        text = Text(" ")
        for number, title in enumerate(self.titles, 1):
            style = "bold reverse" if number == self.active else "dim"
            text.append(f" {number} {title} ", style=style)
            text.append(" ")
        text.append(" tab: next pane", style="dim")
        return text
