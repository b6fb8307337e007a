"""``gt bead …``, ``gt import``, ``gt export``, ``gt history``: the ledger by hand."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from .main import add_group, add_verb


def register(sub, common) -> None:
    bead = add_group(sub, "bead", "create, show, list, update and close beads")

    p = add_verb(bead, common, "create", create, "create a bead; prints its id")
    p.add_argument("title")
    p.add_argument("-d", "--description", default="")
    p.add_argument("--type", default="task", dest="issue_type")
    p.add_argument("--priority", default="2", help="0 (highest) to 4")
    p.add_argument("--label", action="append", default=[], help="repeatable")
    p.add_argument("--parent", help="make it a child step of this bead (id PARENT.N)")
    p.add_argument("--assignee")

    p = add_verb(bead, common, "show", show, "show one bead with labels, dependencies and comments")
    p.add_argument("id")

    p = add_verb(bead, common, "list", list_beads, "list beads (open ones unless --all or --status)")
    p.add_argument("--status")
    p.add_argument("--type", dest="issue_type")
    p.add_argument("--label", action="append", default=[])
    p.add_argument("--assignee")
    p.add_argument("--all", action="store_true", help="include closed beads")
    p.add_argument("--limit", type=int)

    p = add_verb(bead, common, "update", update, "change fields of a bead")
    p.add_argument("id")
    p.add_argument("--status")
    p.add_argument("--assignee", help="'' clears it")
    p.add_argument("--title")
    p.add_argument("--priority")
    p.add_argument("-d", "--description")
    p.add_argument("--notes")
    p.add_argument("--add-label", action="append", default=[])
    p.add_argument("--remove-label", action="append", default=[])

    p = add_verb(bead, common, "close", close, "close a bead")
    p.add_argument("id")
    p.add_argument("--reason", default="")

    p = add_verb(bead, common, "reopen", reopen, "reopen a closed bead")
    p.add_argument("id")

    dep = add_group(bead, "dep", "dependencies between beads")
    p = add_verb(dep, common, "add", dep_add, "ID depends on DEPENDS_ON")
    p.add_argument("id")
    p.add_argument("depends_on")
    p.add_argument("--type", default="blocks", dest="dep_type")
    p = add_verb(dep, common, "remove", dep_remove, "remove the dependency of ID on DEPENDS_ON")
    p.add_argument("id")
    p.add_argument("depends_on")

    p = add_verb(bead, common, "comment", comment, "add a comment to a bead")
    p.add_argument("id")
    p.add_argument("text")

    p = add_verb(bead, common, "ready", ready, "open work beads with no open blockers")
    p.add_argument("--type", dest="issue_type")

    p = add_verb(sub, common, "import", import_cmd, "import a beads backup folder or an issues.jsonl export")
    p.add_argument("path")
    p = add_verb(sub, common, "export", export_cmd, "export the ledger as a beads backup folder")
    p.add_argument("dir")
    p = add_verb(sub, common, "history", history, "the Dolt commits that touched a bead")
    p.add_argument("id")


def _printable(record: dict[str, Any]) -> dict[str, Any]:
    """A record as text output may show it: one-line fields on one line, control characters inert
    (imports keep text as it came); --json output escapes them itself."""
    from ..display import inert
    from ..ledger.fields import MULTILINE_FIELDS

    return {k: inert(v, k in MULTILINE_FIELDS) if isinstance(v, str) else v for k, v in record.items()}


def _line(bead: dict[str, Any]) -> str:
    bead = _printable(bead)
    who = f"  @{bead['assignee']}" if bead.get("assignee") else ""
    return f"{bead['id']:<14} P{bead['priority']} {bead['status']:<11} {bead['issue_type']:<9} {bead['title']}{who}"


def create(ctx) -> None:
    a = ctx.args
    fields: dict[str, Any] = {"description": a.description, "issue_type": a.issue_type, "priority": a.priority}
    if a.assignee:
        fields["assignee"] = a.assignee
    bead_id = ctx.ledger.write(
        "bead create",
        lambda tx: tx.create(a.title, prefix=ctx.town.prefix, parent=a.parent, labels=a.label, **fields),
    )
    if ctx.json:
        ctx.emit(ctx.ledger.get(bead_id))
    else:
        ctx.emit(bead_id)


def full_bead(s, bead_id: str) -> dict[str, Any]:
    bead = s.get(bead_id)
    bead["labels"] = s.labels(bead_id)
    bead["dependencies"] = s.dependencies(bead_id)
    bead["dependents"] = s.dependents(bead_id)
    bead["comments"] = s.comments(bead_id)
    return bead


def show(ctx) -> None:
    bead = ctx.ledger.read(lambda s: full_bead(s, ctx.args.id))

    def text() -> str:
        b = _printable(bead)
        lines = [
            f"{b['id']}  {b['title']}",
            f"  status {b['status']}  priority P{b['priority']}  type {b['issue_type']}"
            + (f"  assignee {b['assignee']}" if b.get("assignee") else ""),
            f"  created {b['created_at']} by {b['created_by']}  updated {b['updated_at']}",
        ]
        if b.get("closed_at"):
            lines.append(f"  closed {b['closed_at']}: {b.get('close_reason') or ''}")
        if b["labels"]:
            lines.append("  labels: " + ", ".join(_printable({"label": label})["label"] for label in b["labels"]))
        for d in map(_printable, b["dependencies"]):
            lines.append(f"  {d['type']} → {d['depends_on_id']}")
        for d in map(_printable, b["dependents"]):
            lines.append(f"  {d['type']} ← {d['issue_id']}")
        if b["description"]:
            lines += ["", b["description"]]
        for c in map(_printable, b["comments"]):
            lines += ["", f"— {c['author']} at {c['created_at']}:", c["text"]]
        return "\n".join(lines)

    ctx.emit(bead, text)


def list_beads(ctx) -> None:
    a = ctx.args
    if a.limit is not None and a.limit < 1:
        raise InvalidInput(f"bad --limit {a.limit}", "give a positive number of beads, or leave --limit out for all")
    if a.status:
        from ..ledger import fields

        fields.check_status(a.status)
    beads = ctx.ledger.list_beads(
        status=a.status,
        issue_type=a.issue_type,
        labels=a.label,
        assignee=a.assignee,
        include_closed=a.all,
        limit=a.limit,
    )
    ctx.emit(beads, lambda: "\n".join(_line(b) for b in beads) or "no beads")


def update(ctx) -> None:
    a = ctx.args
    changes: dict[str, Any] = {}
    for key in ("status", "title", "priority", "notes"):
        if getattr(a, key) is not None:
            changes[key] = getattr(a, key)
    if a.description is not None:
        changes["description"] = a.description
    if a.assignee is not None:
        changes["assignee"] = a.assignee or None

    def apply(tx):
        bead = tx.update(a.id, **changes) if changes else tx.get(a.id)
        for label in a.add_label:
            tx.add_label(a.id, label)
        for label in a.remove_label:
            tx.remove_label(a.id, label)
        return bead

    bead = ctx.ledger.write("bead update", apply)
    ctx.emit(bead, lambda: _line(bead))


def close(ctx) -> None:
    from ..services.convoys import close_beads

    landed = ctx.ledger.write("bead close", lambda tx: close_beads(tx, [ctx.args.id], ctx.args.reason))
    bead = ctx.ledger.get(ctx.args.id)
    ctx.emit(bead, lambda: "\n".join([f"closed {bead['id']}", *(f"🚚 convoy {c} landed" for c in landed)]))


def reopen(ctx) -> None:
    bead = ctx.ledger.write("bead reopen", lambda tx: tx.reopen(ctx.args.id))
    ctx.emit(bead, lambda: f"reopened {bead['id']}")


def dep_add(ctx) -> None:
    a = ctx.args
    added = ctx.ledger.write("bead dep add", lambda tx: tx.add_dependency(a.id, a.depends_on, a.dep_type))
    data = {"issue_id": a.id, "depends_on_id": a.depends_on, "type": a.dep_type, "added": added}
    ctx.emit(data, f"{a.id} {a.dep_type} → {a.depends_on}" + ("" if added else " (already there)"))


def dep_remove(ctx) -> None:
    a = ctx.args
    removed = ctx.ledger.write("bead dep remove", lambda tx: tx.remove_dependency(a.id, a.depends_on))
    ctx.emit(
        {"issue_id": a.id, "depends_on_id": a.depends_on, "removed": removed},
        f"removed {a.id} → {a.depends_on}" if removed else f"{a.id} had no dependency on {a.depends_on}",
    )


def comment(ctx) -> None:
    a = ctx.args
    comment_id = ctx.ledger.write("bead comment", lambda tx: tx.add_comment(a.id, a.text))
    ctx.emit({"id": comment_id, "issue_id": a.id, "text": a.text}, f"comment {comment_id} on {a.id}")


def ready(ctx) -> None:
    beads = ctx.ledger.read(lambda s: s.ready(issue_type=ctx.args.issue_type))
    ctx.emit(beads, lambda: "\n".join(_line(b) for b in beads) or "nothing ready")


def import_cmd(ctx) -> None:
    from ..ledger.transfer import import_backup

    counts = import_backup(ctx.ledger, ctx.args.path)
    ctx.emit(counts, "imported " + ", ".join(f"{n} {t}" for t, n in counts.items()))


def export_cmd(ctx) -> None:
    from ..ledger.transfer import export_backup

    counts = export_backup(ctx.ledger, ctx.args.dir)
    ctx.emit(counts, f"exported to {ctx.args.dir}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


def history(ctx) -> None:
    from ..ledger.history import bead_history

    entries = bead_history(ctx.ledger, ctx.args.id)

    def text() -> str:
        out = []
        for e in entries:
            e = {**e, **_printable({"author": e["author"], "message": e["message"]})}
            out.append(f"{e['commit'][:10]}  {e['date']}  {e['author']:<22} {e['change']:<8} {e['message']}")
            for col, ch in e["fields"].items():
                old = "" if ch["old"] is None else str(ch["old"])[:60]
                out.append(f"    {col}: {old!r} → {str(ch['new'])[:60]!r}")
        return "\n".join(out) or "no history"

    ctx.emit(entries, text)
