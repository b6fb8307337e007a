"""Beads by hand: the ``Bead`` record and the town-level verbs of ``gt bead``, ``gt import/export/history``.

``Bead`` is built in one place, ``Bead.from_row``, from a row of the ledger's ``issues`` table;
its fields are those columns, by name (beads' names), so ``as_json`` gives what ``--json`` has
always given. Each function here runs its own unit of work on the town's ledger: callers pass
values, never a transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..display import JsonObject
from ..ledger import fields
from ..ledger.schema import ISSUE_FIELDS
from ..ledger.views import BD_INFRA_TYPES

if TYPE_CHECKING:
    from ..ledger import Session, Tx
    from ..town import Town


@dataclass(frozen=True)
class Dependency:
    """An edge between two beads: ``issue_id`` depends on (tracks, is a child of…) ``depends_on_id``."""

    issue_id: str
    depends_on_id: str
    type: str
    created_at: str | None
    created_by: str | None
    metadata: str | None  # beads' edge data: JSON (a waits-for gate's {"gate": "any-children"} …)
    thread_id: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Dependency:
        return cls(*(row[f.name] for f in dataclasses.fields(cls)))

    def as_json(self) -> JsonObject:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Comment:
    """A comment on a bead, oldest first."""

    id: int | str
    issue_id: str
    author: str | None
    text: str | None
    created_at: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Comment:
        return cls(*(row[f.name] for f in dataclasses.fields(cls)))

    def as_json(self) -> JsonObject:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Bead:
    """One bead: every column of its ``issues`` row, and — where a view reads them (``show``) —
    its labels, its dependencies both ways and its comments (None: not read).

    Columns a ledger may hold empty (an imported backup keeps its nulls) are typed ``| None``.
    """

    id: str
    title: str
    description: str | None
    design: str | None
    acceptance_criteria: str | None
    notes: str | None
    status: str
    priority: int
    issue_type: str
    assignee: str | None
    owner: str | None
    estimated_minutes: int | None
    created_at: str | None
    created_by: str | None
    updated_at: str | None
    closed_at: str | None
    closed_by_session: str | None
    close_reason: str | None
    external_ref: str | None
    spec_id: str | None
    content_hash: str | None
    compaction_level: int | None
    compacted_at: str | None
    compacted_at_commit: str | None
    original_size: int | None
    sender: str | None
    ephemeral: int | None
    wisp_type: str | None
    pinned: int | None
    is_template: int | None
    mol_type: str | None
    work_type: str | None
    source_system: str | None
    source_repo: str | None
    metadata: str | None
    event_kind: str | None
    actor: str | None
    target: str | None
    payload: str | None
    await_type: str | None
    await_id: str | None
    timeout_ns: int | None
    waiters: str | None
    hook_bead: str | None
    role_bead: str | None
    agent_state: str | None
    last_activity: str | None
    role_type: str | None
    rig: str | None
    due_at: str | None
    defer_until: str | None
    no_history: int | None
    started_at: str | None
    labels: tuple[str, ...] | None = None
    dependencies: tuple[Dependency, ...] | None = None
    dependents: tuple[Dependency, ...] | None = None
    comments: tuple[Comment, ...] | None = None
    # What an imported record had beyond the columns (a tombstone's deleted_at/by, delete_reason…).
    extras: Mapping[str, Any] | None = None

    @classmethod
    def from_row(
        cls,
        row: Mapping[str, Any],
        *,
        labels: Iterable[str] | None = None,
        dependencies: Iterable[Mapping[str, Any]] | None = None,
        dependents: Iterable[Mapping[str, Any]] | None = None,
        comments: Iterable[Mapping[str, Any]] | None = None,
        extras: Mapping[str, Any] | None = None,
    ) -> Bead:
        """The record of a ledger row (and of the edge and comment rows read with it)."""
        return cls(
            **{name: row[name] for name in ISSUE_FIELDS},
            labels=None if labels is None else tuple(labels),
            dependencies=None if dependencies is None else tuple(map(Dependency.from_row, dependencies)),
            dependents=None if dependents is None else tuple(map(Dependency.from_row, dependents)),
            comments=None if comments is None else tuple(map(Comment.from_row, comments)),
            extras=extras,
        )

    @property
    def deleted(self) -> bool:
        return self.status == fields.TOMBSTONE

    def as_json(self) -> JsonObject:
        """The bead as ``--json`` gives it: its columns by name, then what was read with it."""
        out: dict[str, Any] = {name: getattr(self, name) for name in ISSUE_FIELDS}
        if self.labels is not None:
            out["labels"] = list(self.labels)
        if self.dependencies is not None:
            out["dependencies"] = [d.as_json() for d in self.dependencies]
        if self.dependents is not None:
            out["dependents"] = [d.as_json() for d in self.dependents]
        if self.comments is not None:
            out["comments"] = [c.as_json() for c in self.comments]
        if self.extras:
            out["extras"] = dict(self.extras)
        return out


@dataclass(frozen=True, slots=True)
class BeadLine:
    """What a line of ``gt bead list`` shows: a bead read without its texts and other columns
    (a list of thousands reads these few, not every column of every bead)."""

    id: str
    priority: int
    status: str
    issue_type: str
    title: str
    assignee: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BeadLine:
        return cls(row["id"], row["priority"], row["status"], row["issue_type"], row["title"], row["assignee"])


_LINE_FIELDS = tuple(f.name for f in dataclasses.fields(BeadLine))


def _read_in_full(session: Session, bead_id: str) -> Bead:
    return Bead.from_row(
        session.as_written(session.get(bead_id)),
        labels=session.labels(bead_id),
        dependencies=session.dependencies(bead_id),
        dependents=session.dependents(bead_id),
        comments=session.comments(bead_id),
        extras=session.extras("issues", bead_id),
    )


# -- reads -------------------------------------------------------------------------------------
def get(town: Town, bead_id: str) -> Bead:
    return Bead.from_row(town.ledger.get(bead_id))


def show(town: Town, bead_id: str) -> Bead:
    """The bead with its labels, dependencies both ways and comments, read together."""
    return town.ledger.read(lambda session: _read_in_full(session, bead_id))


def list_beads(town: Town, **filters: Any) -> list[Bead]:
    """Beads with every filter given (see ``_listed``)."""
    return [Bead.from_row(row) for row in _listed(town, ISSUE_FIELDS, **filters)]


def list_lines(town: Town, **filters: Any) -> list[BeadLine]:
    """``list_beads`` as list lines, read without the rest of each bead."""
    return [BeadLine.from_row(row) for row in _listed(town, _LINE_FIELDS, **filters)]


def _listed(
    town: Town,
    columns: tuple[str, ...],
    *,
    status: str | None = None,
    issue_type: str | None = None,
    labels: Iterable[str] = (),
    assignee: str | None = None,
    include_closed: bool = False,
    include_deleted: bool = False,
    include_infra: bool = False,
    include_gates: bool = False,
    include_templates: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Rows of the beads with every filter given (all labels), by ``bd list``'s defaults (beads
    v1.0.5, cmd/bd/list.go): open ones unless ``status`` or ``include_closed`` (which also shows
    pinned ones), deleted ones (tombstones) only by ``status`` or ``include_deleted``; wisps too, but
    not infra beads (agent, rig, role, message), gates or templates unless included or ``issue_type``
    names the type."""
    if status and status != fields.TOMBSTONE and not _status_in_use(town, status):
        fields.check_status(status)  # a status of another town's that some bead has is a fine filter
    hidden_types = (
        [] if issue_type else [*(() if include_infra else BD_INFRA_TYPES), *(() if include_gates else ("gate",))]
    )
    unflagged = [] if include_templates else ["is_template"]
    if not include_closed and status not in ("pinned", "hooked"):
        unflagged.append("pinned")  # bd: pinned beads are references, not work
    return town.ledger.list_beads(
        status=status,
        issue_type=issue_type,
        labels=list(labels),
        assignee=assignee,
        include_closed=include_closed,
        include_deleted=include_deleted,
        exclude_statuses=() if status or include_closed else ("pinned",),
        exclude_types=hidden_types,
        unflagged=unflagged,
        limit=limit,
        columns=columns,
    )


