"""Convoys: batches of work, across rigs, tracked until every bead closes — then they land.

A convoy is a bead (``{townprefix}-cv-xxxxx``, type convoy, label ``gt:convoy``)
whose ``tracks`` dependencies point at the beads it follows; those may live under
any rig's prefix. Beads tracked from now on must exist; a ledger imported from
Gas Town may hold edges to beads it does not have (shown as missing, never done).
Its description starts with ``Owner:`` and ``Notify:`` lines. Nothing about
progress is stored: who works on what (the swarm), what is ready, stranded or
stalled is read off the tracked beads each time.

Landing happens where beads close (``close_beads``, used by ``gt bead close``, the
refinery and molecule steps), in the same transaction, so a convoy can never be
left open with all its work done, nor land twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from .. import addresses
from ..errors import Conflict, InvalidInput, NotFound
from ..fieldlines import find_fields
from ..ledger import fields, ids
from . import addressing, mail

LABEL = "gt:convoy"
MOUNTAIN = "mountain"
# Seconds without any change to a mountain's beads before it counts as stalled
# (Gas Town's detection window); the ledger config key overrides it.
STALL_AFTER = 900.0
STALL_CONFIG_KEY = "convoy.stall_after"
LANDED_REASON = "All tracked issues completed"
_WORKING = ("hooked", "in_progress")


def town_prefix(s) -> str:
    return s.config("issue_prefix") or "hq"


def is_convoy(bead: dict[str, Any], labels: Sequence[str]) -> bool:
    return bead["issue_type"] == "convoy" or LABEL in labels


def _target(depends_on: str) -> str:
    """Gas Town writes cross-rig targets as ``external:PREFIX:ID``; the bead is ID."""
    if depends_on.startswith("external:"):
        return depends_on.split(":", 2)[-1]
    return depends_on


def _targets_for(bead_id: str) -> list[str]:
    return [bead_id, f"external:{bead_id.split('-', 1)[0]}:{bead_id}"]


def tracked_ids(s, convoy_id: str) -> list[str]:
    return list(dict.fromkeys(_target(d["depends_on_id"]) for d in s.dependencies(convoy_id, "tracks")))


def oldest_convoy_created(s, bead_ids: Iterable[str]) -> dict[str, str]:
    """Bead id → creation time of the oldest convoy tracking it (beads in no convoy are left out); one query."""
    targets = {t: bead_id for bead_id in dict.fromkeys(bead_ids) for t in _targets_for(bead_id)}
    if not targets:
        return {}
    marks = ", ".join("?" * len(targets))
    out: dict[str, str] = {}
    for row in s.rows(
        "SELECT d.depends_on_id AS target, MIN(i.created_at) AS created FROM dependencies d"
        f" JOIN issues i ON i.id = d.issue_id WHERE d.type = 'tracks' AND d.depends_on_id IN ({marks})"
        " GROUP BY d.depends_on_id",
        list(targets),
    ):
        bead_id = targets[row["target"]]
        out[bead_id] = min(out.get(bead_id, row["created"]), row["created"])
    return out


def convoys_tracking(s, bead_ids: Iterable[str]) -> list[str]:
    """Ids of the convoys that track any of ``bead_ids``, oldest first."""
    targets = [t for bead_id in dict.fromkeys(bead_ids) for t in _targets_for(bead_id)]
    if not targets:
        return []
    marks = ", ".join("?" * len(targets))
    rows = s.rows(
        "SELECT DISTINCT i.id, i.created_at FROM dependencies d JOIN issues i ON i.id = d.issue_id"
        f" WHERE d.type = 'tracks' AND d.depends_on_id IN ({marks}) ORDER BY i.created_at, i.id",
        targets,
    )
    return [r["id"] for r in rows]


def notify_address(convoy: dict[str, Any]) -> str:
    return find_fields(convoy.get("description") or "").get("notify") or addresses.OVERSEER


# -- writing ------------------------------------------------------------------------------


def _new_id(tx) -> str:
    """``{townprefix}-cv-`` and 5 base36 characters, as Gas Town makes them; retried on collision."""
    prefix = f"{town_prefix(tx)}-cv"
    for nonce in range(100):
        convoy_id = ids.candidate(prefix, tx.actor, 5, nonce)
        if not tx.exists(convoy_id):
            return convoy_id
    raise Conflict("could not find a free convoy id", "retry")


def check_notify(s, address: str) -> str:
    """The notify address, checked now so that landing later cannot fail on it."""
    addressing.resolve(s, address)
    return addressing.normalize(address)


def _known_beads(tx, bead_ids: Sequence[str]) -> list[str]:
    """The ids, once each, after checking they name beads in the ledger: a convoy tracking a bead
    that does not exist could never land. (An imported ledger may still hold such edges.)"""
    wanted = list(dict.fromkeys(bead_ids))
    for bead_id in wanted:
        fields.check_bead_id(bead_id)
    found = tx.get_many(wanted)
    missing = [b for b in wanted if b not in found]
    if missing:
        raise NotFound(
            f"no bead{'s' if len(missing) > 1 else ''} {', '.join(missing)} in the ledger",
            "check the ids with: gt bead list --all",
        )
    return wanted


def create_convoy(
    tx,
    title: str,
    bead_ids: Sequence[str] = (),
    *,
    notify: str | None = None,
    owner: str | None = None,
    labels: Sequence[str] = (),
) -> str:
    """A new open convoy tracking ``bead_ids``; lands at once if they are all closed already."""
    bead_ids = _known_beads(tx, bead_ids)
    notify = check_notify(tx, notify) if notify else addresses.OVERSEER
    description = f"Owner: {owner or tx.actor}\nNotify: {notify}\n\nLands when every tracked bead is closed."
    convoy_id = tx.create(
        title,
        bead_id=_new_id(tx),
        issue_type="convoy",
        description=description,
        labels=list(dict.fromkeys([LABEL, *labels])),
    )
    track(tx, convoy_id, bead_ids)
    return convoy_id


def track(tx, convoy_id: str, bead_ids: Sequence[str]) -> list[str]:
    """Add beads to a convoy (reopening it if it had landed). Returns the beads newly tracked."""
    convoy = tx.get(convoy_id)
    if not is_convoy(convoy, tx.labels(convoy_id)):
        raise InvalidInput(f"{convoy_id} is not a convoy", "list convoys with: gt convoy list --all")
    already = set(tracked_ids(tx, convoy_id))
    added = []
    for bead_id in _known_beads(tx, bead_ids):
        if bead_id == convoy_id:
            raise InvalidInput(f"convoy {convoy_id} cannot track itself")
        if bead_id not in already:
            tx.add_dependency(convoy_id, bead_id, "tracks")
            added.append(bead_id)
    if added and convoy["status"] == "closed":
        tx.reopen(convoy_id)
    land_if_complete(tx, convoy_id)
    return added


def ensure_convoy(tx, bead_id: str) -> str:
    """The convoy tracking ``bead_id``, made (``Work: TITLE``) if it has none — Gas Town's auto-convoy on sling.

    An open convoy is preferred; a landed one is reopened when the bead is not closed.
    """
    bead = tx.get(bead_id)
    existing = convoys_tracking(tx, [bead_id])
    if not existing:
        return create_convoy(tx, f"Work: {bead['title']}", [bead_id])
    current = tx.get_many(existing)
    for convoy_id in existing:
        if current[convoy_id]["status"] != "closed":
            return convoy_id
    convoy_id = existing[-1]
    if bead["status"] != "closed":
        tx.reopen(convoy_id)
    return convoy_id


def close_beads(tx, bead_ids: Sequence[str], reason: str = "") -> list[str]:
    """Close the beads, then land every convoy they complete (one mail each). Returns landed convoy ids."""
    for bead_id in dict.fromkeys(bead_ids):
        if tx.get(bead_id)["status"] != "closed":
            tx.close(bead_id, reason)
    return [c for c in convoys_tracking(tx, bead_ids) if land_if_complete(tx, c)]


def land_if_complete(tx, convoy_id: str) -> bool:
    """Close an open convoy whose tracked beads are all closed and mail its notify address.

    Zero tracked beads never land, nor do beads missing from the ledger count as done.
    """
    convoy = tx.get(convoy_id)
    if convoy["status"] != "open":
        return False
    tracked = tracked_ids(tx, convoy_id)
    beads = tx.get_many(tracked)
    if not tracked or len(beads) < len(tracked) or any(b["status"] != "closed" for b in beads.values()):
        return False
    tx.close(convoy_id, LANDED_REASON)
    to = notify_address(convoy)
    try:
        addressing.resolve(tx, to)
    except InvalidInput:
        to = addresses.OVERSEER  # the notify agent is gone: the landing must still be heard
    lines = "\n".join(f"- {b} {beads[b]['title']}" for b in tracked)
    mail.send_in(
        tx,
        sender=tx.actor,
        to=to,
        subject=f"🚚 Convoy landed: {convoy['title']}",
        body=f"Convoy {convoy_id} has landed: all {len(tracked)} tracked beads are closed.\n\n{lines}",
    )
    return True


# -- reading ------------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _blocked(s, bead_ids: Sequence[str]) -> set[str]:
    """Which of the beads wait on an open blocker (a blocker absent from the ledger does not block)."""
    kinds = ", ".join("?" * len(fields.BLOCKING_DEPENDENCY_TYPES))
    out: set[str] = set()
    for chunk in _chunks(bead_ids):
        rows = s.rows(
            "SELECT DISTINCT d.issue_id FROM dependencies d JOIN issues b ON b.id = d.depends_on_id"
            f" WHERE d.issue_id IN ({', '.join('?' * len(chunk))}) AND d.type IN ({kinds}) AND b.status <> 'closed'",
            [*chunk, *fields.BLOCKING_DEPENDENCY_TYPES],
        )
        out.update(r["issue_id"] for r in rows)
    return out


def _tracks_edges(s, convoy_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    edges: dict[str, list[dict[str, Any]]] = {c: [] for c in convoy_ids}
    for chunk in _chunks(convoy_ids):
        for edge in s.rows(
            f"SELECT issue_id, depends_on_id, created_at FROM dependencies WHERE type = 'tracks'"
            f" AND issue_id IN ({', '.join('?' * len(chunk))}) ORDER BY created_at, depends_on_id",
            chunk,
        ):
            edges[edge["issue_id"]].append(edge)
    return edges


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


def _statuses(
    s, convoys: Sequence[dict[str, Any]], now: dt.datetime | None, stall_seconds: float | None
) -> list[dict[str, Any]]:
    """Status of each convoy, reading all their tracked beads in a fixed number of queries."""
    ids = [c["id"] for c in convoys]
    labels = s.labels_for(ids)
    edges = _tracks_edges(s, ids)
    targets = list(dict.fromkeys(_target(e["depends_on_id"]) for c in ids for e in edges[c]))
    beads = s.get_many(targets)
    blocked = _blocked(s, [t for t in targets if t in beads])
    now = now or dt.datetime.now(dt.UTC)
    seconds = stall_after(s) if stall_seconds is None else stall_seconds
    return [_status(c, labels[c["id"]], edges[c["id"]], beads, blocked, now, seconds) for c in convoys]


def _tracked(bead_id: str, bead: dict[str, Any] | None, blocked: set[str]) -> dict[str, Any]:
    if bead is None:
        return {"id": bead_id, "title": "", "status": "missing", "assignee": None, "blocked": False, "ready": False}
    return {
        "id": bead_id,
        "title": bead["title"],
        "status": bead["status"],
        "assignee": bead["assignee"],
        "priority": bead["priority"],
        "issue_type": bead["issue_type"],
        "updated_at": bead["updated_at"],
        "blocked": bead_id in blocked,
        "ready": bead["status"] == "open" and not bead["assignee"] and bead_id not in blocked,
    }


def _status(
    convoy: dict[str, Any],
    labels: list[str],
    edges: list[dict[str, Any]],
    beads: dict[str, dict[str, Any]],
    blocked: set[str],
    now: dt.datetime,
    stall_seconds: float,
) -> dict[str, Any]:
    convoy_id = convoy["id"]
    order = list(dict.fromkeys(_target(e["depends_on_id"]) for e in edges))
    tracked = [_tracked(bead_id, beads.get(bead_id), blocked) for bead_id in order]
    total = len(tracked)
    closed = sum(1 for t in tracked if t["status"] == "closed")
    swarm = [{"bead": t["id"], "assignee": t["assignee"]} for t in tracked if t["status"] in _WORKING and t["assignee"]]
    ready = [t["id"] for t in tracked if t["ready"]]
    is_open = convoy["status"] == "open"
    stamps = [convoy["created_at"], *(e["created_at"] for e in edges), *(t.get("updated_at") for t in tracked)]
    times = [t for t in map(fields.parse_stamp, stamps) if t]
    last = max(times) if times else None
    mountain = MOUNTAIN in labels
    stalled = bool(mountain and is_open and closed < total and last and (now - last).total_seconds() > stall_seconds)
    found = find_fields(convoy.get("description") or "")
    return {
        "id": convoy_id,
        "title": convoy["title"],
        "status": convoy["status"],
        "labels": labels,
        "owner": found.get("owner") or convoy.get("created_by") or "",
        "notify": found.get("notify") or addresses.OVERSEER,
        "created_at": convoy["created_at"],
        "closed_at": convoy["closed_at"],
        "total": total,
        "closed": closed,
        "progress": closed / total if total else 0.0,
        "tracked": tracked,
        "swarm": swarm,
        "ready": ready,
        "stranded": bool(is_open and ready and not swarm),
        "mountain": mountain,
        "stalled": stalled,
        "last_activity": fields.stamp(last) if last else None,
    }


def convoy_status(
    s, convoy_id: str, *, now: dt.datetime | None = None, stall_seconds: float | None = None
) -> dict[str, Any]:
    """Everything about one convoy: progress, tracked beads, swarm, ready work, stranded, stalled."""
    convoy = s.get(convoy_id)
    if not is_convoy(convoy, s.labels(convoy_id)):
        raise InvalidInput(f"{convoy_id} is not a convoy", "list convoys with: gt convoy list --all")
    return _statuses(s, [convoy], now, stall_seconds)[0]


def list_convoys(
    s, include_closed: bool = False, *, now: dt.datetime | None = None, stall_seconds: float | None = None
) -> list[dict[str, Any]]:
    """The status of every convoy (open ones unless ``include_closed``), oldest first."""
    return _statuses(s, _convoy_beads(s, include_closed), now, stall_seconds)


def convoys_of_prefix(s, prefix: str) -> list[dict[str, Any]]:
    """The status of the open convoys that track beads under ``prefix`` (one rig's), oldest first."""
    rows = s.rows(
        "SELECT DISTINCT d.issue_id FROM dependencies d WHERE d.type = 'tracks'"
        " AND (d.depends_on_id LIKE ? OR d.depends_on_id LIKE ?)",
        (f"{prefix}-%", f"external:{prefix}:%"),
    )
    wanted = {r["issue_id"] for r in rows}
    return _statuses(s, [c for c in _convoy_beads(s, False) if c["id"] in wanted], None, None) if wanted else []


def _convoy_beads(s, include_closed: bool) -> list[dict[str, Any]]:
    found = {b["id"]: b for b in s.list_beads(label=LABEL, include_closed=include_closed, order="created")}
    for bead in s.list_beads(issue_type="convoy", include_closed=include_closed, order="created"):
        found.setdefault(bead["id"], bead)
    return sorted(found.values(), key=lambda b: (b["created_at"] or "", b["id"]))
