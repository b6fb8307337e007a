"""TUI benchmarks: cold start to first full paint, key-to-repaint latency, idle CPU.

Run by hand:  .venv/bin/python bench/tui.py [--sessions 0 50 100] [--idle 10]
Goals (issue 7): cold start ≤ 1 s on the Gas Town ledger fixture; key→repaint p95 ≤ 100 ms
with 50 and 100 live sessions; idle CPU ≤ 5 % with 50 sessions.

The town is the Gas Town backup plus the TUI fixture beads (tests/tui_support.py). "Live
sessions" are real tmux sessions on a private server, each with an agent bead in the rig
tree, each printing a line every 0.2 s; the app follows the selected one as it would a polecat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tui_support import RIG, populate  # noqa: E402

from gastown_tui.runtime.tmux import Tmux  # noqa: E402
from gastown_tui.town import install  # noqa: E402

SIZE = (160, 48)
PRINTER = [
    sys.executable,
    "-u",
    "-c",
    "import time,itertools\nfor i in itertools.count(): print('tick', i); time.sleep(0.2)",
]


def make_town(folder: str):
    town = install(os.path.join(folder, "town"))
    populate(town.ledger)
    return town


# -- cold start: a child process that exits at its first full paint ------------------------------


def child(town_root: str) -> None:
    from gastown_tui.town import Town
    from gastown_tui.tui.app import GastownApp
    from gastown_tui.tui.messages import TownRead
    from gastown_tui.tui.screens.town import TownScreen

    class FirstPaint(GastownApp):
        def on_town_read_painted(self) -> None:
            print(f"PAINTED {time.time():.6f}", flush=True)
            self.exit()

    original = TownScreen.on_town_read

    def on_town_read(self, message: TownRead) -> None:
        original(self, message)
        self.call_after_refresh(self.app.on_town_read_painted)

    TownScreen.on_town_read = on_town_read
    town = Town(Path(town_root))
    FirstPaint(town, tmux=town.tmux()).run(headless=True, size=SIZE)


def cold_start(town, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(town.root)], capture_output=True, text=True, timeout=60
        ).stdout
        painted = next(float(line.split()[1]) for line in out.splitlines() if line.startswith("PAINTED"))
        times.append(painted - start)
    return times


# -- key to repaint, idle CPU: in process, headless ------------------------------------------------


async def interactive(town, tmux: Tmux, presses: int, idle: float) -> tuple[list[float], float, float]:
    """Key→repaint latencies (a key event in, the cursor moved, the next refresh done), then idle CPU %
    with the cursor on an agent without a session (the witness) and on a printing session (whose
    pane is then followed)."""
    from textual import events

    from gastown_tui.tui.app import GastownApp
    from gastown_tui.tui.widgets.rig_tree import RigTree

    app = GastownApp(town, tmux=tmux)
    async with app.run_test(size=SIZE):
        deadline = time.monotonic() + 30
        while app.screen.snapshot is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(2.5)  # the first session sweep
        tree = app.screen.query_one(RigTree)
        tree.focus()
        latencies = []
        for index in range(presses):
            painted = asyncio.Event()
            before = tree.cursor_line
            start = time.perf_counter()
            app.post_message(events.Key("j" if index % 40 < 20 else "k", None))
            while tree.cursor_line == before:
                await asyncio.sleep(0)
            app.screen.call_after_refresh(painted.set)
            await painted.wait()
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(0.03)
        quiet_agent = next(a for a in tree._agents.values() if a.role == "witness")  # no session to follow
        tree.move_cursor(tree._by_key[quiet_agent.id])
        quiet = await _cpu_percent(idle)
        printing = next((a for a in tree._agents.values() if a.session in app.screen.live), None)
        if printing is None:
            return latencies, quiet, float("nan")
        tree.move_cursor(tree._by_key[printing.id])
        await asyncio.sleep(0.5)
        return latencies, quiet, await _cpu_percent(idle)


async def _cpu_percent(seconds: float) -> float:
    cpu0, kids0, wall0 = time.process_time(), _children_cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (time.process_time() - cpu0 + _children_cpu() - kids0) / (time.monotonic() - wall0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--sessions", type=int, nargs="*", default=[0, 50, 100])
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    folder = tempfile.mkdtemp(prefix="gt-bench-tui-")
    os.environ["TMUX_TMPDIR"] = folder
    os.environ.pop("TMUX", None)
    town = None
    try:
        town = make_town(folder)
        tmux = town.tmux()
        starts = cold_start(town)
        print(f"cold start to first full paint (fixture, 5 runs): median {statistics.median(starts) * 1000:.0f} ms,"
              f" max {max(starts) * 1000:.0f} ms  (goal ≤ 1000 ms)")  # fmt: skip
        have = 0
        for count in args.sessions:
            if count > have:
                add_sessions(town, tmux, have, count - have)
                have = count
            latencies, quiet, following = asyncio.run(interactive(town, tmux, args.presses, args.idle))
            print(
                f"{count:3d} live sessions: key→repaint p50 {statistics.median(latencies) * 1000:.1f} ms,"
                f" p95 {p95(latencies) * 1000:.1f} ms (goal ≤ 100); idle CPU {quiet:.1f} % of one core"
                f" (goal ≤ 5), {following:.1f} % while following a printing session"
            )
        shown = asyncio.run(output_latency(town, tmux))
        print(f"agent output → pane: p50 {statistics.median(shown) * 1000:.0f} ms, p95 {p95(shown) * 1000:.0f} ms"
              "  (goal < 250 ms)")  # fmt: skip
    finally:
        if town is not None:
            town.tmux().kill_server()
        shutil.rmtree(folder, ignore_errors=True)


async def output_latency(town, tmux: Tmux, samples: int = 20) -> list[float]:
    """Seconds from a line reaching a polecat's pane (tmux has it) to the output pane showing it."""
    from gastown_tui.tui.app import GastownApp
    from gastown_tui.tui.widgets.polecat_output import PolecatOutput
    from gastown_tui.tui.widgets.rig_tree import RigTree

    add_sessions(town, tmux, 0, 1, name="echo", command=["cat"])
    session = "gt-gastown-echo"
    app = GastownApp(town, tmux=tmux)
    out = []
    async with app.run_test(size=SIZE):
        tree = app.screen.query_one(RigTree)
        while "gt-gastown-polecat-echo" not in tree._by_key or session not in app.screen.live:
            await asyncio.sleep(0.05)
        tree.move_cursor(tree._by_key["gt-gastown-polecat-echo"])
        output = app.screen.query_one(PolecatOutput)
        for n in range(samples):
            marker = f"marker-{n}-{time.monotonic_ns()}"
            tmux.send_text(session, marker)
            while marker not in tmux.capture(session, ansi=False):
                await asyncio.sleep(0.001)
            written = time.perf_counter()
            while marker not in str(output._view.render()):
                await asyncio.sleep(0.005)
            out.append(time.perf_counter() - written)
            await asyncio.sleep(0.05)
    return out


def add_sessions(town, tmux: Tmux, start: int, count: int, name: str = "bench", command=PRINTER) -> None:
    """``count`` more polecat agent beads with live sessions that keep printing (or run ``command``)."""
    from gastown_tui import addresses

    names = [f"{name}{i:03d}" if count > 1 or name == "bench" else name for i in range(start, start + count)]

    def beads(tx):
        for name in names:
            tx.create(
                addresses.polecat(RIG, name),
                bead_id=addresses.agent_bead_id("gt", RIG, "polecat", name),
                issue_type="agent",
                labels=["gt:agent"],
                description=f"role_type: polecat\nrig: {RIG}\nagent_state: working\nhook_bead: \n"
                f"session: {addresses.session_name(RIG, name)}",
            )

    town.ledger.write("bench agents", beads)
    for name in names:
        tmux.new_session(addresses.session_name(RIG, name), str(town.root), command, width=120, height=40)


if __name__ == "__main__":
    main()
