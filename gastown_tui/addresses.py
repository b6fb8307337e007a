"""Agent addresses and the ids of their agent beads (Gas Town's naming)."""

from __future__ import annotations

OVERSEER = "overseer"
MAYOR = "mayor/"
DEACON = "deacon/"


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
