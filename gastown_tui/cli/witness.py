"""``gt witness patrol RIG [--once]``: find zombie, stalled and finished polecats and act."""

from __future__ import annotations

import time

from .main import add_group, add_verb


def register(sub, common) -> None:
    group = add_group(sub, "witness", "the per-rig watcher of polecats")
    p = add_verb(group, common, "patrol", patrol, "patrol a rig's polecats (one pass with --once, else forever)")
    p.add_argument("rig")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between passes (default 30)")


def _text(findings) -> str:
    if not findings:
        return "All polecats OK."
    return "\n".join(
        f"{f['polecat']:<28} {f['kind']:<9} {f['action']:<14} {f['bead']} {f['detail']}".rstrip() for f in findings
    )


def patrol(ctx) -> None:
    from ..errors import InvalidInput
    from ..services.witness import patrol as one_pass

    a = ctx.args
    if a.interval <= 0:
        raise InvalidInput(f"bad interval {a.interval}", "give a number of seconds above 0")
    while True:
        findings = one_pass(ctx.town, a.rig)
        ctx.emit(findings, _text(findings))
        if a.once:
            return
        time.sleep(a.interval)
