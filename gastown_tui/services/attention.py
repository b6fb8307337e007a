"""Who needs a person, decided from one look at the polecats' screens (no I/O here: the witness's
``watch`` captures the screens in one tmux call, hands them over, and writes what comes back).

- **Pane marks**: each screen's hash; a changed hash is a sign of life (``Tmux.mark_panes``), so
  stall detection does not hang on tmux's ``window_activity`` alone.
- **Screen rules** (``runtime/screens.py``), the fallback for agents that do not report: a waiting
  prompt on the screen is recorded as ``waiting`` (``reported_by: screen``) with the prompt line as
  the question; once it is gone, ``working`` again. What an agent reported itself is left to it.
- **Long waits**: a polecat waiting ``wait_mail_after`` seconds is reported to the overseer, once
  per wait (``wait_mailed`` holds the ``reported_at`` it was mailed for).
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..runtime.screens import ScreenRules, judge
from . import agent_state

if TYPE_CHECKING:
    from .polecats import Polecat


@dataclass(frozen=True)
class Look:
    marks: dict[str, tuple[str, int]]  # sessions whose screen changed: (new hash, now)
    reports: dict[str, dict[str, object]]  # polecat name → agent-bead field changes
    waits: list[Polecat]  # waiting long enough to tell the overseer


# A watch pass captures a screen only when tmux saw output on it lately (RECENT seconds), or on its turn
# in a round that looks at every screen once per ROUND seconds: idle screens cost nothing between turns,
# and the tmux release whose activity never advances is still covered (screen marks count as activity).
# The daemon's watch takes no turns: its patrol (``PatrolLooks``) covers that release.
RECENT = 3.0
ROUND = 10
FULL_LOOK = 60.0  # at most this many seconds between a daemon patrol's looks at every screen


def due(
    sessions: list[str], marks: Mapping[str, tuple[str, int]], live: Mapping[str, int], now: float, turns: bool = True
) -> list[str]:
    """The sessions whose screens a watch pass at ``now`` captures: never seen, lately active, or on turn
    (no turns when something else looks at every screen once per ROUND: the daemon's patrol)."""
    turn = int(now) % ROUND if turns else -1
    return [
        s
        for s in sessions
        if s not in marks or live.get(s, 0) >= now - RECENT or zlib.crc32(s.encode()) % ROUND == turn
    ]


def moved(sessions: list[str], marks: Mapping[str, tuple[str, int]], live: Mapping[str, int]) -> list[str]:
    """The sessions whose screens may have changed since they were last seen: never seen, or with tmux
    activity after the second their mark was taken (``live`` holds the later of the two)."""
    return [s for s in sessions if s not in marks or live.get(s, 0) > marks[s][1]]


class PatrolLooks:
    """What a daemon's patrol remembers between passes: it captures the screens tmux saw output on since
    they were last seen (``moved``), and every screen once per FULL_LOOK seconds (or a quarter of the
    rig's ``stall_after``, if shorter) — every pass, as without it, once a look at every screen found
    one that changed while tmux's activity stood still (the release whose activity never advances)."""

    def __init__(self) -> None:
        self.due = 0.0  # when the next look at every screen is due (an epoch)
        self.stale = False  # tmux's activity was seen to miss a change

    def every(self, now: float, stall_after: float) -> bool:
        """Whether this pass looks at every screen."""
        if not self.stale and now < self.due:
            return False
        self.due = now + min(FULL_LOOK, stall_after / 4)
        return True

    def saw(
        self, changed: Mapping[str, object], marks: Mapping[str, tuple[str, int]], live: Mapping[str, int], now: float
    ) -> None:
        """After a look at every screen: ``changed`` screens whose activity stayed at or before their last
        mark, taken longer ago than a watch pass goes on looking at a screen, were missed by tmux."""
        self.stale = self.stale or any(s in marks and live.get(s, 0) <= marks[s][1] < now - RECENT for s in changed)


def digest(screen: str) -> str:
    return hashlib.blake2b(screen.encode(), digest_size=8).hexdigest()


@functools.lru_cache(maxsize=64)
def _compiled(rules: ScreenRules):
    return rules.compiled()


def look(
    polecats: list[Polecat],
    screens: Mapping[str, str],
    marks: Mapping[str, tuple[str, int]],
    live: Mapping[str, int],
    rules: Mapping[str, ScreenRules],
    now: float,
    wait_mail_after: float,
    stamp: str,
    default_runtime: str = "",
) -> Look:
    """What the screens (``{session: text}``) say about these polecats; ``rules`` by runtime spec (a
    polecat with none recorded runs its rig's ``default_runtime``). A screen seen for the first time
    is dated by tmux's activity (``live``): only a change seen between two looks is dated ``now``."""
    changed: dict[str, tuple[str, int]] = {}
    reports: dict[str, dict[str, object]] = {}
    for p in polecats:
        screen = screens.get(p.session)
        if screen is None or not p.hook:
            continue
        new = digest(screen)
        before = marks.get(p.session)
        if before is None or before[0] != new:
            changed[p.session] = (new, int(now) if before else live.get(p.session, int(now)))
        said = p.report
        if said is not None and said.by != "screen" and said.state == "waiting":
            continue  # the agent said so itself: it will say when it goes on
        runtime = p.runtime or default_runtime
        verdict = judge(_compiled(rules[runtime]), screen) if runtime in rules else None
        if verdict is not None and verdict.state == "waiting":
            if said is None or said.state != "waiting" or said.reason != agent_state.clean_reason(verdict.line):
                reports[p.name] = agent_state.changes("waiting", verdict.line, "screen", stamp, verdict.yes_no)
        elif said is not None and said.by == "screen" and said.state == "waiting":
            reports[p.name] = agent_state.changes("working", "", "screen", stamp)
    waits = [
        p
        for p in polecats
        if p.waiting
        and p.name not in reports
        and now - p.waiting.since >= wait_mail_after
        and p.fields.get("wait_mailed") != p.fields.get("reported_at")
    ]
    return Look(changed, reports, waits)
