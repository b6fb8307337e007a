"""Convoy and molecule benchmarks: status of many convoys, landing, pouring.

Run by hand:  .venv/bin/python bench/convoys.py [--mysql mysql://root@127.0.0.1:3306] [--convoys 50] [--beads 20]
Prints milliseconds; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid

from gastown_tui.ledger.embedded import load_sqlite

load_sqlite()

from timing import timed  # noqa: E402

from gastown_tui.ledger import Ledger  # noqa: E402
from gastown_tui.services import convoys, formulas, molecules  # noqa: E402


def median_ms(fn, repeat: int = 5) -> float:
    return statistics.median(timed(fn, repeat))


def run(url: str, n_convoys: int, n_beads: int) -> None:
    ledger = Ledger.open(url)
    ledger.create()
    ledger.write("install", lambda tx: tx.set_config("issue_prefix", "hq"))

    def seed(tx):
        made = []
        for c in range(n_convoys):
            beads = [tx.create(f"work {c}.{b}", prefix="gt" if b % 2 else "bd") for b in range(n_beads)]
            made.append((convoys.create_convoy(tx, f"Convoy {c}", beads), beads))
        return made

    start = time.perf_counter()
    made = ledger.write("seed", seed)
    print(f"  seed {n_convoys} convoys × {n_beads} beads: {(time.perf_counter() - start) * 1000:.0f} ms")
    first, beads = made[0]
    print(
        f"  status (one):                 {median_ms(lambda: ledger.read(lambda s: convoys.status(s, first))):.1f} ms"
    )
    print(f"  listing (all open):           {median_ms(lambda: ledger.read(lambda s: convoys.listing(s))):.1f} ms")
    ledger.write("close", lambda tx: convoys.close_beads(tx, beads[:-1]))
    start = time.perf_counter()
    landed = ledger.write("close", lambda tx: convoys.close_beads(tx, beads[-1:]))
    print(f"  close last bead + land + mail: {(time.perf_counter() - start) * 1000:.1f} ms (landed {len(landed)})")
    work = formulas.find_formula("mol-polecat-work")
    pour_ms = median_ms(lambda: ledger.write("pour", lambda tx: molecules.pour_in(tx, work, {"issue": "gt-abc"})))
    print(f"  pour mol-polecat-work (7 steps): {pour_ms:.1f} ms")
    mol = ledger.write("pour", lambda tx: molecules.pour_in(tx, work, {"issue": "gt-abc"}))
    print(
        f"  next_steps:                   {median_ms(lambda: ledger.read(lambda s: molecules.next_steps(s, mol))):.1f} ms"
    )
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mysql", help="also run on this MySQL-wire server")
    parser.add_argument("--convoys", type=int, default=50)
    parser.add_argument("--beads", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("doltlite:")
        run(f"doltlite://{tmp}/ledger.db", args.convoys, args.beads)
    if args.mysql:
        name = "gt_bench_" + uuid.uuid4().hex[:10]
        print("mysql:")
        run(f"{args.mysql}/{name}", args.convoys, args.beads)
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


if __name__ == "__main__":
    main()
