"""What ``bd`` keeps up to date beside a write, kept the same way here so that ``bd`` reads a
ledger ``gt`` wrote as one it wrote itself (beads v1.0.5, ``internal/storage/issueops``):

- ``child_counters`` / ``wisp_child_counters``: the last child number handed out under a parent,
  so a child ``bd`` makes later never takes an id ``gt`` gave (``child_id.go``);
- ``is_blocked`` on ``issues`` / ``wisps``: what ``bd ready`` filters on (``blocked_state.go``).
  A bead is blocked while it is not closed or pinned and a ``blocks`` / ``conditional-blocks``
  target is not closed or pinned, its parent is blocked, or a ``waits-for`` target still has an
  open child (under ``{"gate": "any-children"}``, until one child is closed).

beads' ``updated_at`` is ``ON UPDATE CURRENT_TIMESTAMP`` on MySQL: each update here names it, so
this upkeep never passes for an edit of the bead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .placing import chunks
from .views import TARGET

if TYPE_CHECKING:
    from .writes import Tx

_DONE = ("closed", "pinned")
_BLOCKING = ("blocks", "conditional-blocks")


def next_child_id(tx: Tx, parent: str) -> str:
    """``parent.N``: one past both the parent's counter and its highest child, and the counter
    moved on to N, as ``bd`` does."""
    last = _counter(tx, parent) or 0
    children = tx.rows("SELECT id FROM gt_issues WHERE id LIKE ?", (parent + ".%",))
    numbers = [int(tail) for r in children if (tail := r["id"][len(parent) + 1 :]).isdigit()]
    number = max([last, *numbers]) + 1
    _advance_counter(tx, parent, number)
    return f"{parent}.{number}"


def _counter(tx: Tx, parent: str) -> int | None:
    """The parent's ``last_child`` (None: no counter row yet)."""
    value = tx.scalar(f"SELECT last_child FROM {tx.aux('child_counters', parent)} WHERE parent_id = ?", (parent,))
    return None if value is None else int(value)


def _advance_counter(tx: Tx, parent: str, number: int) -> None:
    """Move the parent's counter on to ``number`` (never back)."""
    counter, last = tx.aux("child_counters", parent), _counter(tx, parent)
    if last is None:
        tx.execute(f"INSERT INTO {counter} (parent_id, last_child) VALUES (?, ?)", (parent, number))
    elif last < number:
        tx.execute(f"UPDATE {counter} SET last_child = ? WHERE parent_id = ?", (number, parent))


def refresh_blocked(tx: Tx, bead_ids: list[str]) -> None:
    """Bring ``is_blocked`` up to date for ``bead_ids`` after their dependencies or status changed,
    and for every bead whose answer follows from theirs (dependents, children, waiters)."""
    queue = list(dict.fromkeys(bead_ids))
    changed_itself = set(queue)  # their status or dependencies moved: what follows from them is asked
    while queue:
        bead_id = queue.pop(0)
        table = tx.owner(bead_id)
        row = tx.row(f"SELECT status, is_blocked FROM {table} WHERE id = ?", (bead_id,))
        if row is None:
            continue
        blocked = int(row["status"] not in _DONE and _blocked(tx, bead_id))
        flipped = blocked != int(row["is_blocked"] or 0)
        if flipped:
            tx.execute(f"UPDATE {table} SET is_blocked = ?, updated_at = updated_at WHERE id = ?", (blocked, bead_id))
        elif bead_id not in changed_itself:
            continue
        changed_itself.discard(bead_id)
        queue += [r["issue_id"] for r in tx.rows("SELECT issue_id FROM gt_dependencies WHERE depends_on_id = ?",
                                                    (bead_id,))]  # fmt: skip
        parents = tx.rows("SELECT depends_on_id FROM gt_dependencies WHERE issue_id = ? AND type = 'parent-child'",
                          (bead_id,))  # fmt: skip
        for parent in parents:  # a child's status moves what waits for its parent
            queue += [r["issue_id"] for r in tx.rows(
                "SELECT issue_id FROM gt_dependencies WHERE depends_on_id = ? AND type = 'waits-for'",
                (parent["depends_on_id"],))]  # fmt: skip


def _blocked(tx: Tx, bead_id: str) -> bool:
    deps = tx.rows("SELECT depends_on_id, type FROM gt_dependencies WHERE issue_id = ?", (bead_id,))
    for dep in deps:
        target = dep["depends_on_id"]
        if dep["type"] in _BLOCKING:
            status = tx.scalar("SELECT status FROM gt_issues WHERE id = ?", (target,))
            if status is not None and status not in _DONE:
                return True
        elif dep["type"] == "parent-child":
            table = tx.owner(target) if tx.exists(target) else None
            if table and tx.scalar(f"SELECT is_blocked FROM {table} WHERE id = ?", (target,)):
                return True
        elif dep["type"] == "waits-for" and _waits(tx, bead_id, target):
            return True
    return False


