"""A convoy as a record, built here only: its tracked beads, progress, swarm, ready work, stranded, stalled.

Nothing about progress is stored: it is read off the tracked beads each time, for any number
of convoys in a fixed number of queries (``read_convoys``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ... import addresses
from ...display import JsonObject
from ...errors import InvalidInput
from ...fieldlines import find_fields
from ...ledger import fields
from ...ledger.reads import Row
from .tracking import LABEL, target

MOUNTAIN = "mountain"
# Seconds without any change to a mountain's beads before it counts as stalled
# (Gas Town's detection window); the ledger config key overrides it.
STALL_AFTER = 900.0
STALL_CONFIG_KEY = "convoy.stall_after"
WORKING = ("hooked", "in_progress")
MISSING = "missing"


@dataclass(frozen=True)
class TrackedBead:
    """A bead a convoy tracks. One the ledger does not have (an imported edge) has status ``missing``
    and no priority, type or update time."""

    id: str
    title: str
    status: str
    assignee: str | None
    priority: int | None = None
    issue_type: str | None = None
    updated_at: str | None = None
    blocked: bool = False  # waits on an open blocker
    ready: bool = False  # open, nobody on it, nothing blocking it

    @property
    def missing(self) -> bool:
        return self.status == MISSING

    @property
    def working(self) -> bool:
        """Someone is on it (hooked or in progress, with an assignee): part of the swarm."""
        return self.status in WORKING and bool(self.assignee)

    def as_json(self) -> JsonObject:
        if self.missing:
            return {"id": self.id, "title": self.title, "status": self.status, "assignee": self.assignee,
                    "blocked": self.blocked, "ready": self.ready}  # fmt: skip
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "assignee": self.assignee,
            "priority": self.priority,
            "issue_type": self.issue_type,
            "updated_at": self.updated_at,
            "blocked": self.blocked,
            "ready": self.ready,
        }


@dataclass(frozen=True)
class Convoy:
    """One convoy as ``gt convoy status``, the witness and the town view see it."""

    id: str
    title: str
    status: str
    labels: tuple[str, ...]
    owner: str
    notify: str
    created_at: str
    closed_at: str | None
    tracked: tuple[TrackedBead, ...]
    stalled: bool  # a mountain, open, unfinished, with no change for longer than the stall window
    last_activity: str | None

    @property
    def total(self) -> int:
        return len(self.tracked)

    @property
    def closed(self) -> int:
        return sum(1 for bead in self.tracked if bead.status == "closed")

    @property
    def progress(self) -> float:
        return self.closed / self.total if self.total else 0.0

    @property
    def swarm(self) -> tuple[TrackedBead, ...]:
        """The tracked beads someone is working on."""
        return tuple(bead for bead in self.tracked if bead.working)

    @property
    def ready(self) -> tuple[str, ...]:
        """Ids of the tracked beads anyone could take now."""
        return tuple(bead.id for bead in self.tracked if bead.ready)

    @property
    def stranded(self) -> bool:
        """Open, with ready work and nobody working on any of it."""
        return bool(self.status == "open" and self.ready and not self.swarm)

    @property
    def mountain(self) -> bool:
        return MOUNTAIN in self.labels

    def as_json(self) -> JsonObject:
        """What ``gt convoy … --json`` prints: the fields, the derived counts, tracked beads as objects."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "labels": list(self.labels),
            "owner": self.owner,
            "notify": self.notify,
            "created_at": self.created_at,
            "closed_at": self.closed_at,
            "total": self.total,
            "closed": self.closed,
            "progress": self.progress,
            "tracked": [bead.as_json() for bead in self.tracked],
            "swarm": [{"bead": bead.id, "assignee": bead.assignee} for bead in self.swarm],
            "ready": list(self.ready),
            "stranded": self.stranded,
            "mountain": self.mountain,
            "stalled": self.stalled,
            "last_activity": self.last_activity,
        }


def stall_after(s) -> float:
    raw = s.config(STALL_CONFIG_KEY)
    if raw is None:
        return STALL_AFTER
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(
            f"ledger config {STALL_CONFIG_KEY}={raw!r} is not a number of seconds", "set it to e.g. 900"
        ) from None


