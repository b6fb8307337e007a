"""The demo town: one rig on the sample repository (``demo_repo.py``: a module with a real test
suite), a convoy of work and scripted polecats, set up so that everything Gas Town does can be
watched at once.

Two beads are slung with a runtime that writes a change the gates reject and two with one
that conflicts (and, where a person approves, one whose polecat stops to ask them a question), so a red gate, a bisected batch and a rework request all happen too — and then
their recovery: the witness sends each failed merge request back to its polecat, which rebases,
fixes and resubmits it, until the convoy lands. With ``auto`` the refinery merges without
waiting for approval, so the whole story plays out hands-free.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import addresses
from ..errors import Conflict
from .demo_repo import make_source_repo

if TYPE_CHECKING:
    from ..town import Town

RIG = "calc"
# (title, priority, runtime label or ""). The two conflicting beads are the only P1s, so they are
# slung together in the first wave and fork from the same main: whichever merges second conflicts.
WORK = (
    ("Add a power function", 1, "scripted:conflict"),
    ("Add integer division", 2, "scripted:ask"),  # asks only where a person approves (see ASKS)
    ("Add a modulo helper", 2, "scripted:fail-gates"),
    ("Document the public API", 3, ""),
    ("Add type hints to calc.py", 2, ""),
    ("Add an average function", 2, ""),
    ("Add a command-line entry point", 1, "scripted:conflict"),
    ("Add tests for negative numbers", 2, ""),
    ("Add a changelog", 3, ""),
    ("Add a percent helper", 2, ""),
    ("Round results to a given precision", 2, "scripted:fail-gates"),
    ("Add a square-root function", 2, ""),
)
# An asking polecat waits for a person, so a hands-free (auto) demo slings it like the others.
ASKS = "scripted:ask"
WELCOME = """Welcome to the demo town.

Scripted polecats are working through the convoy "Calculator v1" on rig calc.
{queue}
Two polecats write changes the gates reject and two write changes that conflict, so you
will see red gates and rework requests too; the witness sends each one back to its polecat,
which rebases, fixes it and resubmits the same merge request, until all 12 land.

Keys: 1-5 or Tab move between panes, t attaches to the selected polecat's tmux
session (detach with ctrl-b d to come back), ? lists every key, ctrl+p every action.
"""

APPROVE_TEXT = """Their merge requests wait for you in the refinery pane: press 4, pick one, press a
to approve (r rejects with a reason, which goes back to the polecat; d shows the diff).
One polecat stops to ask you a question: the header counts it ("needs you"), w jumps to it
and y or n answers it (A types a longer reply)."""
AUTO_TEXT = """The refinery merges their work as soon as its gates pass (merge_policy auto):
watch the refinery pane (4) and the convoy (3)."""


def build_demo(path: str, *, fast: bool = False, max_polecats: int = 4, auto: bool = False) -> Town:
    """Create the demo town at ``path`` (or return it, if it is already one).

    ``fast``: scripted agents that hurry (tests); ``auto``: merge without approval (hands-free)."""
    from ..config import Gate
    from ..town import TOWN_FILE, Town, install
    from . import mail
    from .convoys import create_convoy
    from .rigs import add_rig, load_rig, render_rig_toml, rig_paths

    root = Path(path).expanduser().resolve()
    if (root / TOWN_FILE).exists():
        town = Town(root)
        if (root / RIG).is_dir():
            return town
        raise Conflict(f"{root} is a town but not the demo", "give gt demo another folder")
    town = install(str(root), name="demo")
    source = make_source_repo(root / ".demo-source" / RIG)
    runtime = "scripted:fast" if fast else "scripted"
    config = add_rig(town, RIG, str(source), prefix="ca", runtime=runtime)
    python = sys.executable
    config = dataclasses.replace(
        config,
        merge_policy="auto" if auto else "approve",
        batch_size=4,
        max_polecats=max_polecats,
        auto_sling=True,
        stall_after=120.0,
        gates=[
            Gate(name="unit tests", command=[python, "-m", "unittest", "-q"], timeout=120),
            Gate(name="scripted check", command=[python, "-m", "gastown_tui.runtime.scripted", "--gate"], timeout=60),
        ],
    )
    paths = rig_paths(town, RIG)
    paths.config.write_text(render_rig_toml(config), encoding="utf-8")
    load_rig(town, RIG)  # validates what was written

    def seed(tx) -> None:
        ids = []
        for title, priority, spec in WORK:
            if spec == ASKS and auto:
                spec = ""
            labels = [f"runtime:{spec}"] if spec else []
            ids.append(tx.create(title, prefix=config.prefix, priority=priority, labels=labels,
                                 description=f"Demo work for rig {RIG}: {title.lower()}."))  # fmt: skip
        create_convoy(tx, "Calculator v1", ids, notify=addresses.OVERSEER)
        mail.send_in(tx, sender=addresses.MAYOR, to=addresses.OVERSEER, subject="Welcome to the demo town",
                  body=WELCOME.format(queue=AUTO_TEXT if auto else APPROVE_TEXT))  # fmt: skip

    town.ledger.write("demo", seed, actor=addresses.MAYOR)
    return town
