"""The background sources of the town screen, as plain objects its thread workers call.

``FeedFollower`` watches the ledger's events feed by last-seen id and re-reads the town only
when something happened (a burst of events is one read). ``PanePoller`` lists live tmux
sessions in one call and captures only the focused polecat's pane, reporting it only when
its text changed; it captures when a control-mode client of that session says it printed
(an idle pane costs no capture), or every poll where tmux cannot say. ``StateJudge`` judges the
polecats' states between ledger reads only when tmux's answer or the time says they may move.
None touches Textual; the screen schedules them with re-armed timers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GtError

if TYPE_CHECKING:
    from ..services.townview import TownSnapshot


class FeedFollower:
    def __init__(self, ledger, root: Path | None = None):
        self.ledger = ledger
        self.root = root
        self.last_id: tuple[int, int] | None = None
        self.activity: dict[str, int] = {}  # the latest tmux activity map (the screen's sessions poll)

    def invalidate(self) -> None:
        """Read the town again at the next poll, events or not (after our own writes, on refresh)."""
        self.last_id = None

    def poll(self) -> TownSnapshot | None:
        """A new snapshot if the feed moved since the last one, else None."""
        from ..services.townview import read_town  # loaded here, in a worker: the frame paints first

        if self.last_id is not None and self.ledger.read(lambda s: s.feed_mark()) == self.last_id:
            return None
        snapshot = read_town(self.ledger, self.root, live=self.activity)
        self.last_id = snapshot.feed_mark
        return snapshot


class StateJudge:
    """The polecats' states of the screen's snapshot judged against tmux's latest activity map, judged
    anew only when that map or the snapshot changed, or once time alone can move a state (a stall
    threshold passed, a spawn's grace ran out): an idle town's poll costs no judging."""

    def __init__(self):
        self._judged: tuple[TownSnapshot, dict[str, int]] | None = None  # what the last judgement was of
        self._until = 0.0  # the epoch after which time alone may move a state
        self._restated: TownSnapshot | None = None

    def judge(self, base: TownSnapshot | None, activity: dict[str, int], now: float) -> TownSnapshot | None:
        """``base`` with its polecats judged against ``activity`` at ``now``, when any state moved; else None."""
        if base is None:
            return None
        if self._judged is not None and self._judged[0] is base and self._judged[1] == activity and now < self._until:
            return self._restated
        restated = base.restated(activity, now)
        self._judged, self._until = (base, activity), restated.changes_at()
        self._restated = restated if restated.rigs != base.rigs else None
        return self._restated


class PanePoller:
    def __init__(self, tmux):
        self.tmux = tmux
        self.focused: str | None = None
        self._digest: bytes | None = None
        self._printed = threading.Event()  # the focused session printed (or focus moved) since the last capture
        self._client = None  # the control-mode client that tells when the followed session prints
        self._followed: str | None = None  # the session that client was started for
        self._lock = threading.Lock()

    def focus(self, session: str | None) -> None:
        """Capture ``session`` from now on (the client that follows it starts in the next poll's worker:
        starting a process on the UI thread would delay the key that moved the cursor)."""
        if session != self.focused:
            self.focused = session
            self._digest = None
            if session is None:
                self._follow(None)
            self._printed.set()  # capture the new session at once

    def close(self) -> None:
        """Stop following (the app is closing): the client ends, a waiting poll returns at once."""
        self.focus(None)

    def activity(self) -> dict[str, int]:
        """Every live session of the town's server, with the epoch of its last output."""
        return self.tmux.activity()

    def wait_output(self, timeout: float) -> None:
        """Until the focused session printed (at once without a control-mode client), or ``timeout``."""
        if self.focused != self._followed:
            self._follow(self.focused)
        if self._client is not None:
            self._printed.wait(timeout)
        self._printed.clear()

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

    def _follow(self, session: str | None) -> None:
        with self._lock:
            old, self._client, self._followed = self._client, None, session
            if old is not None:
                with contextlib.suppress(OSError):
                    old.stdin.close()  # the client ends; its reader thread reaps it
            if session:
                try:
                    self._client = self.tmux.output_client(session)
                except (OSError, GtError):
                    return  # captures on every poll instead
                threading.Thread(target=self._read, args=(self._client,), daemon=True).start()

    def _read(self, client) -> None:
        """Wake the pane poll on each ``%output``; at the client's end (session gone, or tmux cannot
        follow it) too, and from then on the session is captured on every poll."""
        fd = client.stdout.fileno()
        while chunk := os.read(fd, 65536):
            if b"%output" in chunk:
                self._printed.set()
        client.stdout.close()
        client.wait()
        with self._lock:
            if client is self._client:
                self._client = None
                self._printed.set()
