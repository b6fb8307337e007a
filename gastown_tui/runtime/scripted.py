"""The ``scripted`` runtime: a real agent program that speaks the polecat protocol with no AI.

Run in a polecat's session (``python -m gastown_tui.runtime.scripted [switches] [PROMPT]``) it
prints the prompt it was given, reads its hook (``gt hook``), prints progress for a few seconds,
writes ``scripted/BEAD.md`` in its worktree, commits, and runs ``gt done``. Everything it says
also goes to ``$GT_TOWN/.runtime/scripted/SESSION.log`` so tests and people can read it back.
It talks to the town only through the ``gt`` command, as any agent does.

When its merge request came back (the hook says ``rework``: failed gates, a conflict, a
rejection) it does what a polecat is told: rebases its branch onto the target, settling
conflicts the simple way (both sides' lines), writes its change again — now without the
misbehaviour, which is spent after the first failure — commits, and runs ``gt done`` again.

Switches to misbehave on purpose, so every failure path can be shown:

- ``--hang``: stops half-way and prints nothing more (it still echoes typed lines to its log);
- ``--crash``: exits with status 3 half-way, before committing;
- ``--fail-gates``: its change carries ``gate: fail``, which ``scripted --gate`` (use it as a rig
  gate command) rejects;
- ``--conflict``: also writes ``scripted/conflict.md`` with content unique to the bead, so two
  such branches (or one and a target that has that file) conflict;
- ``--fast`` (or env ``GT_SCRIPTED_FAST=1``): short waits, for tests;
- ``--ask``: stops half-way at a yes/no question for a person, says so through ``gt agent state
  waiting --reason QUESTION`` (as a real agent's hooks do), and goes on with the answer typed into
  its session (``gt agent state working``); ``--ask-silent`` asks without saying so, which only the
  screen rules (``runtime/screens.py``) can see.

Re-running on the same hook is safe: the same change gives nothing new to commit, and the
commit already on the branch is handed over.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import termios
import time
from pathlib import Path

GATE_FAIL = "gate: fail"
# What the agent says it is doing, step by step (ANSI colours, as a real agent CLI shows them).
STEPS = (
    "\x1b[36m●\x1b[0m Reading the hook and the rig's README",
    "\x1b[36m●\x1b[0m Exploring the code: \x1b[2mgit ls-files\x1b[0m",
    "\x1b[36m●\x1b[0m Planning the change",
    "\x1b[33m✎\x1b[0m Editing files",
    "\x1b[36m●\x1b[0m Running the tests",
    "\x1b[32m✓\x1b[0m Reviewing the diff",
)


class Log:
    def __init__(self) -> None:
        town = os.environ.get("GT_TOWN")
        session = os.environ.get("GT_SESSION", "scripted")
        self.path = Path(town) / ".runtime" / "scripted" / f"{session}.log" if town else None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        if self.path:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")


def gt(*argv: str) -> tuple[int, str]:
    """Run the ``gt`` command, as any agent would; its exit code and what it printed."""
    program = shutil.which("gt") or str(Path(sys.executable).with_name("gt"))
    proc = subprocess.run([program, *argv], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


def check_gates(folder: Path) -> int:
    """``scripted --gate``: fail when any scripted change asks to fail the gates."""
    bad = [p.name for p in sorted((folder / "scripted").glob("*.md")) if GATE_FAIL in p.read_text().splitlines()]
    if bad:
        print(f"gate failed: {', '.join(bad)} carry '{GATE_FAIL}'")
        return 1
    print("gate passed")
    return 0


def _hang(log: Log) -> int:
    log("hanging on purpose")
    for line in sys.stdin:
        log(f"heard: {line.rstrip(chr(10))}")
    while True:  # stdin closed: stay silent until killed
        time.sleep(3600)


def _ask(bead: dict, log: Log, report: bool) -> str:
    """Ask a person a yes/no question on the screen and wait for the answer typed into the session."""
    question = f"? Write scripted/{bead['id']}.md and commit it? [y/n]"
    if sys.stdin.isatty():  # as prompts for a person do: lines typed at us earlier (nudges) answer nothing
        termios.tcflush(sys.stdin, termios.TCIFLUSH)
    if report:
        gt("agent", "state", "waiting", "--reason", question)
    print(question + " ", end="", flush=True)
    answer = sys.stdin.readline().strip()
    log(f"{question} -> {answer or '(no answer)'}")
    if report:
        gt("agent", "state", "working")
    return "yes" if answer.lower().startswith("y") else "no"


def _change(worktree: Path, bead: dict, actor: str, args: argparse.Namespace, answer: str = "") -> None:
    folder = worktree / "scripted"
    folder.mkdir(exist_ok=True)
    lines = [f"# {bead['title']}", "", f"Worked on {bead['id']} by {actor}."]
    if answer:
        lines.append(f"Asked the overseer; the answer was {answer}.")
    if args.fail_gates:
        lines.append(GATE_FAIL)
    (folder / f"{bead['id']}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.conflict:
        (folder / "conflict.md").write_text(f"conflict from {bead['id']} by {actor}\n", encoding="utf-8")


def _rebase(worktree: Path, target: str, log: Log) -> None:
    """Onto the target, conflicts settled with both sides; if even that fails, start over on the
    target (the change is written again next)."""
    from gastown_tui.vcs import git
    from gastown_tui.vcs.rebase import both_sides, rebase

    log(f"\x1b[36m●\x1b[0m Rebasing onto {target}")
    outcome = rebase(worktree, target, both_sides)
    if outcome.ok:
        settled = f"; settled conflicts in {', '.join(outcome.resolved)} with both sides" if outcome.resolved else ""
        log(f"rebased onto {target}{settled}")
        return
    log(f"rebase failed ({outcome.error}); redoing my change on top of {target}")
    git.git(["reset", "--hard", "--quiet", target], worktree)


def run(args: argparse.Namespace) -> int:
    from gastown_tui.vcs import git

    log = Log()
    actor = os.environ.get("GT_ACTOR", "?")
    wait = 0.05 if args.fast or os.environ.get("GT_SCRIPTED_FAST") else 2.0
    log(f"scripted agent {actor} starting")
    log(f"prompt: {args.prompt}")
    code, out = gt("hook", "--json")
    bead = json.loads(out) if code == 0 and out.strip() else None
    if not bead:
        log("nothing on my hook; exiting")
        return 0
    log(f"hooked: {bead['id']}: {bead['title']}")
    rework = bead.get("rework")
    if rework:
        log(f"rework of {rework['mr']} (attempt {rework['attempt']} came back: {rework['kind']})")
        args.fail_gates = args.conflict = False  # the misbehaviour is spent: this time do it right
    answer = ""
    for step, doing in enumerate(STEPS, 1):
        log(f"{doing}  \x1b[2m[{bead['id']} {step}/{len(STEPS)}]\x1b[0m")
        time.sleep(wait)
        if step == 3 and (args.ask or args.ask_silent) and not rework:
            answer = _ask(bead, log, report=args.ask)
        if step == 2 and args.crash:
            log("crashing on purpose")
            return 3
        if step == 2 and args.hang:
            return _hang(log)
    worktree = Path.cwd()
    if rework:
        _rebase(worktree, rework["target"], log)
    _change(worktree, bead, actor, args, answer)
    message = (
        f"{bead['id']}: fix after {rework['kind']} ({rework['mr']})" if rework else f"{bead['id']}: {bead['title']}"
    )
    sha = git.commit_all(worktree, message)
    log(f"committed {sha}" if sha else "nothing new to commit")
    log("running gt done")
    code, out = gt("done")
    log(out.strip())
    log(f"gt done exited {code}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripted", description=__doc__.split("\n\n")[0])
    parser.add_argument("prompt", nargs="?", default="")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--fail-gates", action="store_true")
    parser.add_argument("--conflict", action="store_true")
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--ask", action="store_true")
    parser.add_argument("--ask-silent", action="store_true")
    parser.add_argument("--gate", action="store_true", help="check the current folder as a rig gate")
    args = parser.parse_args(argv)
    if args.gate:
        return check_gates(Path.cwd())
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
