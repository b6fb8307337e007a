"""Polecat benchmarks: time to sling N scripted polecats; cost of one witness pass at 10/50/100 sessions.

Run by hand:  .venv/bin/python bench/polecats.py [--slings 10] [--sessions 10,50,100]
Uses its own tmux server (TMUX_TMPDIR in a temp dir) and a doltlite town; cleans up after.
Goal (issue 3): one witness pass over 100 live sessions ≤ 200 ms.

``--attention`` (issue 13): 100 polecats, 10 of them asking a question at once: the time from the
question appearing on their screens to the TUI's read of the town showing them "needs you" (the
town screen's feed poll, every 0.25 s), when they report it through their hooks (``gt agent state``;
goal ≤ 1 s) and when only the screen rules see it (the hosted daemon's watch pass, every 1 s;
goal ≤ 2 s); and the cost of the screen rules per witness pass at 100 polecats (goal ≤ 20 ms).
The polecats are tiny shell programs (80 printing progress, 10 asking with hooks, 10 asking silently;
one group asks at a time, so 10 of the 100 are asking).

The scripted polecats hang half-way (``scripted:hang``) so they stay live; the witness sessions
run a tiny ``cat`` runtime (real sessions, real hooks, ~1 MB each) so 100 of them fit anywhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def make_source(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *GIT_ID, *args], cwd=folder, check=True)
    return folder


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slings", type=int, default=10, help="scripted polecats to sling (default 10)")
    parser.add_argument("--sessions", default="10,50,100", help="live session counts for the witness pass")
    parser.add_argument("--repeat", type=int, default=5, help="witness passes measured per count")
    parser.add_argument("--attention", action="store_true", help="measure 'needs you' latency instead (issue 13)")
    args = parser.parse_args()
    if args.attention:
        attention()
        return
    counts = sorted(int(n) for n in args.sessions.split(","))

    workdir = Path(tempfile.mkdtemp(prefix="gt-bench-"))
    os.environ["TMUX_TMPDIR"] = str(workdir)
    os.environ.pop("TMUX", None)
    os.environ["GT_ACTOR"] = "overseer"
    from gastown_tui.services import polecats, witness
    from gastown_tui.services.rigs import add_rig, render_rig_toml, rig_paths
    from gastown_tui.town import install

    town = None
    try:
        town = install(str(workdir / "town"))
        tmux = town.tmux()
        with open(town.file, "a") as fh:
            fh.write('\n[runtimes.cat]\ncommand = ["cat"]\nprompt = "type"\nready_delay = 0.01\n')
        town.__dict__.pop("raw", None)
        os.environ["GT_TOWN"] = str(town.root)
        add_rig(town, "work", str(make_source(workdir / "src-work")), runtime="scripted:hang")
        watch = add_rig(town, "watch", str(make_source(workdir / "src-watch")), runtime="cat")
        rig_paths(town, "watch").config.write_text(render_rig_toml(replace(watch, **{"max_polecats": 200})))

        def bead(title: str) -> str:
            return town.ledger.write("bench", lambda tx: tx.create(title, prefix="gt"))

        times = []
        for n in range(args.slings):
            bead_id = bead(f"scripted job {n}")
            start = time.perf_counter()
            polecats.sling(town, bead_id, "work")
            times.append(time.perf_counter() - start)
        print(f"sling {args.slings} scripted polecats: total {sum(times):.2f} s, "
              f"median {ms(statistics.median(times))}, max {ms(max(times))}")  # fmt: skip

        live = 0
        for count in counts:
            while live < count:
                polecats.sling(town, bead(f"watched job {live}"), "watch")
                live += 1
            sessions = len(tmux.activity())
            passes = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                findings = witness.patrol(town, "watch")
                passes.append(time.perf_counter() - start)
                assert findings == [], findings
            print(f"witness pass, {count:>3} polecats ({sessions} live sessions): "
                  f"median {ms(statistics.median(passes))}, max {ms(max(passes))}")  # fmt: skip
        victim = polecats.list_polecats(town, "watch")[0]
        tmux.kill_session(victim.session)
        start = time.perf_counter()
        findings = witness.patrol(town, "watch")
        took = time.perf_counter() - start
        print(f"witness pass that restarts 1 zombie among {live}: {ms(took)} ({findings[0]['action']})")
    finally:
        if town is not None:
            town.tmux().kill_server()
        shutil.rmtree(workdir, ignore_errors=True)


# Shell programs as runtimes: a worker printing progress, and askers waiting for a trigger file, then
# putting a yes/no question on the screen (and, for "hook", saying so through gt agent state).
_WORKER = 'while :; do echo "● working [step $i/6]"; i=$((i+1)); sleep 0.5; done'
_ASKER = (
    'while [ ! -e "$GT_TOWN/trigger-$GT_POLECAT" ]; do sleep 0.02; done; printf "? Proceed? [y/n] "; '
    '[ "$MODE" = hook ] && gt agent state waiting --reason "Proceed? [y/n]"; read answer; sleep 600'
)


def attention(polecat_count: int = 100, asking: int = 10) -> None:
    import json
    import threading

    from gastown_tui.services import polecats, witness
    from gastown_tui.services.attention import look
    from gastown_tui.services.daemon import Daemon, Timing
    from gastown_tui.services.rigs import add_rig, render_rig_toml, rig_paths
    from gastown_tui.services.townview import read_town
    from gastown_tui.town import install

    workdir = Path(tempfile.mkdtemp(prefix="gt-bench-"))
    os.environ.update(TMUX_TMPDIR=str(workdir), GT_ACTOR="overseer")
    os.environ.pop("TMUX", None)
    town = install(str(workdir / "town"))
    daemon = None
    try:
        with open(town.file, "a") as fh:
            for name, script, env in (("work", _WORKER, {}), ("askhook", _ASKER, {"MODE": "hook"}),
                                      ("asksilent", _ASKER, {"MODE": "silent"})):  # fmt: skip
                fh.write(f"\n[runtimes.{name}]\ncommand = {json.dumps(['sh', '-c', script])}\n"
                         f"env = {json.dumps(env).replace(':', ' =')}\n")  # fmt: skip
            fh.write(
                '\n[screens.asksilent]\nwaiting = ["\\\\[y/n\\\\]"]\n[screens.askhook]\nwaiting = ["\\\\[y/n\\\\]"]\n'
            )
        town.__dict__.pop("raw", None)
        town.__dict__.pop("config", None)
        os.environ["GT_TOWN"] = str(town.root)
        config = add_rig(town, "big", str(make_source(workdir / "src")), runtime="work")
        rig_paths(town, "big").config.write_text(render_rig_toml(replace(config, **{"max_polecats": 200})))
        start = time.perf_counter()
        runtimes = ["askhook"] * asking + ["asksilent"] * asking + ["work"] * (polecat_count - 2 * asking)
        slung = [polecats.sling(town, town.ledger.write("b", lambda tx, n=n: tx.create(f"job {n}", prefix="gt")),
                                "big", runtime=rt) for n, rt in enumerate(runtimes)]  # fmt: skip
        print(f"slung {len(slung)} polecats in {time.perf_counter() - start:.1f} s "
              f"({asking} ask with hooks, {asking} ask silently, the rest print progress)")  # fmt: skip
        tmux = town.tmux()
        daemon = Daemon(town, Timing(watch=1.0, patrol=1e9, refinery=1e9, dispatch=1e9), tmux=tmux)
        threading.Thread(target=daemon.run, daemon=True).start()  # what the TUI hosts
        for kind in ("askhook", "asksilent"):
            group = [got for got, rt in zip(slung, runtimes, strict=True) if rt == kind]
            names = {got["address"].rsplit("/", 1)[-1] for got in group}
            t0 = time.perf_counter()
            for name in names:
                (town.root / f"trigger-{name}").touch()
            seen: dict[str, float] = {}
            while len(seen) < len(names) and time.perf_counter() - t0 < 30:
                time.sleep(0.25)  # the town screen's feed poll
                for agent in read_town(town.ledger, town.root, live=tmux.activity()).needing_you:
                    if agent.name in names and agent.name not in seen:
                        seen[agent.name] = time.perf_counter() - t0
            label = "with hooks" if kind == "askhook" else "by screen rule"
            times = sorted(seen.values())
            print(f"question → 'needs you' {label:<15} ({len(seen)}/{len(names)} seen): "
                  f"median {ms(statistics.median(times))}, max {ms(max(times))}")  # fmt: skip
        daemon.stop()
        live = tmux.activity()
        found = [p for p in polecats.list_polecats(town, "big", live=live) if p.hook]
        screens = tmux.capture_many([p.session for p in found])
        from gastown_tui.runtime.screens import rules_for

        rules = {rt: rules_for(town, rt) for rt in set(runtimes)}
        costs, passes = [], []
        for _ in range(20):
            t = time.perf_counter()
            look(found, screens, {}, live, rules, time.time(), 600, "2026-01-01T00:00:00Z", "work")
            costs.append(time.perf_counter() - t)
        for _ in range(5):
            t = time.perf_counter()
            witness.watch(town, "big")
            passes.append(time.perf_counter() - t)
        print(f"screen rules over {len(screens)} screens per witness pass: median {ms(statistics.median(costs))}, "
              f"max {ms(max(costs))}; whole watch pass (capture + rules + marks): "
              f"median {ms(statistics.median(passes))}")  # fmt: skip
    finally:
        if daemon is not None:
            daemon.stop()
        town.tmux().kill_server()
        town.ledger.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
