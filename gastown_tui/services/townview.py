"""The town as the TUI shows it: one read of the ledger, returned as plain frozen records.

``read_town`` composes the services' own readers — agents, ``polecats.read_polecats`` (states
as ``gt polecat list`` gives them), ``convoys.listing``, ``refinery.read_queue`` (in ``gt mq
list``'s order) and ``mail.inbox`` — in ONE read transaction, so the panes, the CLI and the
witness agree. It issues no SQL of its own. No Textual here: the TUI calls it from a worker
thread, tests and ``bench/tui.py`` call it directly.
"""

from __future__ import annotations

import dataclasses
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


@dataclass(frozen=True)
class RigView:
    name: str
    prefix: str
    agents: tuple[AgentView, ...]


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
    position: int = 0  # its place in its rig's queue (1 = next)
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
    last_event_id: int
    polecats: tuple[polecats.Polecat, ...] = ()
    stall_after: Mapping[str, float] = field(default_factory=dict, hash=False)

    def restated(self, live: Mapping[str, int], now: float) -> TownSnapshot:
        """The same ledger facts judged against a newer tmux activity map (the TUI polls tmux more
        often than it reads the ledger): polecats' states recomputed, the rest as it was."""
        found = tuple(polecats.restate(p, live, now, self.stall_after.get(p.rig, 900.0)) for p in self.polecats)
        states = {p.agent_id: p.state for p in found}
        rigs = tuple(
            dataclasses.replace(
                rig, agents=tuple(dataclasses.replace(a, state=states.get(a.id, a.state)) for a in rig.agents)
            )
            for rig in self.rigs
        )
        return dataclasses.replace(self, rigs=rigs, polecats=found)

    @property
    def unread(self) -> int:
        return sum(1 for message in self.inbox if not message.read)

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
    return ledger.read(lambda s: _read(s, local, recipient, live, now))


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


def _read(s, local: dict[str, RigConfig | None], recipient: str, live: dict[str, int], now: float) -> TownSnapshot:
    from ..config import RigConfig

    last_id = s.last_event_id()
    prefixes = {name: config.prefix if config else "" for name, config in local.items()}
    for name, prefix in read_rig_prefixes(s).items():
        prefixes.setdefault(name, prefix)
    agents = read_agents(s)
    for agent in agents:
        prefixes.setdefault(agent.rig, "")
    # Rigs known only from the ledger are judged with the default thresholds.
    configs = [local.get(n) or RigConfig.model_construct(name=n, prefix=p, source="") for n, p in prefixes.items()]
    found = tuple(polecats.read_polecats(s, [c for c in configs if c.prefix], live, now))
    stall_after = {c.name: c.stall_after for c in configs}
    rigs = _rig_views(prefixes, agents, {p.agent_id: p.state for p in found})
    places: dict[str, int] = {}
    mrs = []
    for mr in refinery.read_queue(s):
        places[mr.rig] = places.get(mr.rig, 0) + 1
        mrs.append(_mr_view(mr, places[mr.rig]))
    return TownSnapshot(
        rigs, tuple(convoys.listing(s)), tuple(mrs), tuple(mail.inbox(s, recipient)), last_id, found, stall_after
    )


def _rig_views(prefixes: dict[str, str], agents: list[Agent], states: dict[str, str]) -> tuple[RigView, ...]:
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
            state=states.get(agent.id, agent.agent_state),
            hook_bead=agent.hook_bead,
            hook_title=agent.hook_title,
            session=agent.session,
        )
        by_rig.setdefault(agent.rig, []).append(view)
    return tuple(
        RigView(name, prefixes[name], tuple(sorted(by_rig.get(name, []), key=lambda a: (order[a.role], a.name))))
        for name in sorted(prefixes)
    )


def _mr_view(mr: MergeRequest, position: int) -> MergeRequestView:
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
        position=position,
        **live,
    )
