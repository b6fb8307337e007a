"""Ledger benchmarks: fixture import, create/show/list latency, CLI cold start.

Run by hand:  .venv/bin/python bench/ledger.py [--mysql mysql://root@127.0.0.1:3306]
Goals (issue 2): import of the Gas Town fixture ≤ 2 s; `gt bead create` cold start
≤ 2.5 × `python -c pass` + 150 ms. Issue 16: a 6,000-bead single-file export with every field
imports ≤ 1.5 s and exports ≤ 1.5 s; `gt bead list` on that town ≤ 150 ms cold.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from gastown_tui.ledger.embedded import load_sqlite

load_sqlite()

from timing import summary, timed  # noqa: E402

from gastown_tui.ledger import Ledger  # noqa: E402
from gastown_tui.ledger.export import export_jsonl  # noqa: E402
from gastown_tui.ledger.transfer import import_backup  # noqa: E402
from gastown_tui.town import install  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gastown-ledger"
SHAPES = FIXTURE.with_name("beads-shapes")
GT = str(Path(sys.executable).with_name("gt"))


def bench_backend(label: str, url: str) -> None:
    ledger = Ledger.open(url)
    ledger.create()
    ledger.write("install", lambda tx: tx.set_config("issue_prefix", "gt"))
    start = time.perf_counter()
    counts = import_backup(ledger, str(FIXTURE))
    print(
        f"[{label}] import of the Gas Town fixture ({sum(n for n in counts.values() if isinstance(n, int))} rows): "
        f"{time.perf_counter() - start:.2f} s   (goal ≤ 2 s)"
    )
    made: list[str] = []
    create = timed(
        lambda: made.append(ledger.write("bead create", lambda tx: tx.create("bench bead", prefix="gt"))), 50
    )
    print(f"[{label}] create (one transaction + Dolt commit): {summary(create)}")
    show = timed(lambda: ledger.read(lambda s: (s.get(made[0]), s.labels(made[0]), s.dependencies(made[0]))), 200)
    print(f"[{label}] show:                                    {summary(show)}")
    listing = timed(lambda: ledger.list_beads(include_closed=True), 20)
    print(f"[{label}] list of all {677 + len(made)} beads:                 {summary(listing)}")
    ready = timed(lambda: ledger.read(lambda s: s.ready()), 20)
    print(f"[{label}] ready work:                              {summary(ready)}")
    ledger.close()


def _gt_env(town: Path) -> dict[str, str]:
    """The environment of a ``gt`` run in ``town``, with Python's bytecode cache on as an installed
    ``gt`` has it (a session that turned it off would time compiling, not starting); primed by one run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GT_TOWN"] = str(town)
    subprocess.run([GT, "bead", "list", "--limit", "1"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def cold_start(town: Path) -> None:
    env = _gt_env(town)
    baseline = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 20)
    create = timed(
        lambda: subprocess.run([GT, "bead", "create", "cold"], env=env, check=True, stdout=subprocess.DEVNULL), 20
    )
    show = timed(
        lambda: subprocess.run([GT, "bead", "list", "--limit", "5"], env=env, check=True, stdout=subprocess.DEVNULL), 20
    )
    base, made = statistics.median(baseline), statistics.median(create)
    goal = 2.5 * base + 150
    print(
        f"cold start: python -c pass {base:.1f} ms; gt bead create {made:.1f} ms; gt bead list "
        f"{statistics.median(show):.1f} ms"
    )
    print(
        f"cold start ratio: {made / base:.1f}× python; goal ≤ 2.5× + 150 ms = {goal:.0f} ms → "
        f"{'met' if made <= goal else 'MISSED'}"
    )


def big_export(path: Path, count: int = 6000) -> None:
    """A single-file export of ``count`` beads, each with every field beads writes (see
    tests/fixtures/beads-shapes/single-v1.0.0.jsonl), times in mixed offsets, a tenth wisps."""
    template = json.loads((SHAPES / "single-v1.0.0.jsonl").read_text().splitlines()[0])
    offsets = ("Z", "+01:00", "-08:00", "+05:30")
    with open(path, "w", encoding="utf-8") as fh:
        for n in range(count):
            bead_id = f"gt-{'wisp-' if n % 10 == 0 else ''}{n:05d}"
            stamp = f"2026-01-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00{offsets[n % 4]}"
            record = {
                **template,
                "id": bead_id,
                "title": f"Bench bead {n}",
                "created_at": stamp,
                "updated_at": stamp,
                "status": ("open", "closed", "in_progress", "tombstone")[n % 4],
                "dependencies": [{**template["dependencies"][0], "issue_id": bead_id, "depends_on_id": "gt-00001"}],
                "comments": [{**template["comments"][0], "id": f"c-{n}", "issue_id": bead_id}],
            }
            fh.write(json.dumps(record) + "\n")


_EVERY = ["--all", "--include-gates", "--include-infra", "--include-templates"]


def bench_big_export(tmp: str) -> None:
    town = install(os.path.join(tmp, "bigtown"))
    source = Path(tmp) / "big.jsonl"
    big_export(source)
    # Wall time, and CPU time beside it: on a loaded machine the wall clock also counts waiting.
    start, cpu = time.perf_counter(), time.process_time()
    counts = import_backup(town.ledger, str(source))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"[doltlite] import of a {counts['issues']}-bead single-file export: {wall:.2f} s (cpu {cpu:.2f} s)   (goal ≤ 1.5 s)"
    )
    start, cpu = time.perf_counter(), time.process_time()
    export_jsonl(town.ledger, str(Path(tmp) / "out.jsonl"))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"[doltlite] export of it as one issues.jsonl: {wall:.2f} s (cpu {cpu:.2f} s)   (goal ≤ 1.5 s)")
    env = _gt_env(town.root)
    # bd list's default hides this export's beads (pinned gates): the whole ledger is listed too.
    for argv in (["-c", "pass"], ["bead", "list", "--limit", "1"], ["bead", "list"], ["bead", "list", *_EVERY]):
        command = [sys.executable, *argv] if argv[0] == "-c" else [GT, *argv]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs = timed(lambda c=command: subprocess.run(c, env=env, check=True, stdout=subprocess.DEVNULL), 20)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000 / len(runs)
        shown = "python -c pass" if argv[0] == "-c" else "gt " + " ".join(argv).replace(" ".join(_EVERY), "--all …")
        print(f"[doltlite] {shown:<22} cold, on it: {summary(runs)}, cpu {child_cpu:.0f} ms/run")
    print("[doltlite] goal: gt bead list ≤ 150 ms cold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mysql", default="mysql://root@127.0.0.1:3306", help="server to bench ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend("doltlite", f"doltlite://{tmp}/bench.db")
        if args.mysql:
            name = "gt_bench_" + uuid.uuid4().hex[:8]
            try:
                bench_backend("mysql", f"{args.mysql}/{name}")
            finally:
                import pymysql

                conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
                conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        town = install(os.path.join(tmp, "town"))
        cold_start(town.root)
        bench_big_export(tmp)


if __name__ == "__main__":
    main()
