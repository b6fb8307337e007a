"""``gt sling``, ``gt hook``, ``gt prime``, ``gt done``, ``gt nudge``, ``gt polecat list|nuke|restart``.

``hook``, ``prime`` and ``done`` run inside agent sessions: they import only what they use.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.polecats import OnHook


def register(sub, common) -> None:
    p = add_verb(sub, common, "sling", sling, "put a bead on a polecat's hook and start it working")
    p.add_argument("bead")
    p.add_argument("rig")
    p.add_argument("--runtime", help="runtime preset (default: the rig's), e.g. claude, codex, scripted:fast")
    p.add_argument("--name", help="polecat name (default: reuse an idle one, else the next from the pool)")

    p = add_verb(sub, common, "hook", hook, "what is on my hook (inside a session), or on --agent's")
    p.add_argument("--agent", help="an agent address, e.g. gastown/polecats/nux (default: $GT_ACTOR)")

    p = add_verb(sub, common, "prime", prime, "everything an agent needs to start: identity, hook, what to do")
    p.add_argument("--agent", help="an agent address (default: $GT_ACTOR)")

    p = add_verb(sub, common, "done", done, "hand the hooked work to the refinery and end this session")
    p.add_argument("--exit", dest="exit_kind", default="MERGED", type=str.upper, help="MERGED | ESCALATED | DEFERRED")
    p.add_argument("--keep-session", action="store_true", help="do not end the session afterwards")
    p.add_argument("--agent", help="another polecat's address, to finish for it (default: $GT_ACTOR)")

    p = add_verb(sub, common, "nudge", nudge, "type a line into an agent's live session (literal, no shell)")
    p.add_argument("address", help="e.g. gastown/polecats/nux, gastown/witness")
    p.add_argument("text")

    group = add_group(sub, "polecat", "list, nuke and restart polecats")
    p = add_verb(group, common, "list", polecat_list, "polecats with their state, hook and session")
    p.add_argument("--rig")
    p = add_verb(group, common, "nuke", polecat_nuke, "remove a polecat's session, worktree and branches")
    p.add_argument("address", help="RIG/NAME or RIG/polecats/NAME")
    p.add_argument("--force", action="store_true", help="even with hooked work or an open merge request")
    p = add_verb(group, common, "restart", polecat_restart, "a fresh session from the polecat's hook")
    p.add_argument("address", help="RIG/NAME or RIG/polecats/NAME")


def sling(ctx) -> None:
    from ..services.polecats import sling as do_sling

    a = ctx.args
    got = do_sling(ctx.town, a.bead, a.rig, runtime=a.runtime, name=a.name)
    ctx.emit(
        got,
        f"Slung {got['bead']} to {got['address']} ({got['runtime']})\n"
        f"  session {got['session']}  ({ctx.town.tmux().attach_hint(got['session'])})\n  branch  {got['branch']}"
        + (f"\n  warning: {got['warning']}" if got["warning"] else ""),
    )


def _hook_text(on_hook: OnHook | None) -> str:
    if not on_hook:
        return "Nothing on the hook."
    bead = on_hook.bead
    text = f"{bead.id}  {bead.title}\n  P{bead.priority} {bead.issue_type}, hooked to {bead.assignee}"
    step = on_hook.current_step
    if step:
        text += f"\n  current step {step['id']}: {step['title']}"
    if on_hook.rework:
        from ..services.rework import summary

        back = on_hook.rework
        text += f"\n  rework: {back['mr']} came back (attempt {back['attempt']}): {summary(back)} — see gt prime"
    return text


def hook(ctx) -> None:
    from ..services.polecats import hook as read_hook

    on_hook = read_hook(ctx.town, ctx.args.agent)
    if ctx.json:
        ctx.emit(on_hook.to_json() if on_hook else {})
    else:
        ctx.emit(None, _hook_text(on_hook))


def prime(ctx) -> None:
    from ..services.polecats import prime as make_prime

    ctx.emit(None, make_prime(ctx.town, ctx.args.agent))


def done(ctx) -> None:
    from ..services.polecats import done as submit
    from ..services.polecats import end_session

    got = submit(ctx.town, ctx.args.exit_kind, ctx.args.agent)
    what = f"merge request {got['mr']} for {got['branch']}" if got["mr"] else f"exit {got['exit']}"
    ctx.emit(got, f"Done with {got['bead']}: {what}; {got['bead']} is now {got['status']}.")
    sys.stdout.flush()
    if not ctx.args.keep_session:
        end_session(ctx.args.agent, tmux=ctx.town.tmux())


def nudge(ctx) -> None:
    from ..services.polecats import nudge as send

    session = send(ctx.args.address, ctx.args.text, tmux=ctx.town.tmux())
    ctx.emit({"address": ctx.args.address, "session": session}, f"Nudged {ctx.args.address} ({session})")


def polecat_list(ctx) -> None:
    import time

    from ..ledger.fields import parse_stamp
    from ..services.agent_state import waited
    from ..services.polecats import json_rows, list_polecats

    tmux = ctx.town.tmux()
    rows = json_rows(ctx.town, list_polecats(ctx.town, ctx.args.rig, tmux=tmux))
    for r in rows:  # the town's sessions are on its own tmux server: how to reach one by hand
        r["attach"] = tmux.attach_hint(r["session"]) if r["session_alive"] else ""

    def text() -> str:
        if not rows:
            return "No polecats."
        lines = []
        for r in rows:
            dot = "●" if r["session_alive"] else "○"
            hooked = f"  {r['hook_bead']} {r['hook_title']}" if r["hook_bead"] else ""
            lines.append(f"{dot} {r['rig']}/{r['name']:<12} {r['state']:<9}{hooked}")
            if r["state"] == "waiting":
                when = parse_stamp(r["since"])
                ago = waited(time.time() - when.timestamp()) if when else "?"
                lines.append(f"    needs you ({ago}, since {r['since']}): {r['reason'] or '(no question given)'}")
            if r["attach"]:
                lines.append(f"    attach: {r['attach']}")
        return "\n".join(lines)

    ctx.emit(rows, text)


def polecat_nuke(ctx) -> None:
    from ..services.polecats import nuke, parse_address

    rig, name = parse_address(ctx.args.address)
    got = nuke(ctx.town, rig, name, force=ctx.args.force)
    extra = f"; {got['unhooked']} back to open" if got["unhooked"] else ""
    ctx.emit(got, f"Nuked {got['address']}: session, worktree and branches gone; identity kept{extra}.")


def polecat_restart(ctx) -> None:
    from ..services.polecats import parse_address, restart

    rig, name = parse_address(ctx.args.address)
    got = restart(ctx.town, rig, name)
    ctx.emit(got, f"Restarted {got['address']} on {got['bead']} (session {got['session']})")
