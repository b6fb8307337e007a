"""Mail addresses: what they look like, and which mailboxes they reach.

A concrete address is a mailbox: ``overseer``, ``mayor/``, ``deacon/``,
``RIG/witness``, ``RIG/refinery``, an agent's ``RIG/polecats/NAME`` (or any other
agent bead's title, e.g. ``RIG/crew/NAME``) or a queue ``queue:NAME``. Groups fan
out to many mailboxes: ``@RIG/polecats`` and ``@town`` (everyone), and named lists
come from ``[mail.lists]`` in town.toml (``ops`` or ``list:ops``). An agent exists
when its agent bead does; a rig's witness and refinery exist with the rig.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import addresses
from ..errors import InvalidInput
from ..fieldlines import find_fields
from ..ledger.fields import LIVE, NAME_PATTERN
from ..ledger.reads import Row
from . import scope
from .agent_state import Report

if TYPE_CHECKING:
    from ..ledger import Session
    from ..town import Town

QUEUE_PREFIX = "queue:"
LIST_PREFIX = "list:"
TOWN_GROUP = "@town"
HINT = (
    "addresses look like overseer, mayor/, deacon/, RIG/witness, RIG/refinery, RIG/polecats/NAME, "
    "@RIG/polecats, @town, queue:NAME, or a list name from [mail.lists] in town.toml"
)
_TOWN_ROLES = {"mayor": addresses.MAYOR, "deacon": addresses.DEACON}
_AGENT_SQL = (
    "SELECT id, title, description, agent_state, role_type, rig FROM gt_issues"
    f" WHERE {LIVE} AND (issue_type = 'agent'"
    " OR id IN (SELECT issue_id FROM gt_labels WHERE label = 'gt:agent'))"
)


@dataclass(frozen=True)
class Agent:
    """An agent bead as mail sees it (fields from its description, else its columns)."""

    id: str
    address: str
    role_type: str
    rig: str
    state: str
    session: str
    waiting: bool = False  # it said (or its screen shows) it waits for a person

    @classmethod
    def from_row(cls, row: Row) -> Agent:
        found = find_fields(row.get("description") or "")
        said = Report.from_fields(found)
        return cls(
            id=row["id"],
            address=row["title"],
            role_type=found.get("role_type") or row.get("role_type") or "",
            rig=found.get("rig") or row.get("rig") or "",
            state=found.get("agent_state") or row.get("agent_state") or "",
            session=found.get("session", ""),
            waiting=said is not None and said.state == "waiting",
        )


def agents(session, address: str | None = None) -> list[Agent]:
    """Agent beads (not closed), or the one whose title is ``address``."""
    if address is None:
        return [Agent.from_row(r) for r in session.rows(_AGENT_SQL + " ORDER BY title")]
    return [Agent.from_row(r) for r in session.rows(_AGENT_SQL + " AND title = ?", (address,))]


def rigs(session) -> set[str]:
    """Rig names known to the ledger: rig beads' titles."""
    rows = session.rows(
        f"SELECT title FROM gt_issues WHERE {LIVE} AND (issue_type = 'rig'"
        " OR id IN (SELECT issue_id FROM gt_labels WHERE label = 'gt:rig'))"
    )
    return {r["title"] for r in rows}


def normalize(address: str) -> str:
    """Spelling variants folded: surrounding space dropped, ``mayor`` → ``mayor/``."""
    text = (address or "").strip()
    return _TOWN_ROLES.get(text, text)


def is_queue(address: str) -> bool:
    return address.startswith(QUEUE_PREFIX)


def queue_address(queue: str) -> str:
    """``work`` or ``queue:work`` → ``queue:work`` (the name is checked)."""
    name = normalize(queue).removeprefix(QUEUE_PREFIX)
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(f"bad queue {queue!r}", "queues look like queue:NAME (letters, digits, - and _)")
    return QUEUE_PREFIX + name


def uses_lists(address: str) -> bool:
    """Could ``address`` name a list from town config? (Callers load the config only then.)"""
    text = normalize(address)
    if text.startswith(LIST_PREFIX):
        return True
    return bool(text) and "/" not in text and text[0] != "@" and ":" not in text and text != addresses.OVERSEER


