"""Agent addresses and the ids of their agent beads (Gas Town's naming)."""

from __future__ import annotations

import os

OVERSEER = "overseer"
MAYOR = "mayor/"
DEACON = "deacon/"


def default_actor() -> str:
    """Who is acting: the agent identity of a session (``GT_ACTOR``), else the human overseer."""
    return os.environ.get("GT_ACTOR") or OVERSEER


def polecat(rig: str, name: str) -> str:
    return f"{rig}/polecats/{name}"


def witness(rig: str) -> str:
    return f"{rig}/witness"


def refinery(rig: str) -> str:
    return f"{rig}/refinery"


def agent_bead_id(prefix: str, rig: str, role: str, name: str | None = None) -> str:
    """``gt-gastown-polecat-nux``, ``gt-gastown-witness`` (Gas Town's agent bead ids)."""
    return f"{prefix}-{rig}-{role}" + (f"-{name}" if name else "")


def session_name(rig: str, name: str) -> str:
    """tmux session of a polecat: ``gt-RIG-NAME``."""
    return f"gt-{rig}-{name}"


def session_for(address: str) -> str | None:
    """Gas Town's tmux session for an agent address (``RIG/polecats/NAME`` or short ``RIG/NAME``,
    ``RIG/witness``, ``RIG/refinery``, ``mayor/``, ``deacon/``); None when it names none or is malformed."""
    from .ledger.fields import NAME_PATTERN

    parts = (address or "").strip().strip("/").split("/")
    if len(parts) == 3 and parts[1] == "polecats":
        parts = [parts[0], parts[2]]
    if not all(NAME_PATTERN.fullmatch(part) for part in parts):
        return None
    if len(parts) == 1 and parts[0] in ("mayor", "deacon"):
        return f"hq-{parts[0]}"
    return session_name(*parts) if len(parts) == 2 and parts[1] != "polecats" else None
