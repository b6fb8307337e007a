"""Refinery benchmark: gate runs and wall time to work a queue of 16 MRs with 0, 1 and 3 bad
ones, batched and bisected vs one at a time (batch_size 1), on real git repositories with a
real unittest gate.

Run by hand:  .venv/bin/python bench/refinery.py [--mrs 16] [--batch 4 8 16] [--gate-sleep 0.5]
``--gate-sleep`` adds a gate that sleeps, to see wall time with a slower test suite.
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


if __name__ == "__main__":
    main()