def _status_in_use(town: Town, status: str) -> bool:
    return (
        town.ledger.read(lambda s: s.scalar("SELECT 1 FROM gt_issues WHERE status = ? LIMIT 1", (status,))) is not None
    )


def ready(town: Town, issue_type: str | None = None) -> list[Bead]:
    """Open work beads with no open blocker."""
    return [Bead.from_row(row) for row in town.ledger.read(lambda session: session.ready(issue_type=issue_type))]


def history(town: Town, bead_id: str) -> list[JsonObject]:
    """The Dolt commits that touched the bead, newest first (see ``ledger.history``)."""
    from ..ledger.history import bead_history

    return bead_history(town.ledger, bead_id)


# -- writes ------------------------------------------------------------------------------------
def create(
    town: Town,
    title: str,
    *,
    description: str = "",
    issue_type: str = "task",
    priority: int | str = 2,
    labels: Iterable[str] = (),
    parent: str | None = None,
    assignee: str | None = None,
    rig: str | None = None,
) -> Bead:
    """A new bead under the town's prefix, or ``rig``'s (``PARENT.N`` for a child of ``parent``)."""
    from .rigpaths import load_rig

    prefix = load_rig(town, rig).prefix if rig else town.prefix
    columns: dict[str, Any] = {"description": description, "issue_type": issue_type, "priority": priority}
    if assignee:
        columns["assignee"] = assignee

    def make(tx: Tx) -> Bead:
        bead_id = tx.create(title, prefix=prefix, parent=parent, labels=labels, **columns)
        return Bead.from_row(tx.get(bead_id))

    return town.ledger.write("bead create", make)


