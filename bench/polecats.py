"""Polecat benchmarks: time to sling N scripted polecats; cost of one witness pass at 10/50/100 sessions.

Run by hand:  .venv/bin/python bench/polecats.py [--slings 10] [--sessions 10,50,100]
Uses its own tmux server (TMUX_TMPDIR in a temp dir) and a doltlite town; cleans up after.
Goal (issue 3): one witness pass over 100 live sessions ≤ 200 ms.

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
    args = parser.parse_args()
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
        rig_paths(town, "watch").config.write_text(render_rig_toml(watch.model_copy(update={"max_polecats": 200})))

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


if __name__ == "__main__":
    main()
