"""Town → rigs → witness, refinery, polecats and crew, with a state badge and the hooked bead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree

from .. import actions
from .badges import badge
from .inert import inert_text
from .keyed_tree import KeyedTree
from .needs_you import needs_you

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.townview import AgentView, RigView, TownSnapshot

_GROUPS = {"polecat": "polecats", "crew": "crew"}
NOT_HERE = "(not on this machine)"


class RigTree(actions.ScreenActions, KeyedTree):
    BINDINGS = actions.bindings("rigs")

    @dataclass
    class AgentHighlighted(Message):
        """The cursor moved onto an agent (``None``: onto a rig or group)."""

        agent: AgentView | None

    def __init__(self, **kwargs):
        super().__init__("town", **kwargs)
        self.show_root = True
        self.live: frozenset[str] = frozenset()
        self._agents: dict[str, AgentView] = {}
        self.now = dt.datetime.now(dt.UTC)  # for waited times; the screen's clock moves it (``tick``)

    @property
    def agents(self) -> dict[str, AgentView]:
        """The agents in the tree, by agent bead id."""
        return dict(self._agents)

    @property
    def selected_agent(self) -> AgentView | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def show(self, snapshot: TownSnapshot, town_name: str) -> None:
        """Bring the tree in line with ``snapshot``: labels updated in place, nodes added/removed by id."""
        self.root.set_label(inert_text(Text(town_name, style="bold")))
        self.root.expand()
        seen: set[str] = set()
        for rig in snapshot.rigs:
            rig_node = self.put(f"rig:{rig.name}", self.root, self._rig_label(rig), expand=True)
            seen.add(f"rig:{rig.name}")
            for agent in rig.agents:
                parent = rig_node
                group = _GROUPS.get(agent.role)
                if group:
                    key = f"group:{rig.name}:{group}"
                    count = sum(1 for a in rig.agents if a.role == agent.role)
                    parent = self.put(key, rig_node, Text(f"{group} ({count})"), expand=True)
                    seen.add(key)
                self._agents[agent.id] = agent
                self.put(agent.id, parent, self._label(agent), data=agent, leaf=True)
                seen.add(agent.id)
        for key in self.prune(seen):
            self._agents.pop(key, None)
        if self.cursor_node is None or self.cursor_line < 0:
            self.cursor_line = 0

    def reset(self) -> None:
        super().reset()
        self._agents.clear()

    def show_live(self, live: frozenset[str]) -> None:
        """Mark which agents have a live tmux session (labels change only where liveness did)."""
        changed = self.live.symmetric_difference(live)
        self.live = live
        for agent in self._agents.values():
            if agent.session in changed:
                self._by_key[agent.id].set_label(inert_text(self._label(agent)))

    def tick(self, now: dt.datetime) -> None:
        """Waited times count on between reads: relabel the agents that need you."""
        self.now = now
        for agent in self._agents.values():
            if agent.needs_you and agent.id in self._by_key:
                self._by_key[agent.id].set_label(inert_text(self._label(agent)))

    def _rig_label(self, rig: RigView) -> Text:
        """The rig's name, marked when it is not on this machine, and its banner when its landed work waits."""
        text = Text(rig.name, style="bold")
        if not rig.local:
            text.append(f" {NOT_HERE}", style="dim italic")
        if rig.banner:
            text.append(f"  ⚠ {rig.banner}", style=self.get_component_rich_style("badge--warn", partial=True))
        return text

    def _label(self, agent: AgentView) -> Text:
        live = agent.session in self.live
        text = Text("● " if live else "○ ", style="bold" if live else "dim")
        text.append(agent.name.ljust(12))
        text.append(" ")
        if agent.needs_you:
            return text.append_text(needs_you(self, agent, self.now))
        text.append_text(badge(self, agent.state, 9))
        if agent.hook_bead:
            text.append(f" {agent.hook_bead}", style="bold")
            text.append(f" {agent.hook_title}", style="dim")
        return text

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        self.post_message(self.AgentHighlighted(event.node.data))
