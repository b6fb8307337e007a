"""``gt bead …``, ``gt import``, ``gt export``, ``gt history``: the ledger by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..display import inert
from ..errors import InvalidInput
from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.beads import Bead, BeadLine


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
    p.add_argument("--rig", help="give it the rig's prefix (e.g. ca-…), as work for that rig")

    p = add_verb(bead, common, "show", show, "show one bead with labels, dependencies and comments")
    p.add_argument("id")

    p = add_verb(
        bead,
        common,
        "list",
        list_beads,
        "list beads as bd list does: open work (wisps too), without closed or pinned beads unless --all"
        " or --status, nor infra (agent, rig, role, message), gates or templates unless included or --type",
    )
    p.add_argument("--status")
    p.add_argument("--type", dest="issue_type")
    p.add_argument("--label", action="append", default=[])
    p.add_argument("--assignee")
    p.add_argument("--all", action="store_true", help="include closed, pinned and deleted (tombstone) beads")
    p.add_argument("--include-infra", action="store_true", help="include agent, rig, role and message beads")
    p.add_argument("--include-gates", action="store_true", help="include gate beads")
    p.add_argument("--include-templates", action="store_true", help="include template molecules")
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

    p = add_verb(
        sub, common, "import", import_cmd, "import a beads backup folder or issues.jsonl export (a mirror of it)"
    )
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p = add_verb(sub, common, "export", export_cmd, "export the ledger as a beads backup folder or issues.jsonl")
    p.add_argument("dir", help="a folder (--format folder) or a file (--format jsonl)")
    p.add_argument("--format", choices=("folder", "jsonl"), default="folder", dest="form")
    p.add_argument("--no-wisps", action="store_true", help="leave wisps (ephemeral beads) out; they are counted")
    p = add_verb(sub, common, "history", history, "the Dolt commits that touched a bead")
    p.add_argument("id")


def _shown(value: Any, multiline: bool = False) -> Any:
    """A ledger value as text output may show it: control characters inert, on one line unless
    ``multiline`` (imports keep text as it came; --json output escapes them itself)."""
    return inert(value, multiline) if isinstance(value, str) else value


def _line(bead: Bead | BeadLine) -> str:
    """One line per bead; made inert as a whole (inert keeps lengths, so the columns stay)."""
    who = f"  @{bead.assignee}" if bead.assignee else ""
    return inert(f"{bead.id:<14} P{bead.priority} {bead.status:<11} {bead.issue_type:<9} {bead.title}{who}")


def create(ctx) -> None:
    from ..services import beads

    a = ctx.args
    bead = beads.create(
        ctx.town,
        a.title,
        description=a.description,
        issue_type=a.issue_type,
        priority=a.priority,
        labels=a.label,
        parent=a.parent,
        assignee=a.assignee,
        rig=a.rig,
    )
    ctx.emit(bead.as_json(), bead.id)


def show(ctx) -> None:
    from ..services import beads

    bead = beads.show(ctx.town, ctx.args.id)

    def text() -> str:
        b = bead
        lines = [
            f"{_shown(b.id)}  {_shown(b.title)}",
            f"  status {_shown(b.status)}  priority P{b.priority}  type {_shown(b.issue_type)}"
            + (f"  assignee {_shown(b.assignee)}" if b.assignee else ""),
            f"  created {_shown(b.created_at)} by {_shown(b.created_by)}  updated {_shown(b.updated_at)}",
        ]
        if b.deleted:
            lines.append(_deleted_line(b.extras or {}))
        if b.closed_at:
            lines.append(f"  closed {_shown(b.closed_at)}: {_shown(b.close_reason or '', multiline=True)}")
        if b.labels:
            lines.append("  labels: " + ", ".join(_shown(label) for label in b.labels))
        lines += [f"  {_edge(d.type, True)} {_shown(d.depends_on_id)}" for d in b.dependencies or ()]
        lines += [f"  {_edge(d.type, False)} {_shown(d.issue_id)}" for d in b.dependents or ()]
        if b.description:
            lines += ["", _shown(b.description, multiline=True)]
        for c in b.comments or ():
            lines += ["", f"— {_shown(c.author)} at {_shown(c.created_at)}:", _shown(c.text, multiline=True)]
        return "\n".join(lines)

    ctx.emit(bead.as_json(), text)


# How an edge reads from the bead shown: (it depends on the other, the other depends on it).
_EDGES = {
    "blocks": ("blocked by", "blocks"),
    "parent-child": ("child of", "parent of"),
    "tracks": ("tracks", "tracked by"),
}


def _edge(dep_type: str, outgoing: bool) -> str:
    words = _EDGES.get(dep_type)
    if words:
        return words[0 if outgoing else 1]
    return f"depends on ({_shown(dep_type)})" if outgoing else f"needed by ({_shown(dep_type)})"


def _deleted_line(extras: dict[str, Any]) -> str:
    def part(key: str, text: str) -> str:
        value = extras.get(key)
        return text.format(_shown(str(value))) if value not in (None, "") else ""

    return (
        "  DELETED (tombstone)"
        + part("deleted_at", " at {}")
        + part("deleted_by", " by {}")
        + part("delete_reason", ": {}")
        + part("original_type", " (was a {})")
    )


def list_beads(ctx) -> None:
    from ..services import beads

    a = ctx.args
    if a.limit is not None and a.limit < 1:
        raise InvalidInput(f"bad --limit {a.limit}", "give a positive number of beads, or leave --limit out for all")
    filters = {"status": a.status, "issue_type": a.issue_type, "labels": a.label, "assignee": a.assignee}
    filters |= {"include_closed": a.all, "include_deleted": a.all, "limit": a.limit}
    filters |= {"include_infra": a.include_infra, "include_gates": a.include_gates}
    filters |= {"include_templates": a.include_templates}
    if ctx.json:
        ctx.emit([b.as_json() for b in beads.list_beads(ctx.town, **filters)])
        return
    # Thousands of beads: read only what a line shows.
    lines = beads.list_lines(ctx.town, **filters)
    ctx.emit(None, "\n".join(map(_line, lines)) or "no beads")


def update(ctx) -> None:
    from ..services import beads

    a = ctx.args
    changes: dict[str, Any] = {}
    for key in ("status", "title", "priority", "notes"):
        if getattr(a, key) is not None:
            changes[key] = getattr(a, key)
    if a.description is not None:
        changes["description"] = a.description
    if a.assignee is not None:
        changes["assignee"] = a.assignee or None
    bead = beads.update(ctx.town, a.id, add_labels=a.add_label, remove_labels=a.remove_label, **changes)
    ctx.emit(bead.as_json(), lambda: _line(bead))


def close(ctx) -> None:
    from ..services import beads

    bead, landed = beads.close(ctx.town, ctx.args.id, ctx.args.reason)
    ctx.emit(bead.as_json(), lambda: "\n".join([f"closed {bead.id}", *(f"🚚 convoy {c} landed" for c in landed)]))


def reopen(ctx) -> None:
    from ..services import beads

    bead = beads.reopen(ctx.town, ctx.args.id)
    ctx.emit(bead.as_json(), lambda: f"reopened {bead.id}")


def dep_add(ctx) -> None:
    from ..services import beads

    a = ctx.args
    added = beads.add_dependency(ctx.town, a.id, a.depends_on, a.dep_type)
    data = {"issue_id": a.id, "depends_on_id": a.depends_on, "type": a.dep_type, "added": added}
    ctx.emit(data, f"{a.id} {a.dep_type} → {a.depends_on}" + ("" if added else " (already there)"))


def dep_remove(ctx) -> None:
    from ..services import beads

    a = ctx.args
    removed = beads.remove_dependency(ctx.town, a.id, a.depends_on)
    ctx.emit(
        {"issue_id": a.id, "depends_on_id": a.depends_on, "removed": removed},
        f"removed {a.id} → {a.depends_on}" if removed else f"{a.id} had no dependency on {a.depends_on}",
    )


def comment(ctx) -> None:
    from ..services import beads

    a = ctx.args
    comment_id = beads.comment(ctx.town, a.id, a.text)
    ctx.emit({"id": comment_id, "issue_id": a.id, "text": a.text}, f"comment {comment_id} on {a.id}")


def ready(ctx) -> None:
    from ..services import beads

    found = beads.ready(ctx.town, ctx.args.issue_type)
    ctx.emit([b.as_json() for b in found], lambda: "\n".join(_line(b) for b in found) or "nothing ready")


def import_cmd(ctx) -> None:
    from ..services import beads

    if ctx.args.dry_run:
        plan = beads.import_backup(ctx.town, ctx.args.path, dry_run=True)
        ctx.emit(plan, lambda: _plan_text(plan))
        return
    counts = dict(beads.import_backup(ctx.town, ctx.args.path))
    left, kept = counts.pop("left_alone"), counts.pop("config_kept")
    ctx.emit(
        {**counts, "left_alone": left, "config_kept": kept},
        "imported "
        + ", ".join(f"{n} {t}" for t, n in counts.items())
        + (f"; {left} issues not in the file left as they were" if left else "")
        + (f"; the town's own {', '.join(map(_shown, kept))} kept (gt export gives the file's back)" if kept else ""),
    )


def _plan_text(plan: dict[str, Any]) -> str:
    def ids(found: list[str]) -> str:
        shown = ", ".join(_shown(i) for i in found[:10])
        return f": {shown}" + (f" (+{len(found) - 10} more)" if len(found) > 10 else "") if found else ""

    return "\n".join(
        [
            f"would add {len(plan['new'])} issues{ids(plan['new'])}",
            f"would update {len(plan['changed'])} issues{ids(plan['changed'])}",
            f"{plan['unchanged']} unchanged; {plan['left_alone']} not in the file left as they are",
            f"labels +{plan['labels_added']} -{plan['labels_removed']}, "
            f"dependencies +{plan['dependencies_added']} -{plan['dependencies_removed']}, "
            f"comments +{plan['comments']}, events +{plan['events']}",
            *(
                [f"the town's own {', '.join(map(_shown, plan['config_kept']))} would be kept"]
                if plan["config_kept"]
                else []
            ),
            "nothing written (dry run)",
        ]
    )


def export_cmd(ctx) -> None:
    from ..services import beads

    counts = beads.export_backup(ctx.town, ctx.args.dir, ctx.args.form, wisps=not ctx.args.no_wisps)
    shown = {t: n for t, n in counts.items() if t not in ("wisps", "wisps_left_out")}
    text = f"exported to {ctx.args.dir}: " + ", ".join(f"{n} {t}" for t, n in shown.items())
    if counts["wisps"]:
        text += f" ({counts['wisps']} of the issues are wisps)"
    if counts.get("wisps_left_out"):
        text += f"\n{counts['wisps_left_out']} wisps left out (--no-wisps); export without it to include them"
    ctx.emit(counts, text)


def history(ctx) -> None:
    from ..services import beads

    entries = beads.history(ctx.town, ctx.args.id)

    def text() -> str:
        out = []
        for e in entries:
            author, message = _shown(e["author"]), _shown(e["message"])
            out.append(f"{e['commit'][:10]}  {e['date']}  {author:<22} {e['change']:<8} {message}")
            for col, ch in e["fields"].items():
                old = "" if ch["old"] is None else str(ch["old"])[:60]
                out.append(f"    {col}: {old!r} → {str(ch['new'])[:60]!r}")
        return "\n".join(out) or "no history"

    ctx.emit(entries, text)
