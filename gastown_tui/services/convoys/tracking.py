"""Which beads a convoy tracks, and the writes: create, track, reopen, close beads and land.

A convoy is a bead (``{townprefix}-cv-xxxxx``, type convoy, label ``gt:convoy``) whose
``tracks`` dependencies point at the beads it follows; Gas Town writes a cross-rig target
as ``external:PREFIX:ID``. Every write here runs inside the caller's transaction: ``sling``
makes its auto-convoy (``ensure_convoy``) and ``gt bead close``, the refinery and molecule
steps land convoys (``close_beads``) as part of their own writes. The package's ``create``
and ``add`` are ``create_convoy`` and ``track`` in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ... import addresses
from ...errors import Conflict, InvalidInput, NotFound
from ...fieldlines import find_fields
from ...ledger import fields, ids
from ...ledger.reads import Row
from .. import addressing, mail

LABEL = "gt:convoy"
LANDED_REASON = "All tracked issues completed"


def town_prefix(s) -> str:
    return s.config("issue_prefix") or "hq"


def is_convoy(bead: Row, labels: Sequence[str]) -> bool:
    return bead["issue_type"] == "convoy" or LABEL in labels


def target(depends_on: str) -> str:
    """Gas Town writes cross-rig targets as ``external:PREFIX:ID``; the bead is ID."""
    if depends_on.startswith("external:"):
        return depends_on.split(":", 2)[-1]
    return depends_on


def _targets_for(bead_id: str) -> list[str]:
    return [bead_id, f"external:{bead_id.split('-', 1)[0]}:{bead_id}"]


def tracked_ids(s, convoy_id: str) -> list[str]:
    return list(dict.fromkeys(target(d["depends_on_id"]) for d in s.dependencies(convoy_id, "tracks")))


def oldest_convoy_created(s, bead_ids: Iterable[str]) -> dict[str, str]:
    """Bead id → creation time of the oldest convoy tracking it (beads in no convoy are left out); one query."""
    targets = {t: bead_id for bead_id in dict.fromkeys(bead_ids) for t in _targets_for(bead_id)}
    if not targets:
        return {}
    marks = ", ".join("?" * len(targets))
    out: dict[str, str] = {}
    for row in s.rows(
        "SELECT d.depends_on_id AS target, MIN(i.created_at) AS created FROM gt_dependencies d"
        f" JOIN gt_issues i ON i.id = d.issue_id WHERE d.type = 'tracks' AND d.depends_on_id IN ({marks})"
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
        "SELECT DISTINCT i.id, i.created_at FROM gt_dependencies d JOIN gt_issues i ON i.id = d.issue_id"
        f" WHERE d.type = 'tracks' AND d.depends_on_id IN ({marks}) ORDER BY i.created_at, i.id",
        targets,
    )
    return [r["id"] for r in rows]


def notify_address(description: str | None) -> str:
    """Who hears of a landing: the ``Notify:`` line of a convoy bead's description, else the overseer."""
    return find_fields(description or "").get("notify") or addresses.OVERSEER


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
    to = notify_address(convoy.get("description"))
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
