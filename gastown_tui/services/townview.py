"""The town as the TUI shows it: one read of the ledger, returned as plain frozen records.

``read_town`` composes the services' own readers — agents, ``polecats.read_polecats`` (states
as ``gt polecat list`` gives them), ``convoys.listing``, ``refinery.read_queue`` (in ``gt mq
list``'s order) and ``mail.inbox`` — in ONE read transaction, so the panes, the CLI and the
witness agree. It issues no SQL of its own. No Textual here: the TUI calls it from a worker
thread, tests and ``bench/tui.py`` call it directly.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import addresses
from . import convoys, mail, polecats, refinery
from .agents import ROLE_ORDER, Agent, read_agents, read_rig_prefixes
from .convoys import Convoy
from .mail import Message
from .refinery import MergeRequest
from .refinery.pushstate import read_banners

if TYPE_CHECKING:
    from ..config import RigConfig


@dataclass(frozen=True)
class AgentView:
    id: str
    address: str
    rig: str
    role: str
    name: str
    state: str
    hook_bead: str
    hook_title: str
    session: str
    # A polecat waiting for a person ("needs you"): since when (a ledger stamp), its question.
    waiting_since: str = ""
    question: str = ""
    yes_no: bool = False

    @property
    def needs_you(self) -> bool:
        return self.state == "waiting"


def _as_polecat(view: AgentView, polecat: polecats.Polecat | None) -> AgentView:
    """The view with what ``gt polecat list`` says of this polecat: its state and, waiting, its question."""
    if polecat is None:
        return view
    waiting = polecat.waiting
    return dataclasses.replace(
        view,
        state=polecat.state,
        waiting_since=polecat.fields.get("reported_at", "") if waiting else "",
        question=waiting.reason if waiting else "",
        yes_no=bool(waiting and waiting.yes_no),
    )


@dataclass(frozen=True)
class RigView:
    name: str
    prefix: str
    agents: tuple[AgentView, ...]
    local: bool = True  # False: known only from the ledger (no rig.toml on this machine)
    banner: str = ""  # its landed work is held or failing to reach the origin: what to do


LIVE_MARKS = {"running": "▶", "green": "✓", "red": "✗", "flaky": "~"}


@dataclass(frozen=True)
class MergeRequestView:
    id: str
    rig: str
    source: str
    source_title: str
    branch: str
    target: str
    worker: str
    status: str
    priority: int
    labels: tuple[str, ...]
    fields: dict[str, str] = field(hash=False, compare=True)
    created_at: str = ""
    diffstat: str = ""
    state: str = "pending"  # the refinery's view (refinery.MergeRequest.state)
    gates: tuple[tuple[str, bool], ...] = ()  # (name, passed) of the last gate run
    local: bool = True  # False: its rig is not on this machine, so the refinery here cannot merge it
    landing: str = ""  # where it went once merged: "pushed abc1234 to origin/main", a pull request…
    url: str = ""  # its pull request (merge_strategy "pr")
    position: int = 0  # its place in its rig's queue (1 = next; 0: merged, shown until it lands)
    batch: str = ""  # while testing: ``BATCH #P/N``
    round: str = ""  # while testing: its batch's latest round, ``round 2: [1-8] red, [1-4] running``
    live: str = ""  # while testing: its smallest stack of that round: running, green, red or flaky

    @property
    def gate_summary(self) -> str:
        """While testing, its stack's live state (``▶ running``); else ``✓ 2 passed``, or ``✗ NAME`` of
        the first gate that failed; empty before any run."""
        if self.live:
            return f"{LIVE_MARKS.get(self.live, '?')} {self.live}"
        failed = [name for name, ok in self.gates if not ok]
        if failed:
            return f"✗ {failed[0]}"
        return f"✓ {len(self.gates)} passed" if self.gates else ""


@dataclass(frozen=True)
class TownSnapshot:
    rigs: tuple[RigView, ...]
    convoys: tuple[Convoy, ...]
    merge_requests: tuple[MergeRequestView, ...]
    inbox: tuple[Message, ...]
    feed_mark: tuple[int, int]  # where the ledger's change feed was (Session.feed_mark)
    polecats: tuple[polecats.Polecat, ...] = ()
    stall_after: Mapping[str, float] = field(default_factory=dict, hash=False)

    def restated(self, live: Mapping[str, int], now: float) -> TownSnapshot:
        """The same ledger facts judged against a newer tmux activity map (the TUI polls tmux more
        often than it reads the ledger): polecats' states recomputed, the rest as it was."""
        found = tuple(polecats.restate(p, live, now, self._stall_after(p)) for p in self.polecats)
        by_id = {p.agent_id: p for p in found}
        rigs = tuple(
            dataclasses.replace(rig, agents=tuple(_as_polecat(a, by_id.get(a.id)) for a in rig.agents))
            for rig in self.rigs
        )
        return dataclasses.replace(self, rigs=rigs, polecats=found)

    def changes_at(self) -> float:
        """The epoch after which ``restated`` with the same activity map may give other states, time
        alone moving them (a stall threshold, a spawn's grace); ``inf`` when time cannot."""
        return min((polecats.changes_at(p, self._stall_after(p)) for p in self.polecats), default=math.inf)

    def _stall_after(self, polecat: polecats.Polecat) -> float:
        return self.stall_after.get(polecat.rig, 900.0)

    @property
    def unread(self) -> int:
        return sum(1 for message in self.inbox if not message.read)

    @property
    def needing_you(self) -> tuple[AgentView, ...]:
        """Agents waiting for a person, in the tree's order."""
        return tuple(a for rig in self.rigs for a in rig.agents if a.needs_you)

    def agent(self, agent_id: str) -> AgentView | None:
        for rig in self.rigs:
            for agent in rig.agents:
                if agent.id == agent_id:
                    return agent
        return None


