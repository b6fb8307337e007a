"""What an agent says it is doing: ``working``, ``waiting`` (for a person, with the question) or ``idle``.

Recorded on the agent bead (``reported``, ``reported_at``, ``reason``, ``reported_by``, ``yes_no``),
written by ``gt agent state`` (which the runtimes' hooks and the scripted agent call) or by the
witness's screen rules (``reported_by: screen``) for agents that do not report. Kept light: an
agent's hook runs ``gt agent state`` on every prompt, so this imports no config records, tmux or git.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import addresses
from ..errors import InvalidInput, NotFound
from ..fieldlines import parse_fields, with_fields
from ..ledger.fields import check_name, parse_stamp
from ..plaintext import clean_text

if TYPE_CHECKING:
    from ..town import Town

REPORTED = ("working", "waiting", "idle")
SOURCES = ("agent", "hook", "screen", "overseer")
MAX_REASON = 300
# A new session's first word: whatever the last life of the agent said is void.
CLEARED: dict[str, object] = dict.fromkeys(
    ("reported", "reported_at", "reason", "reported_by", "yes_no", "wait_mailed")
)
# A question that takes y or n (the TUI offers those keys).
_YES_NO = re.compile(r"\[y/n\]|\(y/n\)|\(Y\)es/\(N\)o", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """The last state an agent reported, from its bead's fields."""

    state: str
    since: float  # epoch of the report
    reason: str = ""
    by: str = "agent"
    yes_no: bool = False

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> Report | None:
        state = fields.get("reported", "")
        if state not in REPORTED:
            return None
        when = parse_stamp(fields.get("reported_at"))
        return cls(
            state,
            when.timestamp() if when else 0.0,
            fields.get("reason", ""),
            fields.get("reported_by", "") or "agent",
            fields.get("yes_no") == "true",
        )


def clean_reason(text: str) -> str:
    """One line without control characters, at most ``MAX_REASON`` characters."""
    return clean_text(text or "", squeeze=True).strip()[:MAX_REASON]


def changes(state: str, reason: str, by: str, stamp: str, yes_no: bool | None = None) -> dict[str, object]:
    """The agent-bead field changes of a report (``set_agent``/``with_fields`` take them)."""
    if state not in REPORTED:
        raise InvalidInput(f"unknown agent state {state!r}", "use one of: " + ", ".join(REPORTED))
    reason = clean_reason(reason)
    asks = bool(_YES_NO.search(reason)) if yes_no is None else yes_no
    return {
        "reported": state,
        "reported_at": stamp,
        "reason": reason or None,
        "reported_by": by,
        "yes_no": "true" if state == "waiting" and asks else None,
    }


def same(fields: Mapping[str, str], state: str, reason: str) -> bool:
    """Whether the bead already says this (the hooks fire on every tool use: no write then)."""
    return fields.get("reported") == state and fields.get("reason", "") == clean_reason(reason)


def report(town: Town, state: str, reason: str = "", address: str | None = None, by: str = "agent") -> bool:
    """Record ``state`` on the polecat ``address``'s agent bead (default: ``$GT_ACTOR``); False when it
    already said so. Only a polecat reports (other agents have no work to wait on)."""
    changes(state, reason, by, "")  # check the state before opening the ledger
    bead_id = polecat_bead(town, address)

    def write(tx) -> bool:
        row = tx.find(bead_id)
        if row is None:
            raise NotFound(f"no agent bead {bead_id}", "is this a polecat slung by gt sling?")
        if same(parse_fields(row["description"]), state, reason):
            return False
        new = with_fields(row["description"], **changes(state, reason, by, tx.stamp))
        tx.update(bead_id, description=new)
        return True

    return town.ledger.write(f"agent state {state}", write, actor=address or os.environ.get("GT_ACTOR", "agent"))


def polecat_bead(town: Town, address: str | None = None) -> str:
    """The agent bead of a polecat address (default ``$GT_ACTOR``), its rig's prefix read from rig.toml
    with no validation model (the cold start of ``gt agent state`` stays small)."""
    from ..tomlfile import read_toml
    from .rigpaths import rig_paths

    address = address or os.environ.get("GT_ACTOR", "")
    if not address:
        raise InvalidInput(
            "no agent identity here (GT_ACTOR is not set)", "run this inside a polecat session, or give --agent ADDRESS"
        )
    parts = address.strip("/").split("/")
    if len(parts) == 3 and parts[1] == "polecats":
        parts = [parts[0], parts[2]]
    if len(parts) != 2:
        raise InvalidInput(f"{address!r} is not a polecat address", "polecat addresses look like RIG/polecats/NAME")
    rig, name = parts[0], check_name(parts[1], "polecat name")
    config = rig_paths(town, rig).config
    if not config.is_file():
        raise NotFound(f"no rig {rig!r} in {town.root}", "list rigs with: gt rig list")
    prefix = str(read_toml(config).get("prefix", ""))
    return addresses.agent_bead_id(prefix, rig, "polecat", name)


def waited(seconds: float) -> str:
    """How long an agent has waited, as people say it: ``40 s``, ``10 min``, ``2 h 5 min``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