def resolve(
    session, address: str, *, lists: Mapping[str, Sequence[str]] | None = None, sender: str | None = None
) -> list[str]:
    """The mailboxes ``address`` reaches, in order, each once. Groups leave out the sender.

    Raises InvalidInput naming the address when it is malformed, unknown or reaches nobody.
    """
    found = _expand(session, address, lists or {}, (), sender)
    if not found:
        raise InvalidInput(f"address {address!r} reaches nobody", "pick an address with at least one member")
    return list(dict.fromkeys(found))


def resolve_mailbox(where: Town | Session, address: str) -> str:
    """One mailbox (for an inbox): a concrete address that exists, not a group or list.

    Reads in ``where``, a town or an open session (see ``services.scope``).
    """
    text = normalize(address)
    if text.startswith("@") or text.startswith(LIST_PREFIX):
        raise InvalidInput(f"{text!r} is a group, not one mailbox", "give one address, e.g. gastown/witness")
    return scope.read(where, lambda s: _expand(s, text, {}, (), None))[0]


def session_for(session, address: str, *, unless_waiting: bool = False) -> str | None:
    """The tmux session of the agent at ``address``: its bead's ``session`` field, else Gas Town's naming.
    ``unless_waiting``: None while the agent waits for a person (text typed now would answer its question)."""
    found = agents(session, address)
    if unless_waiting and any(agent.waiting for agent in found):
        return None
    return next((agent.session for agent in found if agent.session), None) or addresses.session_for(address)


def _unknown(address: str, why: str = "") -> InvalidInput:
    return InvalidInput(f"unknown address {address!r}" + (f": {why}" if why else ""), HINT)


def _expand(session, address: str, lists: Mapping[str, Sequence[str]], trail: tuple[str, ...], sender) -> list[str]:
    text = normalize(address)
    if not text:
        raise InvalidInput("empty address", HINT)
    if text in (addresses.OVERSEER, addresses.MAYOR, addresses.DEACON):
        return [text]
    if text.startswith(QUEUE_PREFIX):
        return [queue_address(text)]
    if text.startswith("@"):
        return [a for a in _group(session, text) if a != sender]
    if text.startswith(LIST_PREFIX) or "/" not in text:
        return _named_list(session, text, lists, trail, sender)
    return [_agent(session, text)]


def _agent(session, address: str) -> str:
    parts = address.split("/")
    if not all(NAME_PATTERN.fullmatch(p) for p in parts):
        raise _unknown(address)
    if agents(session, address):
        return address
    if len(parts) == 2 and parts[1] in ("witness", "refinery"):
        if parts[0] in rigs(session) or parts[0] in {a.rig for a in agents(session)}:
            return address
        raise _unknown(address, f"there is no rig {parts[0]!r}")
    if len(parts) == 2:  # RIG/NAME shorthand for a polecat
        polecat = addresses.polecat(*parts)
        if agents(session, polecat):
            return polecat
    raise _unknown(address, "no such agent in this town")


def _group(session, group: str) -> list[str]:
    everyone = [a for a in agents(session) if a.state != "nuked"]
    if group == TOWN_GROUP:
        roles = [addresses.OVERSEER, addresses.MAYOR, addresses.DEACON]
        for rig in sorted(rigs(session) | {a.rig for a in everyone if a.rig}):
            roles += [addresses.witness(rig), addresses.refinery(rig)]
        return roles + [a.address for a in everyone]
    match = re.fullmatch(r"@([A-Za-z0-9][A-Za-z0-9_-]*)/polecats", group)
    if not match:
        raise _unknown(group, "groups are @town and @RIG/polecats")
    rig = match.group(1)
    polecats = [a.address for a in everyone if a.address.startswith(f"{rig}/polecats/")]
    if not polecats and rig not in rigs(session):
        raise _unknown(group, f"there is no rig {rig!r}")
    return polecats


def _named_list(session, text: str, lists, trail: tuple[str, ...], sender) -> list[str]:
    name = text.removeprefix(LIST_PREFIX)
    if name not in lists:
        raise _unknown(text, "not an agent, group, queue or list from [mail.lists]")
    if name in trail:
        raise InvalidInput(
            f"mail list {name!r} includes itself (via {' → '.join(trail)})", "fix [mail.lists] in town.toml"
        )
    out: list[str] = []
    for member in lists[name]:
        try:
            out += _expand(session, member, lists, (*trail, name), sender)
        except InvalidInput as exc:
            raise InvalidInput(f"mail list {name!r}: {exc.message}", "fix [mail.lists] in town.toml") from None
    return out
