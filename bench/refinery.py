"""Refinery benchmark: gate runs and wall time to work a queue of 16 MRs with 0, 1 and 3 bad
ones, batched and bisected vs one at a time (batch_size 1), on real git repositories with a
real unittest gate.

Run by hand:  .venv/bin/python bench/refinery.py [--mrs 16] [--batch 4 8 16] [--gate-sleep 0.5]
``--gate-sleep`` adds a gate that sleeps, to see wall time with a slower test suite.
The push section (``push_figures``): the same MRs pushed to a local bare origin — time until the
origin has them all, and the gate runs when a person pushes to the origin once during the run.
Prints figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from refinery_support import PY, UNITTEST, feature, make_rig  # noqa: E402

from gastown_tui.services import refinery  # noqa: E402
from gastown_tui.town import install  # noqa: E402


def bad_positions(n: int, bad: int) -> set[int]:
    """Spread the bad ones over the queue (fixed, so runs compare)."""
    return {round((k + 1) * n / (bad + 1)) - 1 for k in range(bad)}


def one_run(n: int, bad: int, batch: int, gate_sleep: float) -> tuple[int, float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["TMUX_TMPDIR"] = tmp
        town = install(str(tmp_path / "town"))
        gates = [UNITTEST]
        if gate_sleep:
            gates.append(
                {"name": "suite", "command": [PY, "-c", f"import time; time.sleep({gate_sleep})"], "timeout": 60}
            )
        rig = make_rig(town, tmp_path, batch_size=batch, gates=gates)
        wrong = bad_positions(n, bad)
        for i in range(n):
            rig.submit(f"p{i}", feature(i, good=i not in wrong))
        rig.age_in_order()
        started = time.perf_counter()
        runs = 0
        while True:
            summary = refinery.run_once(town, "gastown")
            runs += summary["gate_runs"]
            if not summary["batches"]:
                break
        wall = time.perf_counter() - started
        mrs = town.ledger.read(lambda s: refinery.read_queue(s, "gastown", include_closed=True))
        merged = sum(1 for m in mrs if m.state == "merged")
        failed = sum(1 for m in mrs if m.state == "failed")
        town.ledger.close()
        return runs, wall, merged, failed


MOVE_ORIGIN = """import pathlib, subprocess, sys
marker, origin = pathlib.Path(sys.argv[1]), sys.argv[2]
if not marker.exists():  # the first gate run: a person pushes to the origin meanwhile
    marker.write_text("moved")
    work = marker.with_name("person")
    git = ["git", "-c", "user.name=p", "-c", "user.email=p@x.invalid"]
    subprocess.run(git + ["clone", "-q", origin, str(work)], check=True)
    (work / "PERSON.txt").write_text("pushed by hand\\n")
    subprocess.run(git + ["add", "-A"], cwd=work, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "a person's commit"], cwd=work, check=True)
    subprocess.run(git + ["push", "-q", "origin", "HEAD:main"], cwd=work, check=True)
"""


def push_run(n: int, batch: int, move_origin: bool) -> tuple[int, float, int]:
    """``n`` good MRs into a local bare origin: gate runs, seconds until the origin has every merge,
    merges on the origin's main."""
    from refinery_support import git

    from gastown_tui.config import RigConfig
    from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["TMUX_TMPDIR"] = tmp
        town = install(str(tmp_path / "town"))
        gates = [UNITTEST]
        origin = tmp_path / "origin.git"
        if move_origin:
            script = tmp_path / "move_origin.py"
            script.write_text(MOVE_ORIGIN)
            gates.append({"name": "mover", "command": [PY, str(script), str(tmp_path / "marker"), str(origin)],
                          "timeout": 60})  # fmt: skip
        rig = make_rig(town, tmp_path, batch_size=batch, gates=gates)
        git(tmp_path, "clone", "-q", "--bare", load_rig(town, "gastown").source, str(origin))
        config = RigConfig(**{**load_rig(town, "gastown").model_dump(), "source": str(origin)})
        rig_paths(town, "gastown").config.write_text(render_rig_toml(config))
        for i in range(n):
            rig.submit(f"p{i}", feature(i))
        rig.age_in_order()
        started = time.perf_counter()
        runs = 0
        while True:
            summary = refinery.run_once(town, "gastown")
            runs += summary["gate_runs"]
            if not summary["batches"]:
                break
        wall = time.perf_counter() - started
        merges = len(git(origin, "log", "--merges", "--format=%H", "main").splitlines())
        town.ledger.close()
        return runs, wall, merges


def push_figures(n: int, batches: list[int]) -> None:
    print(f"\npush: {n} MRs into a local bare origin (fast-forward pushes after each gated merge)")
    print(f"{'queue':<18} {'origin':<14} {'gate runs':>9} {'to all-pushed s':>15} {'merges on origin':>16}")
    for batch in batches:
        for moved in (False, True):
            runs, wall, merges = push_run(n, batch, moved)
            origin = "moves once" if moved else "still"
            name = "one at a time" if batch == 1 else f"batch {batch} + bisect"
            print(f"{name:<18} {origin:<14} {runs:>9} {wall:>15.2f} {merges:>16}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mrs", type=int, default=16)
    parser.add_argument("--batch", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--bad", type=int, nargs="+", default=[0, 1, 3])
    parser.add_argument("--gate-sleep", type=float, default=0.0)
    args = parser.parse_args()
    print(f"{args.mrs} MRs, gate = python -m unittest" + (f" + sleep {args.gate_sleep}s" if args.gate_sleep else ""))
    print(f"{'bad':>3} {'queue':<18} {'gate runs':>9} {'wall s':>8} {'merged':>6} {'failed':>6}")
    for bad in args.bad:
        for batch in [1, *args.batch]:
            runs, wall, merged, failed = one_run(args.mrs, bad, batch, args.gate_sleep)
            name = "one at a time" if batch == 1 else f"batch {batch} + bisect"
            print(f"{bad:>3} {name:<18} {runs:>9} {wall:>8.2f} {merged:>6} {failed:>6}")
    push_figures(args.mrs, [1, *args.batch])  # issue 12's section: before the summary line


if __name__ == "__main__":
    main()
