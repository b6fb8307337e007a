"""The command palette: every action that applies now, found by a few typed letters (ctrl+p).

Built once and shown again on each ctrl+p (Textual's own palette builds a screen, its widgets and
a search worker on every open: ~140 ms of CPU at 100 polecats). Its entries are the action
registry's (the keys, the footer and help read the same one) that apply to the current selection,
and Textual's system commands (theme, maximize, screenshot, …); each shows its description, its
key and its short label, and a query matches them fuzzily, best first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option


class PaletteEntry(NamedTuple):
    title: str  # what the person looks for: the action's description
    label: str  # its short name, shown under it (the footer's word for it)
    key: str  # its key as shown ("" for none)
    run: Callable[[], object]

    @property
    def searched(self) -> str:
        return f"{self.label} {self.title}"


def ranked(entries: Sequence[PaletteEntry], query: str) -> list[tuple[PaletteEntry, Sequence[int]]]:
    """The entries ``query`` matches, best first, with the offsets in ``title`` that it matched;
    every entry, in order, for an empty query."""
    query = query.strip()
    if not query:
        return [(entry, ()) for entry in entries]
    search = FuzzySearch()
    scored = []
    for index, entry in enumerate(entries):
        score, _ = search.match(query, entry.searched)
        if score > 0:
            offsets = search.match(query, entry.title)[1]
            scored.append((-score, index, entry, offsets))
    return [(entry, offsets) for _, _, entry, offsets in sorted(scored, key=lambda s: s[:2])]


class PaletteScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,ctrl+p", "dismiss", "Close", show=False),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("pagedown", "move(10)", show=False, priority=True),
        Binding("pageup", "move(-10)", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[PaletteEntry, ...] = ()
        self._shown: list[PaletteEntry] = []
        self._drawn: list[tuple[str, str, str, Sequence[int]]] | None = None  # what the options show

    def compose(self) -> ComposeResult:
        with Vertical(id="palette"):
            query = Input(placeholder="Search for actions…", id="palette-query")
            query.cursor_blink = False  # built ahead and kept: it blinks only while shown (on_screen_resume)
            yield query
            yield OptionList(id="palette-options")

    def offer(self, entries: Sequence[PaletteEntry]) -> None:
        """What the next opening offers (the app calls this before showing the screen)."""
        self.entries = tuple(entries)

    def on_screen_resume(self) -> None:
        """Each opening starts from an empty query, with the typed-ahead keys let through once it has focus."""
        query = self.query_one(Input)
        query.value = ""
        self._show("")
        query.focus()
        query.cursor_blink = True
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            self.call_after_refresh(release)

    def on_screen_suspend(self) -> None:
        """Behind the town its cursor would blink on, waking the app twice a second for nothing."""
        self.query_one(Input).cursor_blink = False

    @on(Input.Changed)
    def _typed(self) -> None:
        self._show(self.query_one(Input).value)

    def _show(self, query: str) -> None:
        options = self.query_one(OptionList)
        matched = ranked(self.entries, query)
        self._shown = [entry for entry, _ in matched]
        drawn = [(entry.title, entry.label, entry.key, offsets) for entry, offsets in matched]
        if drawn != self._drawn:  # reopened on the same selection: the options stand as they are
            self._drawn = drawn
            options.set_options(Option(self._prompt(entry, offsets)) for entry, offsets in matched)
        options.highlighted = 0 if matched else None

    def _prompt(self, entry: PaletteEntry, offsets: Sequence[int]) -> Text:
        text = Text(entry.title)  # plain text: never markup
        for offset in offsets:
            text.stylize(Style(reverse=True), offset, offset + 1)
        if entry.key:
            text.append(f"  {entry.key}", style="bold")
        text.append(f"\n{entry.label}", style="dim")
        return text

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._run(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._run(event.option_index)

    def _run(self, index: int | None) -> None:
        if index is None or index >= len(self._shown):
            return
        entry = self._shown[index]
        self.dismiss(None)
        self.app.call_later(entry.run)  # on the screen below, once the palette is gone

    def action_dismiss(self) -> None:
        self.dismiss(None)
