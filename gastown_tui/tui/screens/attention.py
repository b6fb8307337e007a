"""Agents that need a person, on the town screen: the count in the header, the bell (and a desktop
notification where asked for) when one starts waiting, a key to the next one, and answering one
without attaching (a typed line, or y/n). A mixin of the town screen, which gives ``town``,
``snapshot``, ``selected_agent``, ``live`` and ``_run``."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from textual import work

from ...errors import GtError
from .. import operations
from ..widgets.rig_tree import RigTree
from ..widgets.town_header import TownHeader
from .text_prompt import TextPrompt

if TYPE_CHECKING:  # the services load after the first paint
    from ...services.townview import AgentView, TownSnapshot

ACTIONS = frozenset({"next_waiting", "answer", "answer_yes", "answer_no"})


class AttentionActions:
    _needing_you: frozenset[str] | None = None  # agent ids waiting at the last read (None: no read yet)

    def attend(self, snapshot: TownSnapshot) -> None:
        """After each read: the header's count, and an alert for each agent that started waiting."""
        waiting = snapshot.needing_you
        self.query_one(TownHeader).needing_you = len(waiting)
        before, self._needing_you = self._needing_you, frozenset(a.id for a in waiting)
        fresh = [a for a in waiting if before is not None and a.id not in before]
        if fresh:
            self._alert(fresh)

    def _alert(self, agents: list[AgentView]) -> None:
        try:
            settings = self.town.config.attention
            bell, desktop = settings.bell, settings.notify_send
        except GtError:  # a town.toml that does not parse: the defaults (gt says what is wrong)
            bell, desktop = True, False
        text = "; ".join(f"{a.name} needs you: {a.question or 'waiting'}" for a in agents)
        if bell:
            self.app.bell()
        self.notify(text, title="Needs you", severity="warning", timeout=8)
        if desktop and shutil.which("notify-send"):
            self._desktop(text)

    @work(thread=True, group="notify", exit_on_error=False, description="desktop notification")
    def _desktop(self, text: str) -> None:
        subprocess.run(["notify-send", "--app-name=Gas Town", "Gas Town: needs you", text], timeout=10, check=False)

    def check_attention(self, action: str) -> bool:
        if action == "next_waiting":
            return bool(self.snapshot and self.snapshot.needing_you)
        agent = self.selected_agent
        if agent is None or not agent.needs_you or agent.session not in self.live:
            return False
        return action == "answer" or agent.yes_no

    def action_next_waiting(self) -> None:
        """The first agent that needs you after the cursor (round the tree), selected and focused."""
        waiting = self.snapshot.needing_you if self.snapshot else ()
        if not waiting:
            return
        ids = [a.id for a in waiting]
        current = self.selected_agent
        after = ids.index(current.id) + 1 if current is not None and current.id in ids else 0
        target = ids[after % len(ids)]
        tree = self.query_one(RigTree)
        self.action_focus_pane(1)
        tree.move_cursor(tree.node_for(target))

    def action_answer(self) -> None:
        agent = self.selected_agent
        if agent is None:
            return
        question = f"{agent.name} asks: {agent.question or '(no question given)'}\nYour answer, typed into its session:"
        prompt = TextPrompt(f"Answer {agent.address}", question, "one line")
        self._ask_then_run(prompt, "Answer", operations.answer, agent.address)

    def action_answer_yes(self) -> None:
        self._answer_with("y")

    def action_answer_no(self) -> None:
        self._answer_with("n")

    def _answer_with(self, word: str) -> None:
        agent = self.selected_agent
        if agent is not None:
            self._run("Answer", operations.answer, agent.address, word)
