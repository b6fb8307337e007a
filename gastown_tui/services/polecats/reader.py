"""Reading polecats: the one reader that ``gt polecat list``, ``gt rig``, the witness, dispatch, sling
and the TUI's town view use, and the bead on an agent's hook.

``read_polecats`` works inside a ledger session (so a caller can read polecats and more in one
consistent transaction); ``list_polecats`` is the same for a whole town or one rig, reading the
tmux activity map itself. Either way: two queries whatever the number of rigs and polecats, plus
one ``tmux list-windows`` (the caller's ``live``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ...display import JsonObject
from ...fieldlines import find_fields
from ...ledger.fields import instant
from ...ledger.reads import Row
from ..rigpaths import list_rigs, load_rig, rig_paths
from .records import Polecat, WorkBead, build, changes_at, restate

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...runtime.tmux import Tmux
    from ...town import Town

_HOOK_COLUMNS = "id, title, issue_type, priority, status, assignee, description"


def read_polecats(
    session, configs: RigConfig | Sequence[RigConfig], live: Mapping[str, int], now: float
) -> list[Polecat]:
    """Every polecat of these rigs, rig by rig in the given order, each in id order, with its hook
    and state. ``live`` is ``Tmux.activity()`` (read before the transaction), ``now`` an epoch."""
    configs = [configs] if not isinstance(configs, Sequence) else list(configs)
    if not configs:
        return []
    starts = [f"{c.prefix}-{c.name}-polecat-" for c in configs]
    owners = [f"{c.name}/polecats/" for c in configs]
    agents = session.rows(
        "SELECT id, description, updated_at FROM gt_issues WHERE issue_type = 'agent' AND status <> 'tombstone'"
        f" AND ({' OR '.join(['id LIKE ?'] * len(starts))}) ORDER BY id",
        [start + "%" for start in starts],
    )
    hooks = {
        r["assignee"]: WorkBead.from_row(r)
        for r in session.rows(
            f"SELECT {_HOOK_COLUMNS} FROM gt_issues WHERE status = 'hooked'"
            f" AND ({' OR '.join(['assignee LIKE ?'] * len(owners))})",
            [owner + "%" for owner in owners],
        )
        if r["assignee"] and r["assignee"].startswith(tuple(owners))
    }
    out = []
    for config, start, owner in zip(configs, starts, owners, strict=True):
        for row in agents:
            if row["id"].startswith(start):
                name = row["id"][len(start) :]
                hook = hooks.get(owner + name)
                info = find_fields(row["description"])  # Gas Town puts a title line first
                updated_at = row["updated_at"] or ""
                out.append(build(config.name, name, row["id"], info, updated_at, hook, live, now, config.stall_after))
    return out


class WatchedPolecats:
    """One rig's polecats for a loop that looks at them every second (the witness's watch): read again
    only when the ledger's events feed moved (every write adds an event) or a session came or went;
    in between, the last read restated against the new activity map, at no ledger cost — and not even
    that while the map is the same and time alone cannot move a state yet (``changes_at``)."""

    def __init__(self) -> None:
        self._seen: tuple[int, frozenset[str], RigConfig] | None = None  # event id, live sessions, config
        self._polecats: list[Polecat] = []
        self._live: dict[str, int] = {}  # the activity map they were stated with
        self._until = 0.0  # the epoch until which time alone moves none of their states

    def idle(self, ledger, config: RigConfig) -> bool:
        """Nothing to watch without asking tmux: at the last read no polecat had work on its hook, and
        the ledger has not moved since (a sling, a hook, a rig.toml edit would show)."""
        if self._seen is None or self._seen[2] != config or any(p.hook for p in self._polecats):
            return False
        return ledger.read(lambda s: s.last_event_id()) == self._seen[0]

    def read(self, ledger, config: RigConfig, live: Mapping[str, int], now: float) -> list[Polecat]:
        """``read_polecats`` for this rig, as of ``live`` and ``now``."""

        def polecats(session) -> list[Polecat]:
            seen = (session.last_event_id(), frozenset(live), config)
            if seen != self._seen:
                self._seen = seen
                return self._stated(read_polecats(session, config, live, now), live, config)
            if live == self._live and now < self._until:
                return self._polecats
            return self._stated([restate(p, live, now, config.stall_after) for p in self._polecats], live, config)

        return ledger.read(polecats)

    def _stated(self, polecats: list[Polecat], live: Mapping[str, int], config: RigConfig) -> list[Polecat]:
        self._polecats, self._live = polecats, dict(live)
        self._until = min((changes_at(p, config.stall_after) for p in polecats), default=math.inf)
        return polecats


def list_polecats(
    town: Town,
    rig: str | None = None,
    tmux: Tmux | None = None,
    *,
    live: Mapping[str, int] | None = None,
    now: float | None = None,
) -> list[Polecat]:
    """The polecats of one rig (``rig``) or of every rig, as ``gt polecat list`` shows them.

    One ledger read; ``live`` (``Tmux.activity()``) is read from ``tmux`` (default: the town's
    server) unless given, e.g. by a caller that already polls it."""
    configs = [load_rig(town, rig)] if rig else list_rigs(town)
    live = (tmux or town.tmux()).activity() if live is None else live
    now = time.time() if now is None else now
    if not configs:
        return []
    return town.ledger.read(lambda s: read_polecats(s, configs, live, now))


def json_rows(town: Town, polecats: Sequence[Polecat]) -> list[JsonObject]:
    """``gt polecat list --json`` rows: each polecat with its worktree's path."""
    return [p.to_json(rig_paths(town, p.rig).polecat(p.name)) for p in polecats]


def hooked_bead(session, address: str) -> Row | None:
    """The row (every column) of the bead hooked to ``address``, or None: what ``gt hook --json`` shows
    (``prime.OnHook``). Code that works on the bead takes ``hooked`` (a ``WorkBead``)."""
    rows = session.rows("SELECT * FROM gt_issues WHERE status = 'hooked' AND assignee = ?", (address,))
    return min(rows, key=lambda r: (instant(r["updated_at"]), r["id"]), default=None)


def hooked(session, address: str) -> WorkBead | None:
    """The bead on ``address``'s hook, or None."""
    row = hooked_bead(session, address)
    return WorkBead.from_row(row) if row else None
