"""``gt agent state`` and ``gt agent hook``: how an agent (or its runtime's hooks) says what it is doing.

Both run inside agent sessions, on every prompt and tool use: they import only ``agent_state``
(no config records, tmux or git). ``gt agent hook`` never fails its runtime: problems go to stderr, exit 0.
"""

from __future__ import annotations

import json
import sys

from .main import add_group, add_verb

STATES = ("working", "waiting", "idle")


def register(sub, common) -> None:
    group = add_group(sub, "agent", "what an agent is doing: working, waiting for a person, idle")
    p = add_verb(group, common, "state", state, "record this agent's state (its runtime's hooks call it)")
    p.add_argument("state", choices=STATES)
    p.add_argument("--reason", default="", help="what it waits for: the question, the permission asked")
    p.add_argument("--agent", help="a polecat address (default: $GT_ACTOR)")
    p = add_verb(group, common, "hook", hook, "a runtime hook: read its payload, record the state it reports")
    p.add_argument("runtime", choices=("claude", "codex"))
    p.add_argument("payload", nargs="?", help="the JSON payload (codex passes it as an argument; claude on stdin)")


def state(ctx) -> None:
    from ..services.agent_state import report

    a = ctx.args
    changed = report(ctx.town, a.state, a.reason, a.agent)
    ctx.emit({"state": a.state, "reason": a.reason, "changed": changed}, "" if not ctx.json else None)


def hook(ctx) -> int:
    from ..errors import GtError
    from ..services.agent_hooks import from_payload
    from ..services.agent_state import report

    raw = ctx.args.payload if ctx.args.payload is not None else sys.stdin.read()
    try:
        payload = json.loads(raw or "{}")
        said = from_payload(ctx.args.runtime, payload if isinstance(payload, dict) else {})
        if said:
            report(ctx.town, said[0], said[1], by="hook")
    except (ValueError, GtError, OSError) as exc:
        print(f"gt agent hook: {exc}", file=sys.stderr)
    return 0
