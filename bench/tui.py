"""TUI benchmark, measured as a person feels it: the real app in a real 160×48 tmux pane.

Run by hand:  .venv/bin/python bench/tui.py [--polecats 0 50 100] [--idle 10] [--quick]

The town is Gas Town's ledger fixture plus the TUI fixture beads (tests/tui_support.py) and a rig
``work`` with N polecats slung for real (bead on the hook, git worktree, tmux session on the town's
server) running a ``cat`` runtime, so they stay live and echo what is typed to them. The app is
``gastown-tui --town T`` hosting the daemon, as users run it. Keys go in with ``tmux send-keys``; a
key's latency is the time until ``capture-pane -e`` shows a different screen; the app's CPU per key
(from the key until its screen settles) is printed too, as it is far less noisy than latency on a
busy machine. CPU and RSS are read from /proc for the app and every process under it (the hosted
daemon's child process included, and shown apart in brackets); RSS sums count a shared library's
pages once per process, PSS shares them out. First paint: the frame (all five
pane titles) and the fixture's convoy drawn (filled from the first ledger read).

Goals (issue 15) at 100 polecats: every key p95 ≤ 50 ms, first paint ≤ 0.5 s on the fixture town,
idle CPU ≤ 1 % of a core, RSS ≤ 120 MB, agent output on screen ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from polecat_support import add_rig  # noqa: E402
from timing import p95  # noqa: E402
from tui_support import populate  # noqa: E402

from gastown_tui.runtime.tmux import Tmux  # noqa: E402
from gastown_tui.town import install  # noqa: E402

WIDTH, HEIGHT = 160, 48
APP = str(Path(sys.executable).with_name("gastown-tui"))
FRAME = "[5] Mail"  # the last pane title: the frame is on screen
FILLED = "Auth rewrite"  # the fixture convoy: the ledger has been read and drawn
CAT_RUNTIME = '\n[runtimes.cat]\ncommand = ["cat"]\nprompt = "type"\nready_delay = 0.01\n'
TICK = os.sysconf("SC_CLK_TCK")


class Terminal:
    """A person's terminal: one tmux session on a private server, running the app."""

    def __init__(self) -> None:
        self.tmux = Tmux(socket="bench-person")
        self.name = "person"

    def open(self, town_root: Path, *extra: str) -> float:
        start = time.perf_counter()
        command = [APP, "--town", str(town_root), *extra]
        self.tmux.new_session(self.name, str(town_root), command, width=WIDTH, height=HEIGHT)
        return start

    def close(self) -> None:
        if self.tmux.has_session(self.name):
            self.keys("q")
            wait(lambda: not self.tmux.has_session(self.name), 15, "the app to quit")

    def screen(self) -> str:
        return self.tmux.capture(self.name, ansi=True)

    def text(self) -> str:
        return self.tmux.capture(self.name, ansi=False)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.tmux.socket, "send-keys", "-t", f"={self.name}:", *keys], check=True)

    @property
    def app_pid(self) -> int:
        out = self.tmux._run("display-message", "-p", "-t", f"={self.name}:", "#{pane_pid}").stdout
        return int(out.strip())

    def settle(self, quiet: float = 0.08, limit: float = 2.0) -> str:
        """The screen once it held still for ``quiet`` seconds (or after ``limit``)."""
        deadline = time.monotonic() + limit
        last = self.screen()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.screen()
            if now == last:
                return now
            last = now
        return last

    def press(self, key: str, timeout: float = 5.0) -> tuple[float, float]:
        """Seconds from ``send-keys`` until the screen differs from the settled screen before it,
        and the CPU seconds the app spent from the key until its screen settled again."""
        before = self.settle()
        cpu0 = cpu_seconds(self.app_pid)
        start = time.perf_counter()
        self.keys(key)
        while self.screen() == before:
            if time.perf_counter() - start > timeout:
                return float("inf"), 0.0
        took = time.perf_counter() - start
        self.settle()
        return took, cpu_seconds(self.app_pid) - cpu0


