"""Open convoys with a progress bar, counts and the stranded flag; expand one to see its beads."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...services.townview import ConvoyView, TownSnapshot, TrackedBead
from .badges import BADGE_CLASSES, badge

BAR_WIDTH = 16


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


class ConvoyBoard(Tree[ConvoyView | TrackedBead | None]):
    COMPONENT_CLASSES = BADGE_CLASSES
    BINDINGS = [Binding("j", "cursor_down", "Down", show=False), Binding("k", "cursor_up", "Up", show=False)]

    def __init__(self, **kwargs):
        super().__init__("convoys", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self._by_key: dict[str, TreeNode] = {}

    def show(self, snapshot: TownSnapshot) -> None:
        seen: set[str] = set()
        if not snapshot.convoys:
            self._put("empty", self.root, Text("no open convoys", style="dim"), None, leaf=True)
            seen.add("empty")
        for convoy in snapshot.convoys:
            node = self._put(convoy.id, self.root, self._convoy_label(convoy), convoy)
            seen.add(convoy.id)
            for bead in convoy.tracked:
                key = f"{convoy.id}>{bead.id}"
                self._put(key, node, self._bead_label(bead), bead, leaf=True)
                seen.add(key)
        for key in [k for k in self._by_key if k not in seen]:
            self._by_key.pop(key).remove()

    def _put(self, key: str, parent: TreeNode, label: Text, data, leaf: bool = False) -> TreeNode:
        node = self._by_key.get(key)
        if node is None:
            node = parent.add_leaf(label, data) if leaf else parent.add(label, data)
            self._by_key[key] = node
        else:
            if node.label != label:
                node.set_label(label)
            node.data = data
        return node

    def _convoy_label(self, convoy: ConvoyView) -> Text:
        text = Text(f"{convoy.title[:28]:<28} ")
        text.append(progress_bar(convoy.closed, convoy.total), style="bold")
        text.append(f" {convoy.closed}/{convoy.total}")
        if convoy.stranded:
            text.append(" ")
            text.append_text(badge(self, "stranded"))
        return text

    def _bead_label(self, bead: TrackedBead) -> Text:
        text = badge(self, bead.status, 8)
        text.append(f" {bead.id} ", style="bold")
        text.append(bead.title[:40])
        if bead.assignee:
            text.append(f"  ← {bead.assignee}", style="dim")
        return text
