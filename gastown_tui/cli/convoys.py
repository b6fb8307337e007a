"""``gt convoy create|add|status|list``: batches of work tracked until they land."""

from __future__ import annotations

from typing import Any

from .main import add_group, add_verb


def register(sub, common) -> None:
    convoy = add_group(sub, "convoy", "track batches of beads across rigs until they land")

    p = add_verb(convoy, common, "create", create, "create a convoy tracking the given beads")
    p.add_argument("title")
    p.add_argument("beads", nargs="*", metavar="BEAD")
    p.add_argument("--notify", help="address told when the convoy lands (default: overseer)")
    p.add_argument("--label", action="append", default=[], help="extra label, e.g. mountain (repeatable)")

    p = add_verb(convoy, common, "add", add, "track more beads (reopens a landed convoy)")
    p.add_argument("id")
    p.add_argument("beads", nargs="+", metavar="BEAD")

    p = add_verb(convoy, common, "status", status, "progress, swarm and tracked beads (all open convoys without ID)")
    p.add_argument("id", nargs="?")

    p = add_verb(convoy, common, "list", list_cmd, "convoys with their progress (open ones unless --all)")
    p.add_argument("--all", action="store_true", help="include landed convoys")


def create(ctx) -> None:
    from ..services import convoys

    a = ctx.args
    convoy_id = ctx.ledger.write(
        "convoy create",
        lambda tx: convoys.create_convoy(tx, a.title, a.beads, notify=a.notify, labels=a.label),
    )
    info = ctx.ledger.read(lambda s: convoys.convoy_status(s, convoy_id))
    ctx.emit(info, lambda: f"🚚 created {convoy_id}: {a.title} ({_progress(info)})")


def add(ctx) -> None:
    from ..services import convoys

    a = ctx.args
    added = ctx.ledger.write("convoy add", lambda tx: convoys.track(tx, a.id, a.beads))
    info = ctx.ledger.read(lambda s: convoys.convoy_status(s, a.id))
    ctx.emit(
        info,
        lambda: (
            (f"added {', '.join(added)} to {a.id}" if added else f"{a.id} already tracks those beads")
            + f" ({_progress(info)}, {info['status']})"
        ),
    )


def status(ctx) -> None:
    from ..services import convoys

    if ctx.args.id:
        info = ctx.ledger.read(lambda s: convoys.convoy_status(s, ctx.args.id))
        ctx.emit(info, lambda: _detail(info))
        return
    infos = ctx.ledger.read(lambda s: convoys.list_convoys(s))
    ctx.emit(infos, lambda: "\n\n".join(_detail(i) for i in infos) or "no open convoys")


def list_cmd(ctx) -> None:
    from ..services import convoys

    infos = ctx.ledger.read(lambda s: convoys.list_convoys(s, include_closed=ctx.args.all))
    ctx.emit(infos, lambda: "\n".join(_line(i) for i in infos) or "no convoys")


def _progress(info: dict[str, Any]) -> str:
    return f"{info['closed']}/{info['total']} closed"


def _flags(info: dict[str, Any]) -> str:
    flags = [name for name in ("stranded", "stalled") if info[name]]
    return f"  [{', '.join(flags)}]" if flags else ""


def _line(info: dict[str, Any]) -> str:
    mark = "✓" if info["status"] == "closed" else "🚚"
    return f"{mark} {info['id']:<14} {_progress(info):<12} {info['title']}{_flags(info)}"


def _detail(info: dict[str, Any]) -> str:
    lines = [
        f"🚚 {info['id']}: {info['title']}",
        f"  status {info['status']}  progress {_progress(info)}  notify {info['notify']}"
        + (f"  labels {', '.join(info['labels'])}" if info["labels"] else "")
        + _flags(info),
    ]
    if info["closed_at"]:
        lines.append(f"  landed {info['closed_at']}")
    for bead in info["tracked"]:
        if bead["status"] == "closed":
            mark = "✓"
        elif bead["status"] in ("hooked", "in_progress"):
            mark = "▶"
        else:
            mark = "○"
        note = "ready" if bead["ready"] else "blocked" if bead.get("blocked") else bead["status"]
        who = f"  @{bead['assignee']}" if bead["assignee"] else ""
        lines.append(f"  {mark} {bead['id']:<14} {note:<11} {bead['title']}{who}")
    return "\n".join(lines)