def convoy_beads(s, include_closed: bool) -> list[Row]:
    """The convoy beads (open ones unless ``include_closed``), oldest first."""
    found = {b["id"]: b for b in s.list_beads(label=LABEL, include_closed=include_closed, order="created")}
    for bead in s.list_beads(issue_type="convoy", include_closed=include_closed, order="created"):
        found.setdefault(bead["id"], bead)
    return sorted(found.values(), key=lambda b: (fields.instant(b["created_at"]), b["id"]))


def read_convoys(s, convoys: Sequence[Row], now: dt.datetime | None, stall_seconds: float | None) -> list[Convoy]:
    """The record of each convoy bead, reading all their tracked beads in a fixed number of queries."""
    ids = [c["id"] for c in convoys]
    labels = s.labels_for(ids)
    edges = _tracks_edges(s, ids)
    targets = list(dict.fromkeys(target(e["depends_on_id"]) for c in ids for e in edges[c]))
    beads = s.get_many(targets)
    blocked = _blocked(s, [t for t in targets if t in beads])
    now = now or dt.datetime.now(dt.UTC)
    seconds = stall_after(s) if stall_seconds is None else stall_seconds
    return [_convoy(c, labels[c["id"]], edges[c["id"]], beads, blocked, now, seconds) for c in convoys]


def _convoy(
    bead: Row,
    labels: list[str],
    edges: list[Row],
    beads: dict[str, Row],
    blocked: set[str],
    now: dt.datetime,
    stall_seconds: float,
) -> Convoy:
    order = list(dict.fromkeys(target(e["depends_on_id"]) for e in edges))
    tracked = tuple(_tracked(bead_id, beads.get(bead_id), blocked) for bead_id in order)
    stamps = [bead["created_at"], *(e["created_at"] for e in edges), *(t.updated_at for t in tracked)]
    times = [t for t in map(fields.parse_stamp, stamps) if t]
    last = max(times) if times else None
    unfinished = any(t.status != "closed" for t in tracked)
    quiet = bool(last and (now - last).total_seconds() > stall_seconds)
    found = find_fields(bead.get("description") or "")
    return Convoy(
        id=bead["id"],
        title=bead["title"],
        status=bead["status"],
        labels=tuple(labels),
        owner=found.get("owner") or bead.get("created_by") or "",
        notify=found.get("notify") or addresses.OVERSEER,
        created_at=bead["created_at"],
        closed_at=bead["closed_at"],
        tracked=tracked,
        stalled=MOUNTAIN in labels and bead["status"] == "open" and unfinished and quiet,
        last_activity=fields.stamp(last) if last else None,
    )


def _tracked(bead_id: str, bead: Row | None, blocked: set[str]) -> TrackedBead:
    if bead is None:
        return TrackedBead(bead_id, "", MISSING, None)
    return TrackedBead(
        id=bead_id,
        title=bead["title"],
        status=bead["status"],
        assignee=bead["assignee"],
        priority=bead["priority"],
        issue_type=bead["issue_type"],
        updated_at=bead["updated_at"],
        blocked=bead_id in blocked,
        ready=bead["status"] == "open" and not bead["assignee"] and bead_id not in blocked,
    )


def _chunks(items: Sequence[str], size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _blocked(s, bead_ids: Sequence[str]) -> set[str]:
    """Which of the beads wait on an open blocker (a blocker absent from the ledger does not block)."""
    kinds = ", ".join("?" * len(fields.BLOCKING_DEPENDENCY_TYPES))
    out: set[str] = set()
    for chunk in _chunks(bead_ids):
        rows = s.rows(
            "SELECT DISTINCT d.issue_id FROM gt_dependencies d JOIN gt_issues b ON b.id = d.depends_on_id"
            f" WHERE d.issue_id IN ({', '.join('?' * len(chunk))}) AND d.type IN ({kinds}) AND b.status <> 'closed'",
            [*chunk, *fields.BLOCKING_DEPENDENCY_TYPES],
        )
        out.update(r["issue_id"] for r in rows)
    return out


def _tracks_edges(s, convoy_ids: Sequence[str]) -> dict[str, list[Row]]:
    edges: dict[str, list[Row]] = {c: [] for c in convoy_ids}
    for chunk in _chunks(convoy_ids):
        for edge in s.rows(
            f"SELECT issue_id, depends_on_id, created_at FROM gt_dependencies WHERE type = 'tracks'"
            f" AND issue_id IN ({', '.join('?' * len(chunk))}) ORDER BY created_at, depends_on_id",
            chunk,
        ):
            edges[edge["issue_id"]].append(edge)
    return edges
