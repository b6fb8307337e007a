"""Open convoys with a progress bar, counts and the stranded flag; expand one to see its beads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from .badges import badge
from .keyed_tree import KeyedTree

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.convoys import Convoy, TrackedBead
    from ...services.townview import TownSnapshot

BAR_WIDTH = 16


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


class ConvoyBoard(KeyedTree):
    def __init__(self, **kwargs):
        super().__init__("convoys", **kwargs)
        self.show_root = False
        self._snapshot: TownSnapshot | None = None
        self._widths = (28, BAR_WIDTH)  # title, bar

    def on_resize(self) -> None:
        """The title takes what the bar (half as long on a narrow pane) and the count leave."""
        bar = BAR_WIDTH if self.size.width >= 50 else BAR_WIDTH // 2
        widths = (max(10, min(40, self.size.width - bar - 12)), bar)
        if widths != self._widths:
            self._widths = widths
            if self._snapshot is not None:
                self.show(self._snapshot)

    def show(self, snapshot: TownSnapshot) -> None:
        self._snapshot = snapshot
        seen: set[str] = set()
        if not snapshot.convoys:
            self.put("empty", self.root, Text("no open convoys", style="dim"), None, leaf=True)
            seen.add("empty")
        for convoy in snapshot.convoys:
            node = self.put(convoy.id, self.root, self._convoy_label(convoy), convoy)
            seen.add(convoy.id)
            for bead in convoy.tracked:
                key = f"{convoy.id}>{bead.id}"
                self.put(key, node, self._bead_label(bead), bead, leaf=True)
                seen.add(key)
        self.prune(seen)

    def _convoy_label(self, convoy: Convoy) -> Text:
        width, bar = self._widths
        text = Text(f"{convoy.title[:width]:<{width}} ")
        text.append(progress_bar(convoy.closed, convoy.total, bar), style="bold")
        text.append(f" {convoy.closed}/{convoy.total}")
        if convoy.stranded:
            text.append(" ")
            text.append_text(badge(self, "stranded"))
        return text

    def _bead_label(self, bead: TrackedBead) -> Text:
        text = badge(self, bead.status, 8)
        text.append(f" {bead.id} ", style="bold")
        text.append((bead.title or "")[:40])
        if bead.assignee:
            text.append(f"  ← {bead.assignee}", style="dim")
        return text