def read_town(
    ledger,
    root: Path | None = None,
    recipient: str = addresses.OVERSEER,
    live: Mapping[str, int] | None = None,
    now: float | None = None,
) -> TownSnapshot:
    """Everything the panes show, from one read transaction (plus ``ROOT/*/rig.toml``). ``live`` is
    the town's tmux activity map (``Tmux.activity()``) the polecats' states are judged against."""
    local = _local_rigs(root)
    live, now = dict(live or {}), time.time() if now is None else now
    here = set(local) if root is not None else None  # None: no folder to judge by, all count as here
    return ledger.read(lambda s: _read(s, local, here, recipient, live, now))


def _local_rigs(root: Path | None) -> dict[str, RigConfig | None]:
    """The rigs with a ``rig.toml`` in this town (None for one that does not parse: it still shows)."""
    if root is None:
        return {}
    from ..config import RigConfig, load_model

    found: dict[str, RigConfig | None] = {}
    for path in sorted(root.glob("*/rig.toml")):
        try:
            found[path.parent.name] = load_model(RigConfig, path)
        except Exception:  # a broken rig.toml still shows the rig; `gt rig` reports the error
            found[path.parent.name] = None
    return found


def _read(
    s, local: dict[str, RigConfig | None], here: set[str] | None, recipient: str, live: dict[str, int], now: float
) -> TownSnapshot:
    from ..config import RigConfig

    last_id = s.feed_mark()
    prefixes = {name: config.prefix if config else "" for name, config in local.items()}
    for name, prefix in read_rig_prefixes(s).items():
        prefixes.setdefault(name, prefix)
    agents = read_agents(s)
    for agent in agents:
        prefixes.setdefault(agent.rig, "")
    # Rigs known only from the ledger are judged with the default thresholds.
    configs = [local.get(n) or RigConfig(name=n, prefix=p, source="") for n, p in prefixes.items()]
    found = tuple(polecats.read_polecats(s, [c for c in configs if c.prefix], live, now))
    stall_after = {c.name: c.stall_after for c in configs}
    rigs = _rig_views(prefixes, agents, {p.agent_id: p for p in found}, here, read_banners(s))
    places: dict[str, int] = {}  # each open MR's place in its rig's queue
    mrs = []
    for mr in refinery.read_queue(s):
        places[mr.rig] = places.get(mr.rig, 0) + 1
        mrs.append(_mr_view(mr, places[mr.rig], here is None or mr.rig in here))
    # then merged ones not landed on the origin yet (pull requests, held or failing pushes)
    unlanded = refinery.read_queue(s, include_closed=True, labelled=refinery.UNLANDED_LABEL)
    mrs += [_mr_view(mr, 0, here is None or mr.rig in here) for mr in unlanded if mr.state == "merged"]
    return TownSnapshot(
        rigs, tuple(convoys.listing(s)), tuple(mrs), tuple(mail.inbox(s, recipient)), last_id, found, stall_after
    )


def _rig_views(
    prefixes: dict[str, str],
    agents: list[Agent],
    found: dict[str, polecats.Polecat],
    here: set[str] | None,
    banners: dict[str, str],
) -> tuple[RigView, ...]:
    """Rigs by name, each with its agents in role order (witness, refinery, polecats, crew), a polecat
    in the state ``gt polecat list`` gives it."""
    order = {role: index for index, role in enumerate(ROLE_ORDER)}
    by_rig: dict[str, list[AgentView]] = {}
    for agent in agents:
        view = AgentView(
            id=agent.id,
            address=agent.address,
            rig=agent.rig,
            role=agent.role,
            name=agent.name,
            state=agent.agent_state,
            hook_bead=agent.hook_bead,
            hook_title=agent.hook_title,
            session=agent.session,
        )
        view = _as_polecat(view, found.get(agent.id))
        by_rig.setdefault(agent.rig, []).append(view)
    return tuple(
        RigView(
            name,
            prefixes[name],
            tuple(sorted(by_rig.get(name, []), key=lambda a: (order[a.role], a.name))),
            local=here is None or name in here,
            banner=banners.get(name, ""),
        )
        for name in sorted(prefixes)
    )


def _mr_view(mr: MergeRequest, position: int, local: bool = True) -> MergeRequestView:
    search = mr.bisection if mr.state == "testing" else None
    live = {}
    if search and search.position(mr.id):
        batch = f"{search.batch} #{search.position(mr.id)}/{len(search.order)}"
        live = {"batch": batch, "round": search.text(), "live": search.state_of(mr.id)}
    results = mr.gate_run.results if mr.gate_run else ()
    stat = mr.diffstat
    diffstat = ""
    if stat is not None:
        diffstat = f"+{stat.insertions} -{stat.deletions} ({stat.files} file{'s' if stat.files != 1 else ''})"
    return MergeRequestView(
        id=mr.id,
        rig=mr.rig,
        source=mr.source,
        source_title=mr.source_title or mr.title,
        branch=mr.branch,
        target=mr.get("target"),
        worker=mr.worker,
        status=mr.status,
        priority=mr.priority,
        labels=mr.labels,
        fields=dict(mr.fields),
        created_at=mr.created_at,
        diffstat=diffstat,
        state=mr.state,
        gates=tuple((r.name, r.ok) for r in results),
        local=local,
        landing=mr.landing.text() if mr.landing else "",
        url=mr.landing.url if mr.landing else "",
        position=position,
        **live,
    )
