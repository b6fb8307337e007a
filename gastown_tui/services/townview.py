"""The town as the TUI shows it: one read of the ledger, returned as plain frozen records.

``read_town`` gathers rigs, agents with their state and hooked bead, open convoys
with progress, the merge queue and the overseer's inbox in ONE read transaction
(a consistent picture, a handful of queries whatever the town's size). No Textual
here: the TUI calls it from a worker thread, tests and ``bench/tui.py`` call it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import addresses
from ..fieldlines import find_fields
from . import mail
from .mail import Message
from .refinery import MergeRequest

ROLE_ORDER = ("witness", "refinery", "polecat", "crew")


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


@dataclass(frozen=True)
class TrackedBead:
    id: str
    title: str
    status: str
    assignee: str


@dataclass(frozen=True)
class ConvoyView:
    id: str
    title: str
    status: str
    tracked: tuple[TrackedBead, ...]
    stranded: bool

    @property
    def total(self) -> int:
        return len(self.tracked)

    @property
    def closed(self) -> int:
        return sum(1 for bead in self.tracked if bead.status == "closed")

    @property
    def progress(self) -> float:
        return self.closed / self.total if self.total else 0.0


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

    @property
    def gate_summary(self) -> str:
        """``✓ 2 passed``, or ``✗ NAME`` of the first gate that failed; empty before any run."""
        failed = [name for name, ok in self.gates if not ok]
        if failed:
            return f"✗ {failed[0]}"
        return f"✓ {len(self.gates)} passed" if self.gates else ""


@dataclass(frozen=True)
class TownSnapshot:
    rigs: tuple[RigView, ...]
    convoys: tuple[ConvoyView, ...]
    merge_requests: tuple[MergeRequestView, ...]
    inbox: tuple[Message, ...]
    last_event_id: int

    @property
    def unread(self) -> int:
        return sum(1 for message in self.inbox if not message.read)

    def agent(self, agent_id: str) -> AgentView | None:
        for rig in self.rigs:
            for agent in rig.agents:
                if agent.id == agent_id:
                    return agent
        return None


def _kind(kind: str) -> str:
    """Beads of a Gas Town kind: its ``gt:KIND`` label or its issue_type (either marks it)."""
    return (
        f"(issues.issue_type = '{kind}' OR EXISTS (SELECT 1 FROM labels l"
        f" WHERE l.issue_id = issues.id AND l.label = 'gt:{kind}'))"
    )


_COLS = "id, title, description, status, priority, assignee, created_at, sender, metadata"


def read_town(ledger, root: Path | None = None, recipient: str = addresses.OVERSEER) -> TownSnapshot:
    """Everything the panes show, from one read transaction (plus ``ROOT/*/rig.toml`` for rig names)."""
    rig_files = _rig_files(root)
    return ledger.read(lambda s: _read(s, rig_files, recipient))


def _rig_files(root: Path | None) -> dict[str, str]:
    if root is None:
        return {}
    from ..tomlfile import read_toml

    found: dict[str, str] = {}
    for path in sorted(root.glob("*/rig.toml")):
        try:
            found[path.parent.name] = str(read_toml(path).get("prefix", ""))
        except Exception:  # a broken rig.toml still shows the rig; `gt rig` reports the error
            found[path.parent.name] = ""
    return found


def _read(s, rig_files: dict[str, str], recipient: str) -> TownSnapshot:
    last_id = s.last_event_id()
    rigs = _rigs(s, rig_files)
    convoys = _convoys(s)
    mrs = _merge_requests(s)
    inbox = tuple(mail.inbox(s, recipient))
    return TownSnapshot(rigs, convoys, mrs, inbox, last_id)


def _rigs(s, rig_files: dict[str, str]) -> tuple[RigView, ...]:
    prefixes = dict(rig_files)
    for bead in s.rows(f"SELECT {_COLS} FROM issues WHERE {_kind('rig')} AND status <> 'closed'"):
        fields = find_fields(bead["description"])
        prefixes.setdefault(bead["title"], fields.get("prefix", ""))
    hooked = {
        r["assignee"]: r
        for r in s.rows("SELECT id, title, assignee FROM issues WHERE status = 'hooked'")
        if r["assignee"]
    }
    titles: dict[str, str] = {}
    by_rig: dict[str, list[AgentView]] = {}
    agent_rows = s.rows(f"SELECT {_COLS} FROM issues WHERE {_kind('agent')} AND status <> 'closed' ORDER BY id")
    hook_ids = [find_fields(r["description"]).get("hook_bead", "") for r in agent_rows]
    missing = [h for h in hook_ids if h and h not in titles]
    if missing:
        titles.update({bead_id: bead["title"] for bead_id, bead in s.get_many(missing).items()})
    for row, hook_id in zip(agent_rows, hook_ids, strict=True):
        agent = _agent(row, hooked, titles, hook_id)
        if agent is not None:
            by_rig.setdefault(agent.rig, []).append(agent)
            prefixes.setdefault(agent.rig, "")
    order = {role: index for index, role in enumerate(ROLE_ORDER)}
    return tuple(
        RigView(
            name,
            prefixes[name],
            tuple(sorted(by_rig.get(name, []), key=lambda a: (order.get(a.role, len(order)), a.name))),
        )
        for name in sorted(prefixes)
    )


def _agent(row: dict[str, Any], hooked: dict, titles: dict[str, str], hook_id: str) -> AgentView | None:
    fields = find_fields(row["description"])
    rig, role = fields.get("rig", ""), fields.get("role_type", "")
    if not rig or not role:
        return None  # town-level agents (mayor, deacon) have no rig row in the tree
    name = row["id"].rsplit(f"-{role}-", 1)[1] if f"-{role}-" in row["id"] else ""
    if role == "polecat":
        address = addresses.polecat(rig, name)
    elif role in ("witness", "refinery"):
        address = f"{rig}/{role}"
    else:
        address = f"{rig}/{role}/{name}"
    hook = hooked.get(address)
    if hook is not None:
        hook_id, hook_title = hook["id"], hook["title"]
    else:
        hook_title = titles.get(hook_id, "")
    session = fields.get("session") or (addresses.session_name(rig, name) if role == "polecat" else "")
    return AgentView(
        id=row["id"],
        address=address,
        rig=rig,
        role=role,
        name=name or role,
        state=fields.get("agent_state", "") or "idle",
        hook_bead=hook_id,
        hook_title=hook_title,
        session=session,
    )


def _convoys(s) -> tuple[ConvoyView, ...]:
    """Open convoys as ``convoys.list_convoys`` reports them, so the board, ``gt convoy status``
    and the witness agree on progress and on what is stranded."""
    from .convoys import list_convoys

    return tuple(
        ConvoyView(
            c["id"],
            c["title"],
            c["status"],
            tuple(TrackedBead(t["id"], t["title"] or "", t["status"], t["assignee"] or "") for t in c["tracked"]),
            stranded=c["stranded"],
        )
        for c in list_convoys(s)
    )


def _merge_requests(s) -> tuple[MergeRequestView, ...]:
    rows = s.rows(
        f"SELECT {_COLS} FROM issues WHERE {_kind('merge-request')} AND status <> 'closed' ORDER BY priority, created_at, id"
    )
    labels = s.labels_for(r["id"] for r in rows)
    parsed = [find_fields(r["description"]) for r in rows]
    sources = s.get_many(f["source_issue"] for f in parsed if f.get("source_issue"))
    out = []
    for row, fields in zip(rows, parsed, strict=True):
        source = fields.get("source_issue", "")
        mr = MergeRequest.from_bead(row, labels[row["id"]])
        run = mr.metadata.get("gates") or {}
        out.append(
            MergeRequestView(
                id=row["id"],
                rig=fields.get("rig", ""),
                source=source,
                source_title=sources[source]["title"] if source in sources else row["title"],
                branch=fields.get("branch", ""),
                target=fields.get("target", ""),
                worker=fields.get("worker", ""),
                status=row["status"],
                priority=int(row["priority"] or 0),
                labels=tuple(labels[row["id"]]),
                fields=fields,
                created_at=row["created_at"] or "",
                diffstat=_diffstat(mr.metadata.get("diffstat")),
                state=mr.state,
                gates=tuple((r.get("name", "?"), bool(r.get("ok"))) for r in run.get("results", [])),
            )
        )
    return tuple(out)


def _diffstat(stat: Any) -> str:
    """``+12 -3 (2 files)`` from the refinery's diffstat metadata."""
    if not isinstance(stat, dict):
        return ""
    files = int(stat.get("files", 0) or 0)
    return f"+{stat.get('insertions', 0)} -{stat.get('deletions', 0)} ({files} file{'s' if files != 1 else ''})"