def _waits(tx: Tx, bead_id: str, spawner: str) -> bool:
    children = tx.rows(
        "SELECT i.status FROM gt_dependencies d JOIN gt_issues i ON i.id = d.issue_id"
        " WHERE d.depends_on_id = ? AND d.type = 'parent-child'",
        (spawner,),
    )
    statuses = [c["status"] for c in children]
    if not any(s not in _DONE for s in statuses):
        return False  # nothing open under the spawner: its gate need not be read
    raw = tx.scalar(
        f"SELECT metadata FROM {tx.aux('dependencies', bead_id)} WHERE issue_id = ? AND type = 'waits-for'"
        f" AND {TARGET} = ?",
        (bead_id, spawner),
    )
    return _holds(statuses, raw)


def _holds(statuses: list[str], metadata: object) -> bool:
    """Does a ``waits-for`` on a spawner whose children have ``statuses`` hold its bead? While a child
    is open; under ``{"gate": "any-children"}`` only until one child is closed."""
    return any(s not in _DONE for s in statuses) and not (_gate(metadata) == "any-children" and "closed" in statuses)


def refresh_all(tx: Tx, bead_ids: list[str]) -> None:
    """After an import: every bead's ``is_blocked`` worked out afresh, set-wise (a pass per level of
    blocked parents), and the child counters of the parents of ``bead_ids`` moved past them."""
    pairs = (("issues", "dependencies"), ("wisps", "wisp_dependencies"))
    for table, _ in pairs:
        tx.execute(f"UPDATE {table} SET is_blocked = 0, updated_at = updated_at WHERE is_blocked <> 0")
    waiters = _held_waiters(tx)
    for table, _ in pairs:
        for part, marks in chunks(sorted(waiters)):
            tx.execute(f"UPDATE {table} SET is_blocked = 1, updated_at = updated_at WHERE id IN ({marks})"
                       " AND status NOT IN ('closed', 'pinned')", part)  # fmt: skip
    while sum(_mark_pass(tx, table, deps) for table, deps in pairs):
        pass
    highest: dict[str, int] = {}
    for bead_id in bead_ids:
        parent, _, tail = bead_id.rpartition(".")
        if parent and tail.isdigit():
            highest[parent] = max(highest.get(parent, 0), int(tail))
    for parent, number in highest.items():
        if tx.exists(parent):  # a counter belongs to a parent in this ledger (a foreign key)
            _advance_counter(tx, parent, number)


def _held_waiters(tx: Tx) -> set[str]:
    """Beads a ``waits-for`` dependency holds (see ``_waits``), worked out for all of them at once."""
    waits = []
    for table in ("dependencies", "wisp_dependencies"):
        waits += tx.rows(f"SELECT issue_id, {TARGET} AS spawner, metadata FROM {table} WHERE type = 'waits-for'")
    if not waits:
        return set()
    children: dict[str, list[str]] = {}
    for part, marks in chunks(sorted({w["spawner"] for w in waits})):
        for r in tx.rows("SELECT d.depends_on_id AS spawner, i.status FROM gt_dependencies d"
                         " JOIN gt_issues i ON i.id = d.issue_id"
                         f" WHERE d.type = 'parent-child' AND d.depends_on_id IN ({marks})", part):  # fmt: skip
            children.setdefault(r["spawner"], []).append(r["status"])
    return {w["issue_id"] for w in waits if _holds(children.get(w["spawner"], []), w["metadata"])}


def _gate(raw: object) -> object:
    try:
        return json.loads(raw).get("gate") if raw else None
    except (ValueError, TypeError, AttributeError):
        return None


def _mark_pass(tx: Tx, table: str, deps: str) -> int:
    """One set-wise pass of bd's mark: beads newly blocked by an open blocker or a blocked parent."""

    def target(kind: str, source: str, condition: str) -> str:
        column = "depends_on_issue_id" if source == "issues" else "depends_on_wisp_id"
        return (f"EXISTS (SELECT 1 FROM {deps} d JOIN {source} t ON t.id = d.{column}"
                f" WHERE d.issue_id = {table}.id AND d.type IN ({kind}) AND {condition})")  # fmt: skip

    blocking = "'blocks', 'conditional-blocks'"
    open_target = "t.status NOT IN ('closed', 'pinned')"
    clauses = [target(blocking, s, open_target) for s in ("issues", "wisps")]
    clauses += [target("'parent-child'", s, "t.is_blocked = 1") for s in ("issues", "wisps")]
    tx.execute(
        f"UPDATE {table} SET is_blocked = 1, updated_at = updated_at WHERE is_blocked = 0 AND status NOT IN ('closed', 'pinned')"
        f" AND ({' OR '.join(clauses)})"
    )
    return tx.cur.rowcount
