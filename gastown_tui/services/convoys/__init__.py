"""Convoys: batches of work, across rigs, tracked until every bead closes — then they land.

A convoy is a bead whose ``tracks`` dependencies point at the beads it follows; those may live
under any rig's prefix. Beads tracked from now on must exist; a ledger imported from Gas Town
may hold edges to beads it does not have (shown as missing, never done). Its description starts
with ``Owner:`` and ``Notify:`` lines. Progress is never stored: ``Convoy`` records are read off
the tracked beads each time (records.py).

Landing happens where beads close (``close_beads``, used by ``gt bead close``, the refinery and
molecule steps), in the same transaction, so a convoy can never be left open with all its work
done, nor land twice.

The API:

- the town's: ``create`` and ``add`` run in a write of their own and return the ``Convoy``.
- readers: ``status`` (one convoy) and ``listing`` (all, or those tracking a rig's beads) take
  a town or an open session (``services.scope``) and return ``Convoy`` records; the CLI, the
  witness and the town view read convoys through them.
- inside a caller's write (tracking.py): ``create_convoy``, ``track``, ``ensure_convoy`` (sling),
  ``close_beads`` and ``land_if_complete``; and the id lookups ``tracked_ids``,
  ``convoys_tracking`` and ``oldest_convoy_created`` (the refinery's queue order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...errors import InvalidInput
from .. import scope
from .records import (
    MOUNTAIN,
    STALL_AFTER,
    STALL_CONFIG_KEY,
    Convoy,
    TrackedBead,
    convoy_beads,
    read_convoys,
    stall_after,
)
from .tracking import (
    LABEL,
    LANDED_REASON,
    check_notify,
    close_beads,
    convoys_tracking,
    create_convoy,
    ensure_convoy,
    is_convoy,
    land_if_complete,
    notify_address,
    oldest_convoy_created,
    town_prefix,
    track,
    tracked_ids,
)

if TYPE_CHECKING:
    from ...ledger import Session
    from ...town import Town

__all__ = [
    "LABEL",
    "LANDED_REASON",
    "MOUNTAIN",
    "STALL_AFTER",
    "STALL_CONFIG_KEY",
    "Convoy",
    "TrackedBead",
    "add",
    "check_notify",
    "close_beads",
    "convoys_tracking",
    "create",
    "create_convoy",
    "ensure_convoy",
    "is_convoy",
    "land_if_complete",
    "listing",
    "notify_address",
    "oldest_convoy_created",
    "stall_after",
    "status",
    "town_prefix",
    "track",
    "tracked_ids",
]


def create(
    town: Town,
    title: str,
    bead_ids: Sequence[str] = (),
    *,
    notify: str | None = None,
    owner: str | None = None,
    labels: Sequence[str] = (),
) -> Convoy:
    """A new open convoy tracking ``bead_ids`` (it lands at once if they are all closed already)."""

    def write(tx) -> Convoy:
        return status(tx, create_convoy(tx, title, bead_ids, notify=notify, owner=owner, labels=labels))

    return town.ledger.write("convoy create", write)


def add(town: Town, convoy_id: str, bead_ids: Sequence[str]) -> tuple[list[str], Convoy]:
    """Track more beads (reopening a landed convoy): the beads newly tracked, and the convoy now."""

    def write(tx) -> tuple[list[str], Convoy]:
        added = track(tx, convoy_id, bead_ids)
        return added, status(tx, convoy_id)

    return town.ledger.write("convoy add", write)


def status(
    where: Town | Session, convoy_id: str, *, now: dt.datetime | None = None, stall_seconds: float | None = None
) -> Convoy:
    """One convoy: progress, tracked beads, swarm, ready work, stranded, stalled."""

    def read(s) -> Convoy:
        bead = s.get(convoy_id)
        if not is_convoy(bead, s.labels(convoy_id)):
            raise InvalidInput(f"{convoy_id} is not a convoy", "list convoys with: gt convoy list --all")
        return read_convoys(s, [bead], now, stall_seconds)[0]

    return scope.read(where, read)


def listing(
    where: Town | Session,
    *,
    include_closed: bool = False,
    prefix: str | None = None,
    now: dt.datetime | None = None,
    stall_seconds: float | None = None,
) -> list[Convoy]:
    """Every convoy (open ones unless ``include_closed``), oldest first; with ``prefix``, only those
    tracking beads under that prefix (one rig's)."""

    def read(s) -> list[Convoy]:
        if prefix is None:
            return read_convoys(s, convoy_beads(s, include_closed), now, stall_seconds)
        wanted = _tracking_prefix(s, prefix)
        if not wanted:
            return []
        return read_convoys(s, [c for c in convoy_beads(s, include_closed) if c["id"] in wanted], now, stall_seconds)

    return scope.read(where, read)


def _tracking_prefix(s, prefix: str) -> set[str]:
    rows = s.rows(
        "SELECT DISTINCT d.issue_id FROM gt_dependencies d WHERE d.type = 'tracks'"
        " AND (d.depends_on_id LIKE ? OR d.depends_on_id LIKE ?)",
        (f"{prefix}-%", f"external:{prefix}:%"),
    )
    return {r["issue_id"] for r in rows}
