"""Rigs: one git repository wrapped for a town: added, listed with their polecats, removed. Its folder
layout, ``rig_paths``, ``load_rig`` and ``list_rigs`` live a level below, in ``rigpaths.py``, which
polecats use too (so rigs → polecats → rigpaths, no cycle); they are importable from here as well.

In the ledger: a rig bead ``{townprefix}-rig-{name}`` (type rig, label gt:rig) and one agent
bead per rig role (witness, refinery). ``add_rig`` does the slow git work first and writes
the ledger last, removing the folder if anything fails, so no half-made rig is left behind.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import addresses
from ..display import JsonObject
from ..errors import Conflict, InvalidInput
from ..fieldlines import parse_fields, with_fields
from ..ledger import fields
from .polecats import list_polecats
from .rigpaths import list_rigs, load_rig, rig_bead_id, rig_paths

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..town import Town

# Names a rig may not take: they are town-level folders or roles.
RESERVED = frozenset({"hq", "mayor", "deacon", "settings", "polecats", "refinery", "witness", "crew", "town"})
RIG_ROLES = ("witness", "refinery")
_COMPOUND_SUFFIXES = ("town", "ville", "port", "place", "land", "field", "wood", "ford")


def derive_prefix(name: str) -> str:
    """Gas Town's rule: initials of a compound name (gastown → gt, my-project → mp), else a short form."""
    stem = re.sub(r"[-_](py|go)$", "", name, flags=re.IGNORECASE) or name
    base = stem.lower()
    parts = [p for p in re.split(r"[-_]+", base) if p]
    if len(parts) == 1:
        camel = [p.lower() for p in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", stem) if p]
        if len(camel) >= 2:
            parts = camel
        else:
            for suffix in _COMPOUND_SUFFIXES:
                if base.endswith(suffix) and len(base) > len(suffix):
                    parts = [base[: -len(suffix)], suffix]
                    break
    short = base if len(base) <= 3 else base[:2]
    prefix = "".join(p[0] for p in parts) if len(parts) >= 2 else short
    prefix = re.sub(r"[^a-z0-9]", "", prefix)
    return prefix if prefix[:1].isalpha() else "r" + prefix


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def render_rig_toml(config: RigConfig) -> str:
    data = dataclasses.asdict(config)
    gates = data.pop("gates")
    lines = [f"{key} = {_toml_value(value)}" for key, value in data.items()]
    for gate in gates:
        lines += ["", "[[gates]]"] + [f"{key} = {_toml_value(value)}" for key, value in gate.items()]
    return "\n".join(lines) + "\n"


def agent_description(role: str, rig: str, **extra: Any) -> str:
    return with_fields("", role_type=role, rig=rig, agent_state="idle", hook_bead="", session="", **extra)


def add_rig(
    town: Town,
    name: str,
    source: str,
    prefix: str | None = None,
    branch: str | None = None,
    runtime: str | None = None,
    merge_strategy: str = "merge",
    gates: bool = True,
) -> RigConfig:
    """Clone SOURCE into a new rig and register it; nothing is left behind on failure. With ``gates``
    its gate is proposed from the repository's layout (``gatedefaults``)."""
    from ..config import Gate, RigConfig
    from ..vcs import git
    from .gatedefaults import propose

    fields.check_name(name, "rig name")
    if name.lower() in RESERVED:
        raise InvalidInput(f"rig name {name!r} is reserved", "pick another name")
    paths = rig_paths(town, name)
    if paths.root.exists():
        raise Conflict(f"{paths.root} already exists", "pick another rig name, or remove the folder")
    prefix = fields.check_prefix(prefix or derive_prefix(name))
    taken = {r.prefix: r.name for r in list_rigs(town)}
    if prefix == town.prefix or prefix in taken:
        owner = "the town" if prefix == town.prefix else f"rig {taken[prefix]}"
        raise Conflict(f"bead prefix {prefix!r} is already used by {owner}", "choose one with --prefix")
    if source and Path(source).expanduser().is_dir():
        source = str(Path(source).expanduser().resolve())
    default_branch = branch or git.mainline(source, git.remote_head(source))
    if not default_branch:
        raise InvalidInput(f"{source} has no commits", "commit something to it first, or give --branch")
    git.check_branch(default_branch)
    config = RigConfig(
        name=name,
        prefix=prefix,
        source=source,
        default_branch=default_branch,
        runtime=runtime or getattr(town.config, "default_runtime", "claude"),
        merge_strategy=merge_strategy,
    )
    from ..runtime.presets import resolve
    from .refinery.pushstate import forge_problem

    resolve(town, config.runtime)
    if problem := forge_problem(config):
        raise InvalidInput(problem, "or add the rig with --merge-strategy merge")
    paths.root.mkdir(parents=True)
    try:
        git.clone_bare(source, paths.repo)
        if not git.branch_exists(paths.repo, default_branch):
            raise InvalidInput(f"{source} has no branch {default_branch!r}", "give an existing branch with --branch")
        paths.polecats.mkdir()
        git.worktree_add_detached(paths.repo, paths.refinery, default_branch)
        proposal = propose(paths.repo, default_branch) if gates else None
        if proposal:
            config = dataclasses.replace(config, gates=[Gate(**proposal.gate())])
        start = git.git(["rev-parse", f"refs/heads/{default_branch}"], paths.repo)  # what the origin has now
        tmp = paths.config.with_suffix(".tmp")
        tmp.write_text(render_rig_toml(config))
        tmp.replace(paths.config)
        town.ledger.write("rig add", lambda tx: _register(tx, town, config, start), actor=addresses.MAYOR)
    except BaseException:
        shutil.rmtree(paths.root, ignore_errors=True)
        raise
    return config


def _register(tx, town: Town, config: RigConfig, start: str) -> None:
    """The rig bead (its push state starts at ``start``, what the origin has) and its role agents."""
    from ..vcs.git import redact
    from .refinery.pushstate import RigPush

    bead_id = rig_bead_id(town, config.name)
    source = redact(config.source)  # a URL's credentials stay in rig.toml, out of the ledger
    description = with_fields("", prefix=config.prefix, source=source, default_branch=config.default_branch)
    if tx.exists(bead_id):  # a rig of that name was removed earlier: bring its bead back
        tx.update(bead_id, status="open", description=description, close_reason="")
    else:
        tx.create(config.name, bead_id=bead_id, issue_type="rig", labels=["gt:rig"], description=description)
    tx.set_metadata(bead_id, push=RigPush(to=f"origin/{config.landing_branch}", pushed=start).to_json())
    for role in RIG_ROLES:
        agent_id = addresses.agent_bead_id(config.prefix, config.name, role)
        address = addresses.witness(config.name) if role == "witness" else addresses.refinery(config.name)
        if tx.exists(agent_id):
            tx.update(agent_id, status="open", description=agent_description(role, config.name))
        else:
            tx.create(
                address,
                bead_id=agent_id,
                issue_type="agent",
                labels=["gt:agent"],
                description=agent_description(role, config.name),
                role_type=role,
                rig=config.name,
            )


def rig_summary(town: Town, config: RigConfig) -> JsonObject:
    """What ``gt rig list/show`` print: the config plus its polecats and agent beads."""
    from ..vcs.git import redact

    polecats = list_polecats(town, config.name)
    return {
        **dataclasses.asdict(config),
        "source": redact(config.source),
        "bead": rig_bead_id(town, config.name),
        "path": str(rig_paths(town, config.name).root),
        "polecats": len(polecats),
        "working": sum(1 for p in polecats if p.state == "working"),
    }


def remove_rig(town: Town, name: str, force: bool = False) -> None:
    """Kill the rig's sessions, delete its folder, close its rig bead; agent identities stay (nuked)."""
    config = load_rig(town, name)
    polecats = list_polecats(town, name)
    busy = [p.name for p in polecats if p.hook]
    if busy and not force:
        raise Conflict(f"rig {name} has hooked work ({', '.join(busy)})", "finish or nuke those polecats, or --force")
    tmux = town.tmux()
    live = tmux.activity()
    for polecat in polecats:
        if polecat.session in live:
            tmux.kill_session(polecat.session)

    def unregister(tx) -> None:
        bead_id = rig_bead_id(town, name)
        if tx.exists(bead_id):
            tx.close(bead_id, "rig removed")
        for agent in tx.list_beads(label="gt:agent", id_prefix=f"{config.prefix}-{name}-"):
            if parse_fields(agent["description"]).get("rig") == name:
                tx.update(agent["id"], description=with_fields(agent["description"], agent_state="nuked"))
        for bead in tx.list_beads(status="hooked"):
            if (bead.get("assignee") or "").startswith(f"{name}/polecats/"):
                tx.update(bead["id"], status="open", assignee=None)

    town.ledger.write("rig remove", unregister, actor=addresses.MAYOR)
    shutil.rmtree(rig_paths(town, name).root, ignore_errors=True)


def ledger_only_rigs(town: Town) -> list[JsonObject]:
    """Rigs the ledger knows (rig beads, agents, hooked work of ``RIG/polecats/NAME``) that have no
    folder on this machine, as an imported town has them: each with its agents' states and hooks."""
    from .agents import read_agents, read_rig_prefixes

    here = {config.name for config in list_rigs(town)}
    prefixes, agents = town.ledger.read(lambda s: (read_rig_prefixes(s), read_agents(s)))
    for agent in agents:
        prefixes.setdefault(agent.rig, "")
    return [
        {
            "name": name,
            "prefix": prefix,
            "local": False,
            "agents": [
                {"address": a.address, "state": a.agent_state, "hook_bead": a.hook_bead, "hook_title": a.hook_title}
                for a in agents
                if a.rig == name
            ],
        }
        for name, prefix in sorted(prefixes.items())
        if name not in here
    ]
