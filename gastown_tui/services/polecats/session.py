"""A polecat's session: tmux ``gt-RIG-NAME`` on the town's server, running the runtime's command in
the polecat's worktree, with its identity (GT_TOWN, GT_RIG, GT_ROLE, GT_POLECAT, GT_ACTOR…) in its
environment from creation, and its start-up prompt as an argument or typed once it is ready.
Sessions are disposable: the identity and the sandbox outlive them.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import InvalidInput, NotFound
from ...runtime.presets import resolve
from ...town import town_tmux
from .. import agent_hooks
from ..rigpaths import rig_paths
from .naming import my_address, session_for

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...runtime.presets import Preset
    from ...runtime.tmux import Tmux
    from ...town import Town
    from .records import WorkBead


def identity_env(town: Town, config: RigConfig, name: str, preset: Preset, branch: str) -> dict[str, str]:
    """Set at session creation so every child (``gt`` calls, git) sees who it is."""
    address = addresses.polecat(config.name, name)
    bindir = str(Path(sys.executable).parent)
    env = {
        "GT_TOWN": str(town.root),
        "GT_RIG": config.name,
        "GT_ROLE": "polecat",
        "GT_POLECAT": name,
        "GT_ACTOR": address,
        "BD_ACTOR": address,
        "GT_SESSION": addresses.session_name(config.name, name),
        "GT_AGENT": preset.name,
        "GT_BRANCH": branch,
        "GIT_AUTHOR_NAME": name,
        "GIT_COMMITTER_NAME": name,
        "GIT_CEILING_DIRECTORIES": str(town.root),
        # `gt` must resolve inside the session even when the venv is not activated there.
        "PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
    }
    if not os.environ.get("EMAIL"):
        env["EMAIL"] = f"{name}.{config.name}@gastown.invalid"
    if os.environ.get("GT_SCRIPTED_FAST"):
        env["GT_SCRIPTED_FAST"] = os.environ["GT_SCRIPTED_FAST"]
    return {**preset.env, **env}


def startup_prompt(config: RigConfig, name: str, bead: WorkBead, topic: str = "assigned") -> str:
    """Gas Town's beacon plus the instruction; the bead's title travels verbatim."""
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    return (
        f"[GAS TOWN] polecat {name} (rig: {config.name}) <- witness • {stamp} • {topic}:{bead.id} "
        f"— {bead.title} — Run `gt prime` and begin work on your hook; run `gt done` when finished."
    )


def start_session(
    tmux: Tmux,
    town: Town,
    config: RigConfig,
    name: str,
    bead: WorkBead,
    spec: str,
    branch: str,
    topic: str,
    note: str = "",
) -> str:
    """Start the runtime in the polecat's worktree, its hooks wired to ``gt agent state``
    (``agent_hooks``), and deliver its start-up prompt (``note`` appended)."""
    preset = resolve(town, spec)
    session = addresses.session_name(config.name, name)
    paths = rig_paths(town, config.name)
    worktree = paths.polecat(name)
    extra = agent_hooks.install(preset.name, worktree, paths.repo)
    if extra:
        preset = replace(preset, command=(*preset.command, *extra))
    prompt = startup_prompt(config, name, bead, topic) + (f" {note}" if note else "")
    tmux.kill_session(session)  # a leftover of an earlier life
    tmux.new_session(session, str(worktree), preset.argv(prompt), identity_env(town, config, name, preset, branch))
    if preset.prompt == "type":
        _wait_ready(tmux, session, preset)
        tmux.send_text(session, prompt, enter_delay=preset.enter_delay)
    return session


def _wait_ready(tmux: Tmux, session: str, preset: Preset) -> None:
    """Until a screen line starts with the preset's prompt, or its fixed delay has passed."""
    deadline = time.monotonic() + (preset.ready_delay or 10.0)
    while time.monotonic() < deadline:
        if preset.ready_prefix:
            screen = tmux.capture(session, ansi=False)
            lines = (line.replace("\xa0", " ").strip() for line in screen.splitlines())
            if any(line.startswith(preset.ready_prefix) for line in lines):
                return
        time.sleep(0.1)


def check_installed(preset: Preset, spec: str) -> None:
    """The runtime's program must exist before a bead is put on anyone's hook."""
    program = preset.command[0]
    if not shutil.which(program):
        raise InvalidInput(
            f"runtime {spec!r} needs {program!r}, which is not installed (not on PATH)",
            "install it, or choose another runtime with --runtime (e.g. scripted)",
        )


def nudge(address: str, text: str, tmux: Tmux | None = None) -> str:
    """Type ``text`` into the agent's live session (literal keys, never a shell); returns the session."""
    if not text.strip():
        raise InvalidInput("nothing to say", "give the text to type")
    session = session_for(address)
    tmux = tmux or town_tmux()
    if not tmux.has_session(session):
        raise NotFound(f"{address} has no live session ({session})", "see gt polecat list; restart it first")
    tmux.send_text(session, text)
    return session


def answer(town: Town, address: str, text: str, tmux: Tmux | None = None) -> str:
    """A person's answer to a waiting polecat: one line typed literally into its session (``y``/``n`` for
    a yes/no prompt), and the wait marked over at once (the agent or the screen rules say otherwise if
    it still waits). Returns the session."""
    from ..agent_state import report

    session = nudge(address, text, tmux or town.tmux())
    report(town, "working", "", address, by="overseer")
    return session


def end_session(address: str | None = None, tmux: Tmux | None = None) -> bool:
    """Kill the polecat's own session (the last thing ``gt done`` does)."""
    return (tmux or town_tmux()).kill_session(session_for(address or my_address()))