def wait(predicate: Callable[[], object], timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (got := predicate()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)
    return got


# -- the process tree of the app, from /proc ------------------------------------------------------


def tree(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += parents.get(current, [])
    return out


def daemon_child(pid: int) -> int | None:
    """The hosted daemon's process under the app, if it runs in one."""
    for member in tree(pid)[1:]:
        try:
            if b"daemon_process" in Path(f"/proc/{member}/cmdline").read_bytes():
                return member
        except OSError:
            continue
    return None


def cpu_seconds(pid: int) -> float:
    """CPU of the app and everything under it, finished children included (utime+stime+cutime+cstime)."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / TICK


def memory_mb(pid: int, field: str = "Rss") -> float:
    """``Rss`` (resident, shared pages counted in every process) or ``Pss`` (shared pages split
    between the processes sharing them) of the app and everything under it."""
    total = 0
    for member in tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith(f"{field}:")), 0)
    return total / 1024


# -- the town -------------------------------------------------------------------------------------


def make_town(folder: Path):
    town = install(str(folder / "town"))
    populate(town.ledger)
    with open(town.file, "a") as fh:
        fh.write(CAT_RUNTIME)
    town.__dict__.pop("raw", None)
    os.environ["GT_TOWN"] = str(town.root)
    add_rig(town, folder, "work", runtime="cat", max_polecats=200)
    return town


def sling_polecats(town, start: int, count: int) -> None:
    """``count`` more polecats at work, slung four at a time (a sling mostly waits on git and tmux)."""
    from gastown_tui.services import polecats

    tmux = town.tmux()

    def sling(n: int) -> None:
        bead = town.ledger.write("bench", lambda tx: tx.create(f"bench job {n}", prefix="gt"))
        polecats.sling(town, bead, "work", tmux=tmux)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(sling, range(start, start + count)))


# -- what is measured -----------------------------------------------------------------------------


def first_paint(term: Terminal, root: Path, runs: int, filled: str | None) -> tuple[list[float], list[float]]:
    """Seconds from starting the app to the frame on screen, and to ``filled`` text drawn."""
    frames, fills = [], []
    for _ in range(runs):
        start = term.open(root)
        wait(lambda: FRAME in term.text(), 30, "the frame")
        frames.append(time.perf_counter() - start)
        if filled:
            wait(lambda: filled in term.text(), 30, f"{filled!r} on screen")
            fills.append(time.perf_counter() - start)
        term.close()
    return frames, fills


def key_latencies(term: Terminal, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """``{action: [(seconds to a changed screen, app CPU seconds), ...]}``."""
    out: dict[str, list[tuple[float, float]]] = {}

    def note(label: str, key: str) -> None:
        out.setdefault(label, []).append(term.press(key))

    term.press("1")
    for n in range(rounds * 4):  # down 10, up 10: the cursor walks agents, rigs and groups
        note("j/k rig tree", "j" if n % 20 < 10 else "k")
    for _ in range(max(2, rounds // 2)):
        for pane in "23451":
            note("pane switch 1-5", pane)
    for n in range(rounds):
        note("help open (?)", "?")
        if n % 2:  # a lone escape waits for Textual's ESCDELAY (100 ms) in case a sequence follows
            note("help close (esc)", "escape")
        else:
            note("help close (?)", "?")
    for _ in range(max(3, rounds // 2)):
        note("palette open (ctrl+p)", "C-p")
        term.press("escape")
    term.press("4")
    for _ in range(max(3, rounds // 2)):
        note("MR details open (enter)", "Enter")
        term.press("escape")
    term.press("1")
    return out


def output_latency(term: Terminal, town, samples: int) -> list[float]:
    """Seconds from a line on a polecat's pane (tmux has it) to the app's output pane showing it."""
    tmux = town.tmux()
    sessions = [s for s in tmux.sessions() if s.startswith("gt-work-")]
    if not sessions:
        return []
    term.press("1")
    term.keys("Home")  # the town node: the output pane follows the first working polecat
    followed = wait(lambda: next((s for s in sessions if s in term.text()), None), 10, "a followed session")
    out = []
    for n in range(samples):
        marker = f"mark{n}x{time.monotonic_ns() % 10**8}"
        tmux.send_text(followed, marker)
        on_pane = on_screen = None
        while on_screen is None:
            now = time.perf_counter()
            if on_pane is None and marker in tmux.capture(followed, ansi=False):
                on_pane = now
            if marker in term.text():
                on_screen = time.perf_counter()
        out.append(on_screen - (on_pane or on_screen))
        time.sleep(0.1)
    return out


def idle_cpu(term: Terminal, seconds: float) -> tuple[float, float]:
    """% of a core used by the app and everything under it, and by the daemon's child process alone."""
    pid = term.app_pid
    daemon = daemon_child(pid)
    term.settle()
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    daemon0 = cpu_seconds(daemon) if daemon else 0.0
    time.sleep(seconds)
    wall = time.monotonic() - wall0
    daemon_cpu = cpu_seconds(daemon) - daemon0 if daemon else 0.0
    return 100 * (cpu_seconds(pid) - cpu0) / wall, 100 * daemon_cpu / wall


# -- the table ------------------------------------------------------------------------------------


def ms(values: list[float]) -> str:
    if not values:
        return "—"
    values = sorted(values)
    return f"{statistics.median(values) * 1000:.0f} / {p95(values) * 1000:.0f} / {max(values) * 1000:.0f}"


def print_table(counts: list[int], rows: dict[str, dict[int, str]]) -> None:
    width = max(len(label) for label in rows) + 2
    print(f"\n{'measure (ms: p50 / p95 / max)':<{width}}" + "".join(f"{f'{c} polecats':>22}" for c in counts))
    for label, by_count in rows.items():
        print(f"{label:<{width}}" + "".join(f"{by_count.get(c, '—'):>22}" for c in counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polecats", type=int, nargs="*", default=[0, 50, 100])
    parser.add_argument("--rounds", type=int, default=8, help="key presses per action ≈ rounds (j/k: ×4)")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured")
    parser.add_argument("--paints", type=int, default=3, help="cold starts per first-paint figure")
    args = parser.parse_args()
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="gt-bench-tui-"))
    os.environ["TMUX_TMPDIR"] = str(folder)
    os.environ.pop("TMUX", None)
    os.environ["GT_ACTOR"] = "overseer"
    term = Terminal()
    town = empty = None
    rows: dict[str, dict[int, str]] = {}
    cpu_rows: dict[str, dict[int, str]] = {}  # less noisy than latency on a busy machine
    try:
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
        empty = install(str(folder / "empty"))
        frames, _ = first_paint(term, empty.root, args.paints, None)
        rows["first paint, empty ledger (frame)"] = {c: ms(frames) for c in args.polecats}
        town = make_town(folder)
        have = 0
        for count in sorted(args.polecats):
            sling_polecats(town, have, count - have)
            have = count
            print(f"-- {count} polecats ({time.monotonic() - began:.0f} s in)", flush=True)
            frames, fills = first_paint(term, town.root, args.paints, FILLED)
            rows.setdefault("first paint, fixture town (frame)", {})[count] = ms(frames)
            rows.setdefault("first paint, fixture town (filled)", {})[count] = ms(fills)
            term.open(town.root)
            wait(lambda: FILLED in term.text(), 30, "the town drawn")
            time.sleep(2.5)  # the first tmux sweep and daemon passes
            for label, presses in key_latencies(term, args.rounds).items():
                rows.setdefault(label, {})[count] = ms([took for took, _ in presses])
                mean_cpu = 1000 * statistics.mean(cpu for _, cpu in presses)
                cpu_rows.setdefault(f"{label}: app CPU ms per key", {})[count] = f"{mean_cpu:.0f}"
            rows.setdefault("agent output → screen", {})[count] = ms(output_latency(term, town, args.rounds))
            total, daemon = idle_cpu(term, args.idle)
            rows.setdefault("idle CPU % of a core: all (daemon)", {})[count] = f"{total:.1f} ({daemon:.1f}) %"
            pid = term.app_pid
            child = daemon_child(pid)
            for field in ("Rss", "Pss"):
                mb = f"{memory_mb(pid, field):.0f} ({memory_mb(child, field) if child else 0:.0f}) MB"
                rows.setdefault(f"{field.upper()}: app+daemon (daemon)", {})[count] = mb
            term.close()
        print_table(sorted(args.polecats), rows | cpu_rows)
        print(
            "(a key that never changed the screen within 5 s counts as inf; CPU ticks are 10 ms, means over the presses)"
        )
        print(f"\nload after: {os.getloadavg()[0]:.2f} (1 min); bench took {time.monotonic() - began:.0f} s")
    finally:
        term.tmux.kill_server()
        for opened in (town, empty):
            if opened is not None:
                opened.tmux().kill_server()
                opened.ledger.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
