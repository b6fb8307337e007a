"""``gt mq …`` (the merge queue) and ``gt refinery run`` (the engine that works it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.refinery import QueueRow


def register(sub, common) -> None:
    mq = add_group(sub, "mq", "the merge queue: list, show, approve, reject and retry merge requests")

    p = add_verb(mq, common, "list", list_cmd, "merge requests in queue order (open ones unless --all)")
    p.add_argument("rig", nargs="?", help="only this rig")
    p.add_argument("--all", action="store_true", help="include merged, rejected and superseded ones")

    p = add_verb(mq, common, "show", show_cmd, "one merge request: branch, commits, diff stat, gate results")
    p.add_argument("mr")

    p = add_verb(mq, common, "diff", diff_cmd, "the patch a merge request brings")
    p.add_argument("mr")

    p = add_verb(mq, common, "approve", approve_cmd, "let a pending merge request be tested and merged")
    p.add_argument("mr")

    p = add_verb(mq, common, "reject", reject_cmd, "close a merge request unmerged (its polecat is told why)")
    p.add_argument("mr")
    p.add_argument("--reason", required=True)

    p = add_verb(mq, common, "retry", retry_cmd, "put a failed or rework merge request back in the queue")
    p.add_argument("mr")

    refinery = add_group(sub, "refinery", "the per-rig merge engine")
    p = add_verb(refinery, common, "run", run_cmd, "work a rig's merge queue (every --interval seconds, or --once)")
    p.add_argument("rig")
    p.add_argument("--once", action="store_true", help="one pass over the queue, then exit")
    p.add_argument("--interval", type=float, default=15.0, help="seconds between passes (default 15)")
    p = add_verb(
        refinery, common, "log", log_cmd, "every commit the rig's target branch pointed to, newest first, and if gated"
    )
    p.add_argument("rig")


def _line(row: QueueRow) -> str:
    from ..services.refinery import diffstat_text

    mr = row.mr
    results = mr.gate_run.results if mr.gate_run else ()
    gates = " ".join(f"{g.name}:{'pass' if g.ok else 'fail'}" for g in results) or "-"
    return (
        f"{mr.id:<14} P{mr.priority} {mr.state:<10} {mr.rig:<12} {mr.branch:<32}"
        f" {diffstat_text(mr.diffstat):<14} {gates}"
    )


def list_cmd(ctx) -> None:
    from ..services.refinery import queue_rows

    rows = queue_rows(ctx.town, ctx.args.rig, include_closed=ctx.args.all)

    def text() -> str:
        lines = [_line(r) + ("" if r.local else "  (read-only)") for r in rows]
        away = sorted({r.mr.rig for r in rows if not r.local})
        if away:
            lines.append(
                f"read-only: rig {', '.join(away)} is not on this machine (known from the ledger), "
                "so the refinery here cannot merge its merge requests"
            )
        return "\n".join(lines) or "merge queue is empty"

    ctx.emit([r.to_json() for r in rows], text)


def show_cmd(ctx) -> None:
    from ..services.refinery import details, render_details

    found = details(ctx.town, ctx.args.mr)
    ctx.emit(found.to_json(), lambda: render_details(found))


def diff_cmd(ctx) -> None:
    from ..services.refinery import diff

    patch = diff(ctx.town, ctx.args.mr)
    ctx.emit({"id": ctx.args.mr, "diff": patch}, patch or "(empty diff)")


def approve_cmd(ctx) -> None:
    from ..services.refinery import approve

    mr = approve(ctx.town, ctx.args.mr)
    ctx.emit(mr.to_json(), f"{mr.id} {mr.state}")


def reject_cmd(ctx) -> None:
    from ..services.refinery import reject

    mr = reject(ctx.town, ctx.args.mr, ctx.args.reason)
    ctx.emit(mr.to_json(), f"{mr.id} rejected")


def retry_cmd(ctx) -> None:
    from ..services.refinery import retry

    mr = retry(ctx.town, ctx.args.mr)
    ctx.emit(mr.to_json(), f"{mr.id} back in the queue (retry {mr.retries})")


def _summary_text(s: dict[str, Any]) -> str:
    if "error" in s:
        return f"{s['rig']}: {s['error']}"
    moved = (
        f"{s['before'][:10]} → {s['after'][:10]}" if s["before"] != s["after"] else f"unchanged at {s['after'][:10]}"
    )
    kinds = ("merged", "failed", "rework", "superseded", "recovered", "flaky")
    parts = [f"{len(s[k])} {k}" for k in kinds if s.get(k)]
    return (
        f"{s['rig']}: {', '.join(parts) or 'nothing to merge'}; {s['batches']} batch(es), {s['gate_runs']} gate run(s);"
        f" {s['target']} {moved}; {s['waiting']} waiting for approval ({s['seconds']}s)"
    )


def run_cmd(ctx) -> None:
    from ..errors import InvalidInput
    from ..services.refinery import run_forever, run_once

    if ctx.args.once:
        summary = run_once(ctx.town, ctx.args.rig)
        ctx.emit(summary, lambda: _summary_text(summary))
        return
    if ctx.args.interval <= 0:
        raise InvalidInput("--interval must be positive", "e.g. --interval 15")
    run_forever(ctx.town, ctx.args.rig, ctx.args.interval, on_pass=lambda s: ctx.emit(s, lambda: _summary_text(s)))


def log_cmd(ctx) -> None:
    from ..services.refinery import target_log

    entries = target_log(ctx.town, ctx.args.rig)

    def mark(entry: dict) -> str:
        return "gated    " if entry["gated"] else ("origin   " if entry["from_origin"] else "NOT GATED")

    ctx.emit(entries, lambda: "\n".join(f"{e['commit'][:10]}  {mark(e)}  {e['subject']}" for e in entries))
