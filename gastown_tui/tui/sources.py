"""The two background sources of the town screen, as plain objects its thread workers call.

``FeedFollower`` watches the ledger's events feed by last-seen id and re-reads the town only
when something happened (a burst of events is one read). ``PanePoller`` lists live tmux
sessions in one call and captures only the focused polecat's pane, reporting it only when
its text changed. Neither touches Textual; the screen schedules them with re-armed timers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services.townview import TownSnapshot


class FeedFollower:
    def __init__(self, ledger, root: Path | None = None):
        self.ledger = ledger
        self.root = root
        self.last_id: int | None = None
        self.activity: dict[str, int] = {}  # the latest tmux activity map (the screen's sessions poll)

    def invalidate(self) -> None:
        """Read the town again at the next poll, events or not (after our own writes, on refresh)."""
        self.last_id = None

    def poll(self) -> TownSnapshot | None:
        """A new snapshot if the feed moved since the last one, else None."""
        from ..services.townview import read_town  # loaded here, in a worker: the frame paints first

        if self.last_id is not None and not self.ledger.events_since(self.last_id, limit=1):
            return None
        snapshot = read_town(self.ledger, self.root, live=self.activity)
        self.last_id = snapshot.last_event_id
        return snapshot


class PanePoller:
    def __init__(self, tmux):
        self.tmux = tmux
        self.focused: str | None = None
        self._digest: bytes | None = None

    def focus(self, session: str | None) -> None:
        if session != self.focused:
            self.focused = session
            self._digest = None

    def activity(self) -> dict[str, int]:
        """Every live session of the town's server, with the epoch of its last output."""
        return self.tmux.activity()

    def capture(self) -> tuple[str, str] | None:
        """``(session, screen)`` of the focused session when its screen changed since the last capture."""
        session = self.focused
        if not session:
            return None
        text = self.tmux.capture(session, ansi=True)
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        if digest == self._digest:
            return None
        self._digest = digest
        return session, text
