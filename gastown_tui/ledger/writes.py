"""``Tx``: a write unit of the ledger (``Ledger.write``) — a ``Session`` that also writes.

Every change lands together with its events, in one transaction and (on Dolt) one Dolt commit,
or not at all. Text is cleaned and values checked here, on the way in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput
from . import fields, hashing, ids, upkeep
from .ids import WISP_INFIX
from .reads import Session
from .schema import ISSUE_DEFAULTS, ISSUE_FIELDS
from .views import BD_INFRA_TYPES, TARGET, TIME_FIELDS, wisp_table

if TYPE_CHECKING:
    from .ledger import Ledger


class Tx(Session):
    """A write unit: all its changes land together, in one Dolt commit, or not at all."""

    def __init__(self, ledger: Ledger, cur: Any, actor: str):
        super().__init__(ledger, cur)
        self.actor = actor
        self.touched: list[str] = []
        self.stamp = fields.now()
        self.after: list[Callable[[], object]] = []
        self.when = self.time(self.stamp)

    def time(self, text: Any) -> Any:
        """A ledger time as beads' DATETIME columns take it on this backend."""
        return fields.datetime_text(text) if self.ledger.backend.has_datetimes else text

    def owner(self, bead_id: str) -> str:
        """The table of beads' that holds the bead: ``issues``, or ``wisps``."""
        return "wisps" if self.scalar("SELECT 1 FROM wisps WHERE id = ?", (bead_id,)) is not None else "issues"

    def aux(self, table: str, bead_id: str) -> str:
        """Where ``table``'s rows of the bead go (``labels`` or ``wisp_labels`` …)."""
        return wisp_table(table) if self.owner(bead_id) == "wisps" else table

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this unit has committed: never for a rolled-back write, once for a
        retried one (side effects such as nudging an agent about new mail)."""
        self.after.append(callback)

    def _touch(self, bead_id: str) -> None:
        if bead_id not in self.touched:
            self.touched.append(bead_id)

    def event(
        self,
        bead_id: str,
        event_type: str,
        old: str | None = "",
        new: str | None = "",
        comment: str | None = None,
    ) -> None:
        event_id = str(uuid.uuid4())
        self.execute(
            f"INSERT INTO {self.aux('events', bead_id)} (id, issue_id, event_type, actor, old_value, new_value,"
            " comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event_id, bead_id, event_type, self.actor, old, new, comment, self.when),
        )
        self.execute("INSERT INTO gt_feed (issue_id, kind, log_id) VALUES (?, 'events', ?)", (bead_id, event_id))
        self._touch(bead_id)

    def create(
        self,
        title: str,
        *,
        prefix: str | None = None,
        bead_id: str | None = None,
        parent: str | None = None,
        labels: Iterable[str] = (),
        **columns: Any,
    ) -> str:
        """Insert a bead and its labels; returns its id.

        The id is ``bead_id`` if given, else ``parent.N`` for a child, else a fresh
        hash id under ``prefix`` (default: the ledger's ``issue_prefix``).
        """
        title = fields.clean_text(title or "").strip()
        if not title:
            raise InvalidInput("a bead needs a title", "give a short, non-empty title")
        if len(title) > 500:
            raise InvalidInput("title is longer than 500 characters", "shorten it; put detail in the description")
        unknown = set(columns) - set(ISSUE_FIELDS)
        if unknown:
            raise InvalidInput(f"unknown bead field(s): {', '.join(sorted(unknown))}")
        row = dict(ISSUE_DEFAULTS)
        row.update({k: fields.clean_field(k, v) for k, v in columns.items()})
        row["title"] = title
        row["status"] = fields.check_status(row["status"])
        row["priority"] = fields.check_priority(row["priority"])
        row["issue_type"] = fields.check_type(row["issue_type"], self.allowed_types())
        row["created_at"] = row["updated_at"] = self.stamp
        row["created_by"] = row.get("created_by") or self.actor
        if row["status"] == "closed":
            row["closed_at"] = self.stamp
        if parent:
            self.get(parent)
            bead_id = upkeep.next_child_id(self, parent)
        elif bead_id:
            fields.check_bead_id(bead_id)
            if self.exists(bead_id):
                raise Conflict(f"bead {bead_id} already exists")
        else:
            prefix = fields.check_prefix(prefix or self.config("issue_prefix") or "gt")
            if row["ephemeral"]:
                prefix += WISP_INFIX  # wisps are known by their id, as in Gas Town
            seed = f"{title}|{row['description']}|{self.actor}"
            bead_id = ids.new_id(prefix, seed, self.count_with_prefix(prefix), self.exists)
        row["id"] = bead_id
        if row["issue_type"] in BD_INFRA_TYPES:  # as bd: infra beads are wisps, marked ephemeral
            row["ephemeral"] = 1
        if not row["content_hash"]:  # as bd's insert: hashed once, as created (metadata as given)
            row["content_hash"] = hashing.content_hash(
                {**row, "metadata": row["metadata"] if "metadata" in columns else ""}
            )
        table = "wisps" if row["ephemeral"] else "issues"
        cols = ", ".join(ISSUE_FIELDS)
        marks = ", ".join("?" * len(ISSUE_FIELDS))
        values = [self.time(row[f]) if f in TIME_FIELDS else row[f] for f in ISSUE_FIELDS]
        self.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
        self.event(bead_id, "created")
        for label in labels:
            self.add_label(bead_id, label)
        if parent:
            self.add_dependency(bead_id, parent, "parent-child")
        return bead_id

    def update(self, bead_id: str, **changes: Any) -> dict[str, Any]:
        """Change fields of a bead; records one event with the old bead and the changes."""
        old = self.get(bead_id)
        bad = set(changes) - set(ISSUE_FIELDS) or ({"id", "created_at", "created_by"} & set(changes))
        if bad:
            raise InvalidInput(f"cannot change bead field(s): {', '.join(sorted(bad))}")
        if "status" in changes:
            fields.check_status(changes["status"])
        if "priority" in changes:
            changes["priority"] = fields.check_priority(changes["priority"])
        if "issue_type" in changes:
            fields.check_type(changes["issue_type"], self.allowed_types())
        changes = {k: fields.clean_field(k, v) for k, v in changes.items()}
        if "title" in changes:
            changes["title"] = str(changes["title"]).strip()
            if not changes["title"]:
                raise InvalidInput("a bead needs a title", "give a short, non-empty title")
        changes = {k: v for k, v in changes.items() if old.get(k) != v}
        if not changes:
            return old
        new_status = changes.get("status")
        if new_status == "closed":
            changes.setdefault("closed_at", self.stamp)
        elif new_status and old["status"] == "closed":
            changes["closed_at"] = None
            changes.setdefault("close_reason", "")
        changes["updated_at"] = self.stamp
        assignments = ", ".join(f"{k} = ?" for k in changes)
        values = [self.time(v) if k in TIME_FIELDS else v for k, v in changes.items()]
        self.execute(f"UPDATE {self.owner(bead_id)} SET {assignments} WHERE id = ?", [*values, bead_id])
        if new_status:
            upkeep.refresh_blocked(self, [bead_id])
        if new_status and old["status"] == "closed":
            kind = "reopened"
        elif new_status == "closed":
            kind = "closed"
        elif new_status:
            kind = "status_changed"
        else:
            kind = "updated"
        shown = {k: v for k, v in changes.items() if k != "updated_at"}
        new_value = changes.get("close_reason", "") if kind == "closed" else json.dumps(shown, sort_keys=True)
        self.event(bead_id, kind, json.dumps(_summary(old), sort_keys=True), new_value)
        return {**old, **changes}

    def close(self, bead_id: str, reason: str = "") -> dict[str, Any]:
        return self.update(bead_id, status="closed", close_reason=reason or "closed")

    def reopen(self, bead_id: str) -> dict[str, Any]:
        return self.update(bead_id, status="open")

    def set_metadata(self, bead_id: str, **values: Any) -> dict[str, Any]:
        """Merge keys into the bead's JSON ``metadata`` (None removes a key)."""
        bead = self.get(bead_id)
        meta = fields.load_metadata(bead)
        for key, value in values.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        return self.update(bead_id, metadata=json.dumps(meta, sort_keys=True))

    def add_label(self, bead_id: str, label: str) -> bool:
        fields.check_label(label)
        self.execute(
            f"{self.ledger.backend.insert_ignore} INTO {self.aux('labels', bead_id)} (issue_id, label) VALUES (?, ?)",
            (bead_id, label),
        )
        if self.cur.rowcount:
            self.event(bead_id, "label_added", comment=f"Added label: {label}")
            return True
        return False

    def remove_label(self, bead_id: str, label: str) -> bool:
        self.execute(f"DELETE FROM {self.aux('labels', bead_id)} WHERE issue_id = ? AND label = ?", (bead_id, label))
        if self.cur.rowcount:
            self.event(bead_id, "label_removed", comment=f"Removed label: {label}")
            return True
        return False

    def add_dependency(self, bead_id: str, depends_on: str, dep_type: str = "blocks") -> bool:
        """``bead_id`` depends on ``depends_on``. The target may be absent (another rig's bead)."""
        fields.check_dependency_type(dep_type)
        fields.check_bead_id(depends_on)
        self.get(bead_id)
        if bead_id == depends_on:
            raise InvalidInput(f"{bead_id} cannot depend on itself")
        existing = self.row(
            "SELECT type FROM gt_dependencies WHERE issue_id = ? AND depends_on_id = ?", (bead_id, depends_on)
        )
        if existing:
            if existing["type"] != dep_type:
                raise Conflict(
                    f"{bead_id} already has a {existing['type']!r} dependency on {depends_on}",
                    "remove it first to change its type",
                )
            return False
        if dep_type in fields.BLOCKING_DEPENDENCY_TYPES and self._reaches(depends_on, bead_id):
            raise Conflict(f"{bead_id} → {depends_on} would make a dependency cycle")
        target = "depends_on_external"  # beads names the target's table, or that it is elsewhere
        if self.exists(depends_on):
            target = "depends_on_wisp_id" if self.owner(depends_on) == "wisps" else "depends_on_issue_id"
        self.execute(
            f"INSERT INTO {self.aux('dependencies', bead_id)} (id, issue_id, {target}, type, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), bead_id, depends_on, dep_type, self.when, self.actor),
        )
        self.event(bead_id, "dependency_added", new=json.dumps({"depends_on": depends_on, "type": dep_type}))
        upkeep.refresh_blocked(self, [bead_id])
        return True

    def remove_dependency(self, bead_id: str, depends_on: str) -> bool:
        self.execute(
            f"DELETE FROM {self.aux('dependencies', bead_id)} WHERE issue_id = ? AND {TARGET} = ?",
            (bead_id, depends_on),
        )
        if self.cur.rowcount:
            self.event(bead_id, "dependency_removed", new=json.dumps({"depends_on": depends_on}))
            upkeep.refresh_blocked(self, [bead_id])
            return True
        return False

    def _reaches(self, start: str, goal: str) -> bool:
        """Is ``goal`` reachable from ``start`` along blocking edges?"""
        blocking = tuple(fields.BLOCKING_DEPENDENCY_TYPES)
        marks = ", ".join("?" * len(blocking))
        seen, frontier = {start}, [start]
        while frontier:
            node = frontier.pop()
            if node == goal:
                return True
            for r in self.rows(
                f"SELECT depends_on_id FROM gt_dependencies WHERE issue_id = ? AND type IN ({marks})", (node, *blocking)
            ):
                if r["depends_on_id"] not in seen:
                    seen.add(r["depends_on_id"])
                    frontier.append(r["depends_on_id"])
        return False

    def add_comment(self, bead_id: str, text: str, author: str | None = None) -> str:
        self.get(bead_id)
        text = fields.clean_text(text, multiline=True)
        author = fields.clean_text(author) if author else None
        if not text.strip():
            raise InvalidInput("a comment needs some text")
        comment_id = str(uuid.uuid4())
        self.execute(
            f"INSERT INTO {self.aux('comments', bead_id)} (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (comment_id, bead_id, author or self.actor, text, self.when),
        )
        self.execute("INSERT INTO gt_feed (issue_id, kind, log_id) VALUES (?, 'comments', ?)", (bead_id, comment_id))
        self.event(bead_id, "commented", comment=text)
        return comment_id

    def set_config(self, key: str, value: str) -> None:
        self.execute("REPLACE INTO config (`key`, value) VALUES (?, ?)", (key, value))
        self._touch(f"config:{key}")

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew lease ``name`` unless someone else holds it unexpired (and is alive)."""
        from .leases import holder_is_dead  # socket and uuid: only the daemons take leases

        current = self.lease_holder(name)
        if (
            current
            and current["holder"] != holder
            and current["expires_at"] > self.stamp
            and not holder_is_dead(current["holder"])
        ):
            return False
        expires = time.strftime(fields.STAMP_FORMAT, time.gmtime(time.time() + seconds))
        self.execute("REPLACE INTO gt_leases (name, holder, expires_at) VALUES (?, ?, ?)", (name, holder, expires))
        return True

    def release_lease(self, name: str, holder: str) -> None:
        self.execute("DELETE FROM gt_leases WHERE name = ? AND holder = ?", (name, holder))


def _summary(bead: dict[str, Any]) -> dict[str, Any]:
    """The old-value snapshot an update event keeps (beads' convention: the main fields)."""
    keep = (
        "id",
        "title",
        "status",
        "priority",
        "issue_type",
        "assignee",
        "owner",
        "created_at",
        "created_by",
        "updated_at",
    )
    return {k: bead[k] for k in keep if bead.get(k) not in (None, "")}
