"""The Ledger: every bead, dependency, label, comment and event, behind one API.

Reads and writes run as units of work (``Ledger.read(fn)`` / ``Ledger.write(verb,
actor, fn)``) so that a busy or lost database can be retried as a whole: a write
unit is one transaction and, on a Dolt backend, one Dolt commit inside it, whose
message names the verb, the actor and the beads it touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..errors import Conflict, GtError, InvalidInput, LedgerUnavailable, NotFound
from . import fields, ids
from .backends import Backend, LedgerURL, backend_for
from .schema import ISSUE_DEFAULTS, ISSUE_FIELDS

T = TypeVar("T")

_ISSUE_COLS = ", ".join(ISSUE_FIELDS)
# Infrastructure beads are not "work": the ready list and plain listings skip them.
INFRA_TYPES = (
    "message",
    "agent",
    "convoy",
    "merge-request",
    "molecule",
    "rig",
    "role",
    "gate",
    "slot",
    "queue",
    "event",
)
_RETRY_ATTEMPTS = 10
# Seconds a unit of work may spend retrying a refused or lost connection (a busy database is
# retried _RETRY_ATTEMPTS times instead): a server that is down is said so within ~2 s.
_RECONNECT_BUDGET = 1.0
# Ephemeral beads (wisps) get ids like ``gt-wisp-k3x``; exports leave them behind.
WISP_INFIX = "-wisp"


def default_actor() -> str:
    """Who is acting: the agent identity of a session, else the human overseer."""
    return os.environ.get("GT_ACTOR") or "overseer"


class Session:
    """Queries over one open cursor. ``Tx`` adds the writes."""

    def __init__(self, ledger: Ledger, cur):
        self.ledger = ledger
        self.cur = cur

    # -- plumbing ---------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cur.execute(self.ledger.backend.sql(sql), tuple(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(sql, params)
        names = [d[0] for d in self.cur.description]
        return [dict(zip(names, row, strict=True)) for row in self.cur.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.execute(sql, params)
        got = self.cur.fetchone()
        return got[0] if got else None

    # -- beads ------------------------------------------------------------
    def find(self, bead_id: str) -> dict[str, Any] | None:
        return self.row(f"SELECT {_ISSUE_COLS} FROM issues WHERE id = ?", (bead_id,))

    def get(self, bead_id: str) -> dict[str, Any]:
        bead = self.find(bead_id)
        if bead is None:
            fields.check_bead_id(bead_id)
            raise NotFound(f"no bead {bead_id!r} in the ledger", "list beads with: gt bead list --all")
        return bead

    def get_many(self, bead_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(bead_ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for bead in self.rows(f"SELECT {_ISSUE_COLS} FROM issues WHERE id IN ({marks})", chunk):
                found[bead["id"]] = bead
        return found

    def exists(self, bead_id: str) -> bool:
        return self.scalar("SELECT 1 FROM issues WHERE id = ?", (bead_id,)) is not None

    def list_beads(
        self,
        *,
        status: str | Sequence[str] | None = None,
        issue_type: str | None = None,
        label: str | None = None,
        labels: Sequence[str] = (),
        assignee: str | None = None,
        include_closed: bool = False,
        include_infra: bool = True,
        id_prefix: str | None = None,
        parent: str | None = None,
        limit: int | None = None,
        order: str = "priority",
    ) -> list[dict[str, Any]]:
        """Beads matching every filter given. Without ``status``, closed beads only with ``include_closed``."""
        where: list[str] = []
        params: list[Any] = []
        if isinstance(status, str):
            where.append("status = ?")
            params.append(status)
        elif status:
            where.append(f"status IN ({', '.join('?' * len(status))})")
            params.extend(status)
        elif not include_closed:
            where.append("status <> 'closed'")
        if issue_type:
            where.append("issue_type = ?")
            params.append(issue_type)
        elif not include_infra:
            where.append(f"issue_type NOT IN ({', '.join('?' * len(INFRA_TYPES))})")
            params.extend(INFRA_TYPES)
        for one in ([label] if label else []) + list(labels):
            where.append("EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = issues.id AND l.label = ?)")
            params.append(one)
        if assignee is not None:
            where.append("assignee = ?")
            params.append(assignee)
        if id_prefix:
            where.append("id LIKE ?")
            params.append(id_prefix + "%")
        if parent:
            where.append(
                "EXISTS (SELECT 1 FROM dependencies d WHERE d.issue_id = issues.id"
                " AND d.depends_on_id = ? AND d.type = 'parent-child')"
            )
            params.append(parent)
        sql = f"SELECT {_ISSUE_COLS} FROM issues"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += {
            "priority": " ORDER BY priority, created_at, id",
            "created": " ORDER BY created_at, id",
            "updated": " ORDER BY updated_at DESC, id",
            "id": " ORDER BY id",
        }[order]
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.rows(sql, params)

    def ready(
        self, *, issue_type: str | None = None, parent: str | None = None, id_prefix: str | None = None
    ) -> list[dict[str, Any]]:
        """Open work beads with no open blocker (a blocker absent from the ledger does not block);
        ``id_prefix`` keeps one rig's (``gt-``)."""
        blocking = ", ".join(f"'{t}'" for t in fields.BLOCKING_DEPENDENCY_TYPES)
        infra = ", ".join(f"'{t}'" for t in INFRA_TYPES)
        where = [
            "i.status = 'open'",
            "i.is_template = 0",
            f"NOT EXISTS (SELECT 1 FROM dependencies d JOIN issues b ON b.id = d.depends_on_id"
            f" WHERE d.issue_id = i.id AND d.type IN ({blocking}) AND b.status <> 'closed')",
        ]
        params: list[Any] = []
        if issue_type:
            where.append("i.issue_type = ?")
            params.append(issue_type)
        else:
            where.append(f"i.issue_type NOT IN ({infra})")
        if parent:
            where.append(
                "EXISTS (SELECT 1 FROM dependencies p WHERE p.issue_id = i.id"
                " AND p.depends_on_id = ? AND p.type = 'parent-child')"
            )
            params.append(parent)
        if id_prefix:
            where.append("i.id LIKE ?")
            params.append(id_prefix + "%")
        cols = ", ".join(f"i.{c}" for c in ISSUE_FIELDS)
        return self.rows(
            f"SELECT {cols} FROM issues i WHERE {' AND '.join(where)} ORDER BY i.priority, i.created_at, i.id",
            params,
        )

    def count_with_prefix(self, prefix: str) -> int:
        return int(self.scalar("SELECT COUNT(*) FROM issues WHERE id LIKE ?", (prefix + "-%",)) or 0)

    # -- labels, dependencies, comments, events ---------------------------
    def labels(self, bead_id: str) -> list[str]:
        return [r["label"] for r in self.rows("SELECT label FROM labels WHERE issue_id = ? ORDER BY label", (bead_id,))]

    def labels_for(self, bead_ids: Iterable[str]) -> dict[str, list[str]]:
        wanted = list(dict.fromkeys(bead_ids))
        out: dict[str, list[str]] = {bead_id: [] for bead_id in wanted}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for r in self.rows(f"SELECT issue_id, label FROM labels WHERE issue_id IN ({marks}) ORDER BY label", chunk):
                out[r["issue_id"]].append(r["label"])
        return out

    def dependencies(self, bead_id: str, dep_type: str | None = None) -> list[dict[str, Any]]:
        """Edges from ``bead_id`` (what it depends on / tracks / is a child of)."""
        if dep_type:
            return self.rows(
                "SELECT * FROM dependencies WHERE issue_id = ? AND type = ? ORDER BY created_at, depends_on_id",
                (bead_id, dep_type),
            )
        return self.rows("SELECT * FROM dependencies WHERE issue_id = ? ORDER BY created_at, depends_on_id", (bead_id,))

    def dependents(self, bead_id: str, dep_type: str | None = None) -> list[dict[str, Any]]:
        """Edges into ``bead_id`` (who depends on / tracks / is a child of it)."""
        if dep_type:
            return self.rows(
                "SELECT * FROM dependencies WHERE depends_on_id = ? AND type = ? ORDER BY created_at, issue_id",
                (bead_id, dep_type),
            )
        return self.rows("SELECT * FROM dependencies WHERE depends_on_id = ? ORDER BY created_at, issue_id", (bead_id,))

    def comments(self, bead_id: str) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM comments WHERE issue_id = ? ORDER BY id", (bead_id,))

    def events(self, bead_id: str) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM events WHERE issue_id = ? ORDER BY id", (bead_id,))

    def events_since(self, last_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        """The change feed: events after ``last_id``, oldest first."""
        return self.rows(f"SELECT * FROM events WHERE id > ? ORDER BY id LIMIT {int(limit)}", (last_id,))

    def last_event_id(self) -> int:
        return int(self.scalar("SELECT MAX(id) FROM events") or 0)

    def config(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM config WHERE `key` = ?", (key,))
        return default if value is None else value

    def allowed_types(self) -> tuple[str, ...]:
        custom = [t.strip() for t in (self.config("types.custom") or "").split(",") if t.strip()]
        return tuple(dict.fromkeys((*fields.BUILTIN_TYPES, *fields.GASTOWN_TYPES, *custom)))

    def lease_holder(self, name: str) -> dict[str, Any] | None:
        return self.row("SELECT name, holder, expires_at FROM leases WHERE name = ?", (name,))


class Tx(Session):
    """A write unit: all its changes land together, in one Dolt commit, or not at all."""

    def __init__(self, ledger: Ledger, cur, actor: str):
        super().__init__(ledger, cur)
        self.actor = actor
        self.touched: list[str] = []
        self.stamp = fields.now()
        self.after: list[Callable[[], object]] = []

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
        self.execute(
            "INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (bead_id, event_type, self.actor, old, new, comment, self.stamp),
        )
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
            bead_id = self._next_child_id(parent)
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
        cols = ", ".join(ISSUE_FIELDS)
        marks = ", ".join("?" * len(ISSUE_FIELDS))
        self.execute(f"INSERT INTO issues ({cols}) VALUES ({marks})", [row[f] for f in ISSUE_FIELDS])
        self.event(bead_id, "created")
        for label in labels:
            self.add_label(bead_id, label)
        if parent:
            self.add_dependency(bead_id, parent, "parent-child")
        return bead_id

    def _next_child_id(self, parent: str) -> str:
        children = self.rows("SELECT id FROM issues WHERE id LIKE ?", (parent + ".%",))
        numbers = [int(tail) for r in children if (tail := r["id"][len(parent) + 1 :]).isdigit()]
        return f"{parent}.{max(numbers, default=0) + 1}"

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
        self.execute(f"UPDATE issues SET {assignments} WHERE id = ?", [*changes.values(), bead_id])
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
        meta = load_metadata(bead)
        for key, value in values.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        return self.update(bead_id, metadata=json.dumps(meta, sort_keys=True))

    def add_label(self, bead_id: str, label: str) -> bool:
        fields.check_label(label)
        self.execute(
            f"{self.ledger.backend.insert_ignore} INTO labels (issue_id, label) VALUES (?, ?)", (bead_id, label)
        )
        if self.cur.rowcount:
            self.event(bead_id, "label_added", comment=f"Added label: {label}")
            return True
        return False

    def remove_label(self, bead_id: str, label: str) -> bool:
        self.execute("DELETE FROM labels WHERE issue_id = ? AND label = ?", (bead_id, label))
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
            "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", (bead_id, depends_on)
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
        self.execute(
            "INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
            (bead_id, depends_on, dep_type, self.stamp, self.actor),
        )
        self.event(bead_id, "dependency_added", new=json.dumps({"depends_on": depends_on, "type": dep_type}))
        return True

    def remove_dependency(self, bead_id: str, depends_on: str) -> bool:
        self.execute("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", (bead_id, depends_on))
        if self.cur.rowcount:
            self.event(bead_id, "dependency_removed", new=json.dumps({"depends_on": depends_on}))
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
                f"SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type IN ({marks})", (node, *blocking)
            ):
                if r["depends_on_id"] not in seen:
                    seen.add(r["depends_on_id"])
                    frontier.append(r["depends_on_id"])
        return False

    def add_comment(self, bead_id: str, text: str, author: str | None = None) -> int:
        self.get(bead_id)
        text = fields.clean_text(text, multiline=True)
        author = fields.clean_text(author) if author else None
        if not text.strip():
            raise InvalidInput("a comment needs some text")
        self.execute(
            "INSERT INTO comments (issue_id, author, text, created_at) VALUES (?, ?, ?, ?)",
            (bead_id, author or self.actor, text, self.stamp),
        )
        comment_id = int(self.cur.lastrowid)
        self.event(bead_id, "commented", comment=text)
        return comment_id

    def set_config(self, key: str, value: str) -> None:
        self.execute("REPLACE INTO config (`key`, value) VALUES (?, ?)", (key, value))
        self._touch(f"config:{key}")

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew lease ``name`` unless someone else holds it unexpired (and is alive)."""
        from .leases import holder_is_dead

        current = self.lease_holder(name)
        if (
            current
            and current["holder"] != holder
            and current["expires_at"] > self.stamp
            and not holder_is_dead(current["holder"])
        ):
            return False
        expires = time.strftime(fields.STAMP_FORMAT, time.gmtime(time.time() + seconds))
        self.execute("REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)", (name, holder, expires))
        return True

    def release_lease(self, name: str, holder: str) -> None:
        self.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))


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


def load_metadata(bead: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(bead.get("metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return meta if isinstance(meta, dict) else {}


class Ledger:
    """A connection to one ledger; safe to share between threads (one DB connection per thread)."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str, base: str | None = None) -> Ledger:
        return cls(backend_for(LedgerURL.parse(url, base)))

    @property
    def is_dolt(self) -> bool:
        return self.backend.is_dolt

    def describe(self) -> str:
        return self.backend.describe()

    def create(self) -> None:
        """Create the database (server) and the tables; safe to repeat."""
        if self.backend.dialect == "mysql":
            self._guard(self.backend.create_database)
        self._guard(lambda: self.backend.create_schema(self._connection(create=True)))

    # -- connections and retries -----------------------------------------
    def _connection(self, create: bool = False):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.backend.connect(create)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._connections:
                    self._connections.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._connections = self._connections, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    def _guard(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` retrying transient failures with backoff; then fail clearly."""
        delay, start = 0.02, time.monotonic()
        for attempt in range(_RETRY_ATTEMPTS):
            try:
                return fn()
            except Exception as exc:
                if not self.backend.is_transient(exc):
                    clear = self.backend.user_error(exc)
                    if clear is not None:
                        raise clear from None
                    raise
                pause = delay * (1 + random.random())
                lost = self.backend.is_disconnect(exc)
                if lost:
                    self._drop_connection()
                if attempt == _RETRY_ATTEMPTS - 1 or (lost and time.monotonic() + pause - start > _RECONNECT_BUDGET):
                    raise LedgerUnavailable(
                        f"ledger {self.describe()} unavailable: {exc}",
                        "check that the database is running and reachable, then retry",
                    ) from None
                time.sleep(pause)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def _unit(
        self,
        fn: Callable[[Any], T],
        begin: Callable[[Any], None],
        make: Callable[[Any], Session],
        commit_msg: Callable[[Session], tuple[str, str] | None],
    ) -> T:
        def attempt() -> T:
            conn = self._connection()
            cur = conn.cursor()
            try:
                begin(cur)
                session = make(cur)
                result = fn(session)
                msg = commit_msg(session)
                if msg and self.backend.is_dolt:
                    self.backend.dolt_commit(cur, *msg)
                conn.commit()
                return result, session
            except BaseException:
                try:
                    conn.rollback()
                except Exception:
                    self._drop_connection()
                raise

        result, session = self._guard(attempt)
        for callback in getattr(session, "after", ()):
            with contextlib.suppress(GtError):  # the write stands; a failed follow-up (a nudge) is no error
                callback()
        return result

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` against one consistent view of the ledger."""
        return self._unit(fn, self.backend.begin_read, lambda cur: Session(self, cur), lambda s: None)

    def write(self, verb: str, fn: Callable[[Tx], T], actor: str | None = None) -> T:
        """Run ``fn(tx)`` as one transaction (and one Dolt commit). Retried whole on transient errors."""
        who = actor or default_actor()

        def message(tx: Session) -> tuple[str, str] | None:
            assert isinstance(tx, Tx)
            if not tx.touched:
                return None
            shown = ", ".join(tx.touched[:20]) + (f" (+{len(tx.touched) - 20} more)" if len(tx.touched) > 20 else "")
            return f"gt {verb}: {shown} [by {who}]", who

        return self._unit(fn, self.backend.begin_write, lambda cur: Tx(self, cur, who), message)

    # -- read shortcuts -----------------------------------------------------
    def get(self, bead_id: str) -> dict[str, Any]:
        return self.read(lambda s: s.get(bead_id))

    def find(self, bead_id: str) -> dict[str, Any] | None:
        return self.read(lambda s: s.find(bead_id))

    def list_beads(self, **filters: Any) -> list[dict[str, Any]]:
        return self.read(lambda s: s.list_beads(**filters))

    def events_since(self, last_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        return self.read(lambda s: s.events_since(last_id, limit))
