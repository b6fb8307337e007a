"""``gt daemon run``: the witness, refinery and dispatch loops, headless; ``gt demo``: the demo town."""

from __future__ import annotations

import json
import shlex
import signal
import sys

from .main import add_group, add_verb


def register(sub, common) -> None:
    group = add_group(sub, "daemon", "the loops that keep the town moving (witness, refinery, dispatch)")
    p = add_verb(group, common, "run", run, "run the loops for every rig whose lease is free, until ctrl-c")
    p.add_argument("--once", action="store_true", help="one round of every loop, then exit")
    p.add_argument("--verbose", action="store_true", help="a line for every pass, idle ones too (heartbeats)")
    p = add_verb(sub, common, "demo", demo, "build a demo town with scripted agents at work, then open the TUI")
    p.add_argument("path", nargs="?", default="gastown-demo", help="folder of the demo town (default: ./gastown-demo)")
    p.add_argument("--no-tui", action="store_true", help="build (and keep) the town, but open no UI")
    p.add_argument("--fast", action="store_true", help="scripted agents that hurry (for tests)")
    p.add_argument("--auto", action="store_true", help="merge without approval: the convoy lands hands-free")


def _print_pass(rig: str, loop: str, result) -> None:
    print(json.dumps({"rig": rig, "loop": loop, "result": result}, default=str), flush=True)


def run(ctx) -> int:
    """Passes that did something are printed (one JSON line each); idle ones only with --verbose."""
    from ..services.daemon import Daemon, Timing

    daemon = Daemon(ctx.town, Timing(), on_pass=_print_pass, every_pass=ctx.args.verbose)
    if ctx.args.once:
        status = daemon.tick()
        daemon.release()
        for rig in status.elsewhere:
            print(f"gt: rig {rig} is driven by another daemon (its lease is held)", file=sys.stderr)
        return 0
    print(f"daemon for town {ctx.town.name}: ctrl-c to stop", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: daemon.stop())  # stop like ctrl-c: leases given back
    try:
        daemon.run()
    except KeyboardInterrupt:
        daemon.stop()
    return 0


def demo(ctx) -> int:
    from ..services.demo import build_demo

    town = build_demo(ctx.args.path, fast=ctx.args.fast, auto=ctx.args.auto)
    if ctx.args.no_tui:
        shown = shlex.quote(str(town.root))
        ctx.emit({"town": str(town.root)}, f"demo town ready at {town.root}\n  open it with: gt tui --town {shown}")
        return 0
    from .tui import open_app

    return open_app(town)