def update(
    town: Town,
    bead_id: str,
    *,
    add_labels: Iterable[str] = (),
    remove_labels: Iterable[str] = (),
    **changes: Any,
) -> Bead:
    """Change columns of a bead (``assignee=None`` clears it) and its labels; the bead as changed
    (its columns only)."""

    def apply(tx: Tx) -> Bead:
        row = tx.update(bead_id, **changes) if changes else tx.get(bead_id)
        for label in add_labels:
            tx.add_label(bead_id, label)
        for label in remove_labels:
            tx.remove_label(bead_id, label)
        return Bead.from_row(row)

    return town.ledger.write("bead update", apply)


def close(town: Town, bead_id: str, reason: str = "") -> tuple[Bead, list[str]]:
    """Close the bead; returns it and the convoys its closing landed."""
    from .convoys import close_beads

    landed = town.ledger.write("bead close", lambda tx: close_beads(tx, [bead_id], reason))
    return get(town, bead_id), landed


def reopen(town: Town, bead_id: str) -> Bead:
    return Bead.from_row(town.ledger.write("bead reopen", lambda tx: tx.reopen(bead_id)))


def add_dependency(town: Town, bead_id: str, depends_on: str, dep_type: str = "blocks") -> bool:
    """``bead_id`` depends on ``depends_on``; False if it already did."""
    return town.ledger.write("bead dep add", lambda tx: tx.add_dependency(bead_id, depends_on, dep_type))


def remove_dependency(town: Town, bead_id: str, depends_on: str) -> bool:
    """False if there was no such dependency."""
    return town.ledger.write("bead dep remove", lambda tx: tx.remove_dependency(bead_id, depends_on))


def comment(town: Town, bead_id: str, text: str) -> int:
    """Add a comment by the acting agent (or the overseer); returns its id."""
    return town.ledger.write("bead comment", lambda tx: tx.add_comment(bead_id, text))


# -- backups -----------------------------------------------------------------------------------
def import_backup(town: Town, path: str, dry_run: bool = False) -> dict[str, Any]:
    """Load a beads backup folder or an issues.jsonl export as a mirror; rows imported per table
    (with ``dry_run``: what would change, nothing written)."""
    from ..ledger.transfer import import_backup as load

    return load(town.ledger, path, dry_run=dry_run)


def export_backup(town: Town, target: str, form: str = "folder", wisps: bool = True) -> dict[str, int]:
    """Write the ledger as a beads backup folder, or (``form="jsonl"``) one issues.jsonl file;
    wisps too unless ``wisps`` is False."""
    from ..ledger.export import export_backup as folder
    from ..ledger.export import export_jsonl

    return (export_jsonl if form == "jsonl" else folder)(town.ledger, target, wisps=wisps)
