"""``gt convoy create|add|status|list``: batches of work tracked until they land."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.convoys import Convoy


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
    convoy = convoys.create(ctx.town, a.title, a.beads, notify=a.notify, labels=a.label)
    ctx.emit(convoy.as_json(), lambda: f"🚚 created {convoy.id}: {a.title} ({_progress(convoy)})")


def add(ctx) -> None:
    from ..services import convoys

    a = ctx.args
    added, convoy = convoys.add(ctx.town, a.id, a.beads)
    ctx.emit(
        convoy.as_json(),
        lambda: (
            (f"added {', '.join(added)} to {a.id}" if added else f"{a.id} already tracks those beads")
            + f" ({_progress(convoy)}, {convoy.status})"
        ),
    )


def status(ctx) -> None:
    from ..services import convoys

    if ctx.args.id:
        convoy = convoys.status(ctx.town, ctx.args.id)
        ctx.emit(convoy.as_json(), lambda: _detail(convoy))
        return
    found = convoys.listing(ctx.town)
    ctx.emit([c.as_json() for c in found], lambda: "\n\n".join(_detail(c) for c in found) or "no open convoys")


def list_cmd(ctx) -> None:
    from ..services import convoys

    found = convoys.listing(ctx.town, include_closed=ctx.args.all)
    ctx.emit([c.as_json() for c in found], lambda: "\n".join(_line(c) for c in found) or "no convoys")


def _progress(convoy: Convoy) -> str:
    return f"{convoy.closed}/{convoy.total} closed"


def _flags(convoy: Convoy) -> str:
    flags = [name for name in ("stranded", "stalled") if getattr(convoy, name)]
    return f"  [{', '.join(flags)}]" if flags else ""


def _line(convoy: Convoy) -> str:
    mark = "✓" if convoy.status == "closed" else "🚚"
    return f"{mark} {convoy.id:<14} {_progress(convoy):<12} {convoy.title}{_flags(convoy)}"


def _detail(convoy: Convoy) -> str:
    lines = [
        f"🚚 {convoy.id}: {convoy.title}",
        f"  status {convoy.status}  progress {_progress(convoy)}  notify {convoy.notify}"
        + (f"  labels {', '.join(convoy.labels)}" if convoy.labels else "")
        + _flags(convoy),
    ]
    if convoy.closed_at:
        lines.append(f"  landed {convoy.closed_at}")
    for bead in convoy.tracked:
        if bead.status == "closed":
            mark = "✓"
        elif bead.status in ("hooked", "in_progress"):
            mark = "▶"
        else:
            mark = "○"
        note = "ready" if bead.ready else "blocked" if bead.blocked else bead.status
        who = f"  @{bead.assignee}" if bead.assignee else ""
        lines.append(f"  {mark} {bead.id:<14} {note:<11} {bead.title}{who}")
    return "\n".join(lines)
