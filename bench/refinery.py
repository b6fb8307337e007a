"""Refinery benchmark: today's serial bisect against speculative parallel gates, side by side, on
real git repositories with a real gate (the MRs' unittest suite, padded to ~1 s).

16 MRs in one batch, three cases:
  (a) 1 bad MR: gate runs and wall time to land the 15 good ones;
  (b) 1 bad MR + a flaky gate (its 3rd run fails whatever it tests, later runs pass): good MRs rejected;
  (c) 2 MRs that conflict with each other: gate runs spent on stacks holding the one that cannot merge.
"serial" is today's search: one stack at a time, one red run convicts (gate_parallelism 1,
gate_retries 0). "speculative" is the rig's defaults: gate_parallelism = cores (at most 4), gate_retries 1.
Both have the conflict pre-check.

Run by hand:  .venv/bin/python bench/refinery.py [--mrs 16] [--gate-seconds 1.0] [--width N]
Then the push (``push_figures``): the same MRs pushed to a local bare origin — time until the
origin has them all, and the gate runs when a person pushes to the origin once during the run.

Prints figures; nothing is asserted. The last line is for scripts:
``speculative/serial wall ratio R, flaky rejections F, gate runs on conflicts C``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from refinery_support import PY, UNITTEST, feature, make_rig, mr_states  # noqa: E402

from gastown_tui.services import refinery  # noqa: E402
from gastown_tui.town import install  # noqa: E402

# The gate: the MRs' unittest suite, then a sleep up to GATE_SECONDS; with a counter file, its
# FLAKE_AT-th run (over every worktree) fails before testing anything, as a flaky runner does.
GATE = """
import fcntl, os, subprocess, sys, time
started = time.monotonic()
seconds, counter, flake_at = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if counter != "-":
    with open(counter, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        n = len(f.read()) + 1
        f.write("x")
    if n == flake_at:
        sys.exit("flaky runner: lost its connection")
code = subprocess.run([sys.executable, "-m", "unittest", "-q"], capture_output=True).returncode
time.sleep(max(0.0, seconds - (time.monotonic() - started)))
sys.exit(code)
"""
FLAKE_AT = 3
BAD, CONFLICTING = 7, (4, 9)


@dataclass
class Figures:
    runs: int = 0
    wall: float = 0.0
    merged: int = 0
    failed_good: int = 0  # good MRs convicted: rejections caused by the flake
    failed_bad: int = 0
    rework: int = 0
    conflict_runs: int = 0  # gate runs on a stack holding an MR that ended in rework


def one_run(case: str, mode: str, n: int, gate_seconds: float, width: int) -> Figures:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        tmp_path = Path(tmp)
        os.environ["TMUX_TMPDIR"] = tmp
        town = install(str(tmp_path / "town"))
        (tmp_path / "gate.py").write_text(GATE)
        counter = str(tmp_path / "runs") if case == "b" else "-"
        gate = {"name": "suite", "command": [PY, str(tmp_path / "gate.py"), str(gate_seconds), counter,
                str(FLAKE_AT)], "timeout": 120}  # fmt: skip
        settings = {"gate_parallelism": 1, "gate_retries": 0} if mode == "serial" else {"gate_parallelism": width}
        rig = make_rig(town, tmp_path, batch_size=n, gates=[gate], **settings)
        bad = {BAD} if case in ("a", "b") else set()
        for i in range(n):
            files = feature(i, good=i not in bad)
            if case == "c" and i in CONFLICTING:
                files["VERSION"] = f"1\nchanged by MR {i}\n"
            rig.submit(f"p{i}", files)
        rig.age_in_order()
        figures, log = Figures(), []
        started = time.perf_counter()
        while True:
            summary = refinery.run_once(town, "gastown")
            figures.runs += summary["gate_runs"]
            log += summary["gate_log"]
            if not summary["batches"]:
                break
        figures.wall = time.perf_counter() - started
        states = dict(zip(rig.mrs, mr_states(town, rig.mrs), strict=True))
        figures.merged = sum(1 for s in states.values() if s == "merged")
        failed = [i for i, mr in enumerate(rig.mrs) if states[mr] == "failed"]
        figures.failed_bad = sum(1 for i in failed if i in bad)
        figures.failed_good = len(failed) - figures.failed_bad
        reworked = {mr for mr, s in states.items() if s == "rework"}
        figures.rework = len(reworked)
        figures.conflict_runs = sum(1 for entry in log if reworked & set(entry["stack"]))
        town.ledger.close()
        return figures


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
        config = replace(load_rig(town, "gastown"), source=str(origin))
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
    parser.add_argument("--gate-seconds", type=float, default=1.0)
    parser.add_argument("--width", type=int, default=0, help="gate_parallelism of the speculative mode (0: cores, ≤ 4)")
    args = parser.parse_args()
    width = args.width or max(1, min(os.cpu_count() or 1, 4))
    print(
        f"{args.mrs} MRs in one batch, gate ~{args.gate_seconds:g}s, {os.cpu_count()} cores, speculative width {width}"
    )
    print(f"{'case':<22} {'mode':<12} {'gate runs':>9} {'wall s':>7} {'merged':>6} {'bad out':>7} "
          f"{'good out':>8} {'rework':>6} {'runs on conflict':>16}")  # fmt: skip
    names = {"a": "(a) 1 bad", "b": "(b) 1 bad + 1 flaky", "c": "(c) 2 conflicting"}
    got: dict[tuple[str, str], Figures] = {}
    for case in ("a", "b", "c"):
        for mode in ("serial", "speculative"):
            f = got[case, mode] = one_run(case, mode, args.mrs, args.gate_seconds, width)
            print(f"{names[case]:<22} {mode:<12} {f.runs:>9} {f.wall:>7.2f} {f.merged:>6} {f.failed_bad:>7} "
                  f"{f.failed_good:>8} {f.rework:>6} {f.conflict_runs:>16}")  # fmt: skip
    push_figures(args.mrs, [1, 4, args.mrs])  # before the summary line, which stays last
    ratio = got["a", "speculative"].wall / got["a", "serial"].wall
    flaky = got["b", "speculative"].failed_good
    conflicts = got["c", "speculative"].conflict_runs
    print(f"speculative/serial wall ratio {ratio:.2f}, flaky rejections {flaky}, gate runs on conflicts {conflicts}")


if __name__ == "__main__":
    main()
