"""Polecats: worker agents with a permanent identity, a reusable sandbox and disposable sessions.

- **Identity** (``naming.py``): the agent bead ``{rigprefix}-{rig}-polecat-{name}``, never closed;
  ``nuke`` sets agent_state ``nuked``. Names come from Gas Town's Mad Max pool.
- **Record** (``records.py``): a ``Polecat`` — agent bead, hooked bead, session liveness and the
  state they add up to (working, stalled, zombie, spawning, done, idle, nuked) — made in one place;
  ``list_polecats`` / ``read_polecats`` (``reader.py``) are the one reader everybody uses.
- **Sandbox** (``sandbox.py``): the worktree ``RIG/polecats/NAME`` on branch ``polecat/NAME/BEAD``;
  kept when the work is done and reused by the next sling (fresh branch from the default branch).
- **Session** (``session.py``): tmux ``gt-RIG-NAME`` running the runtime's command in the worktree,
  with the identity (GT_TOWN, GT_RIG, GT_ROLE, GT_POLECAT, GT_ACTOR…) in its environment.
- **Work**: ``sling.py`` claims a bead for a polecat and starts it; ``prime.py`` tells the agent
  what is on its hook; ``done.py`` hands the work to the refinery (the work bead stays open until
  its branch is merged); ``lifecycle.py`` restarts and nukes.

When a merge request comes back (failed gates, a conflict, a rejection), the witness puts the bead
back on the polecat's hook, and its next ``gt done`` resubmits that same MR (``rework.py``).

``from gastown_tui.services import polecats; polecats.sling(...)``: the names below are the API.
"""

from __future__ import annotations

from .done import DONE_STATUS, EXIT_KINDS, Done, done
from .lifecycle import Nuked, Restarted, nuke, restart
from .naming import (
    NAMES,
    RESERVED_NAMES,
    agent_id,
    check_address,
    check_polecat_name,
    my_address,
    parse_address,
    pick_name,
    session_for,
    set_agent,
)
from .prime import OnHook, hook, prime
from .reader import WatchedPolecats, hooked, json_rows, list_polecats, read_polecats
from .records import SPAWN_GRACE, STATES, Polecat, WorkBead, changes_at, restate
from .sandbox import new_branch_name, prepare_sandbox, remove_sandbox, restore_sandbox
from .session import answer, check_installed, end_session, identity_env, nudge, start_session, startup_prompt
from .sling import NOT_SLINGABLE, Claim, Slung, sling, slingable

__all__ = [
    "DONE_STATUS",
    "EXIT_KINDS",
    "NAMES",
    "NOT_SLINGABLE",
    "RESERVED_NAMES",
    "SPAWN_GRACE",
    "STATES",
    "Claim",
    "Done",
    "Nuked",
    "OnHook",
    "Polecat",
    "WatchedPolecats",
    "Restarted",
    "Slung",
    "WorkBead",
    "agent_id",
    "answer",
    "changes_at",
    "check_address",
    "check_installed",
    "check_polecat_name",
    "done",
    "end_session",
    "hook",
    "hooked",
    "identity_env",
    "json_rows",
    "list_polecats",
    "my_address",
    "new_branch_name",
    "nudge",
    "nuke",
    "parse_address",
    "pick_name",
    "prepare_sandbox",
    "prime",
    "read_polecats",
    "remove_sandbox",
    "restart",
    "restate",
    "restore_sandbox",
    "session_for",
    "set_agent",
    "sling",
    "slingable",
    "start_session",
    "startup_prompt",
]
