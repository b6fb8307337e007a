"""Messages the background sources post to the town screen (past tense: they report what happened).

Bursts collapse: a newer ``TownRead`` or ``PaneCaptured`` replaces one still waiting in
the queue, so a flood of ledger events or pane output costs one repaint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ..services.townview import TownSnapshot


@dataclass
class TownRead(Message):
    """A fresh picture of the town was read from the ledger."""

    snapshot: TownSnapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TownRead)


@dataclass
class LedgerLost(Message):
    """The ledger could not be read; the follower keeps retrying."""

    error: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LedgerLost)


@dataclass
class PaneCaptured(Message):
    """The focused polecat's screen changed (``text`` keeps its colour escapes)."""

    session: str
    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PaneCaptured) and message.session == self.session


@dataclass
class SessionsPolled(Message):
    """Which tmux sessions are alive, each with the epoch of its last output; ``restated``: the
    snapshot ``base`` with its polecats' states judged against it, when any state moved."""

    activity: dict[str, int]
    base: TownSnapshot | None = None
    restated: TownSnapshot | None = None

    @property
    def live(self) -> frozenset[str]:
        return frozenset(self.activity)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SessionsPolled)


@dataclass
class ActionFinished(Message):
    """A user action ran in a worker: ``error`` is empty on success."""

    verb: str
    text: str
    error: str = ""
