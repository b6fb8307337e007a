"""A Tree whose nodes are kept by id and updated in place (never cleared and rebuilt)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode, UnknownNodeID

from .badges import BADGE_CLASSES
from .inert import inert_text
from .restyle import KeepsDrawnLines


class KeyedTree(KeepsDrawnLines, Tree):
    COMPONENT_CLASSES = BADGE_CLASSES
    BINDINGS = [Binding("j", "cursor_down", "Down", show=False), Binding("k", "cursor_up", "Up", show=False)]

    def __init__(self, label: str, **kwargs):
        super().__init__(label, **kwargs)
        self.guide_depth = 2
        self._by_key: dict[str, TreeNode] = {}

    def notify_style_update(self) -> None:
        """A restyle (focus moving in or out) repaints, and draws lines again only if their styles changed.

        Textual's Tree also rebuilds its lines from the nodes and asks for a layout of the whole
        screen, which re-renders every pane; styles change neither the nodes nor the tree's size.
        """
        super(Tree, self).notify_style_update()
        self.restyled()

    def drop_drawn_lines(self) -> None:
        self._line_cache.clear()
        self._updates += 1

    def put(self, key: str, parent: TreeNode, label: Text, data=None, leaf: bool = False, expand: bool = False):
        """The node for ``key`` under ``parent``, added if new, relabelled only if its label changed."""
        label = inert_text(label)
        node = self._by_key.get(key)
        if node is not None and node.parent is not parent:  # moved (a polecat that became crew): re-add
            if self._attached(node):
                node.remove()
            node = None
        if node is None:
            node = parent.add_leaf(label, data) if leaf else parent.add(label, data, expand=expand)
            self._by_key[key] = node
        else:
            if node.label != label:
                node.set_label(label)
            node.data = data
        return node

    def prune(self, seen: set[str]) -> list[str]:
        """Remove the nodes whose keys were not ``seen`` in this update; returns every key dropped.

        Removing a node removes its children with it, so a child whose parent went first is
        only forgotten, never removed twice (a landed convoy takes its beads along).
        """
        gone = [key for key in self._by_key if key not in seen]
        for key in gone:
            node = self._by_key.pop(key)
            if self._attached(node):
                node.remove()
        orphans = [key for key, node in self._by_key.items() if not self._attached(node)]
        for key in orphans:
            del self._by_key[key]
        return gone + orphans

    def node_for(self, key: str) -> TreeNode | None:
        return self._by_key.get(key)

    def reset(self) -> None:
        """Forget every node (after a failed draw, the next one starts afresh)."""
        self.clear()
        self._by_key.clear()

    def _attached(self, node: TreeNode) -> bool:
        try:
            return self.get_node_by_id(node.id) is node
        except UnknownNodeID:
            return False
