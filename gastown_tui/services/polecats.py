"""Polecats: worker agents with a permanent identity, a reusable sandbox and disposable sessions.

- **Identity**: the agent bead ``{rigprefix}-{rig}-polecat-{name}`` (type agent, label gt:agent),
  whose description fields carry ``role_type, rig, agent_state, hook_bead, session`` plus our
  ``branch, runtime, restarts, mr``. Never closed; ``nuke`` sets agent_state ``nuked``.
- **Sandbox**: the worktree ``RIG/polecats/NAME`` on branch ``polecat/NAME/BEAD``; kept when the
  work is done and reused by the next sling (fresh branch from the rig's default branch).
- **Session**: tmux ``gt-RIG-NAME`` running the runtime's command in the worktree, with the
  identity (GT_TOWN, GT_RIG, GT_ROLE, GT_POLECAT, GT_ACTOR…) in its environment from creation.

Sling claims first, in one ledger transaction (the bead becomes ``hooked`` to the polecat's
address, the agent bead ``spawning``), then does git and tmux work; if those fail the claim is
rolled back. The witness leaves ``spawning`` polecats alone for ``SPAWN_GRACE`` seconds.

``gt done`` (a deliberate difference from Gas Town, which closes the work bead at submission):
the work bead is NOT closed — the refinery closes it when the branch is merged, so a convoy
lands only when its work is really on the target branch. On ``--exit MERGED`` the work bead
goes ``hooked`` → ``in_progress`` (assignee kept: it says who did the work) and a merge-request
bead is created; ``sling`` refuses a bead that has an open MR. ``ESCALATED`` → ``blocked``
(assignee kept, someone must look at it); ``DEFERRED`` → ``open`` with no assignee (back in the
pool). In every case the hook is cleared (no bead ``hooked`` to the polecat any more) and the
agent bead says ``agent_state: done``: the witness never calls that a zombie — it kills a
lingering session and settles the polecat to ``idle``. The worktree's HEAD is detached from the
branch (same commit) so the refinery may rebase or delete the branch. When the merge request
comes back (failed gates, a conflict, a rejection), the witness puts the bead back on the
polecat's hook, and its next ``gt done`` resubmits that same MR (``rework.py``).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import addresses
from ..errors import Conflict, GtError, InvalidInput, NotFound
from ..fieldlines import parse_fields, with_fields
from ..ledger import fields
from .rigs import RigPaths, load_rig, rig_paths

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..runtime.presets import Preset
    from ..runtime.tmux import Tmux
    from ..town import Town

# Gas Town's default theme (mad-max). Overflow names are numbers, as there.
NAMES = (
    "furiosa", "nux", "slit", "rictus", "dementus", "capable", "toast", "cheedo", "dag", "angharad",
    "valkyrie", "keeper", "ace", "morsov", "scrotus", "corpus", "organic", "splendid", "glory", "max",
    "goose", "fifi", "toecutter", "bubba", "johnny", "jessie", "pappagallo", "gyro", "feral", "wez",
    "humungus", "aunty", "ironbar", "blaster", "jedediah", "scrooloose", "gutgash", "doof", "warboy",
    "buzzard", "miss-giddy", "vuvalini", "bullet-farmer", "people-eater", "toadie", "mechanic",
    "nightrider", "cundalini", "savannah", "ghoul",
)  # fmt: skip
RESERVED_NAMES = frozenset({"witness", "refinery", "mayor", "deacon", "crew", "polecats"})
# Work bead status after ``gt done`` per exit kind (see the module docstring).
DONE_STATUS = {"MERGED": "in_progress", "ESCALATED": "blocked", "DEFERRED": "open"}
EXIT_KINDS = tuple(DONE_STATUS)
NOT_SLINGABLE = ("message", "agent", "convoy", "merge-request", "rig", "role", "gate", "slot", "queue", "event")
# A sling has this long to start its session before the witness may treat it as a zombie.
SPAWN_GRACE = 60.0


@dataclass(frozen=True)
class Polecat:
    """One polecat as the ledger and tmux see it right now."""

    rig: str
    name: str
    agent_id: str
    fields: dict[str, str]
    hook: dict[str, Any] | None
    updated_at: str

    @property
    def address(self) -> str:
        return addresses.polecat(self.rig, self.name)

    @property
    def session(self) -> str:
        return addresses.session_name(self.rig, self.name)

    @property
    def agent_state(self) -> str:
        return self.fields.get("agent_state", "") or "idle"

    def state(self, live: dict[str, int], now: float, stall_after: float) -> str:
        """working | stalled | zombie | spawning | done | idle | nuked."""
        alive = self.session in live
        if self.hook:
            if alive:
                return "stalled" if now - live[self.session] > stall_after else "working"
            if self.agent_state == "spawning" and now - _epoch(self.updated_at) < SPAWN_GRACE:
                return "spawning"
            return "zombie"
        if self.agent_state == "nuked":
            return "nuked"
        if self.agent_state == "done" and alive:
            return "done"
        return "idle"


def _epoch(stamp: str) -> float:
    when = fields.parse_stamp(stamp)
    return when.timestamp() if when else 0.0


def agent_id(config: RigConfig, name: str) -> str:
    return addresses.agent_bead_id(config.prefix, config.name, "polecat", name)


def parse_address(address: str) -> tuple[str, str]:
    """``RIG/polecats/NAME`` (or the short ``RIG/NAME``) → (rig, name), both validated."""
    parts = (address or "").strip("/").split("/")
    if len(parts) == 3 and parts[1] == "polecats":
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or parts[1] in RESERVED_NAMES:
        raise InvalidInput(f"{address!r} is not a polecat address", "polecat addresses look like RIG/polecats/NAME")
    return fields.check_name(parts[0], "rig name"), fields.check_name(parts[1], "polecat name")


def session_for(address: str) -> str:
    """The tmux session of an agent address (polecat, RIG/witness, RIG/refinery, mayor/, deacon/)."""
    session = addresses.session_for(address)
    if session is None:
        raise InvalidInput(f"{address!r} names no agent session", "addresses look like RIG/polecats/NAME")
    return session


# -- reading ---------------------------------------------------------------------------------------


def read_polecats(session, config: RigConfig) -> list[Polecat]:
    """Every polecat of a rig with its hooked bead: two queries, whatever the rig's size."""
    start = f"{config.prefix}-{config.name}-polecat-"
    agents = session.rows(
        "SELECT id, description, updated_at FROM issues WHERE id LIKE ? AND issue_type = 'agent' ORDER BY id",
        (start + "%",),
    )
    owner = f"{config.name}/polecats/"
    hooks = {
        r["assignee"]: r
        for r in session.rows(
            "SELECT id, title, issue_type, priority, status, assignee, description FROM issues"
            " WHERE status = 'hooked' AND assignee LIKE ?",
            (owner + "%",),
        )
        if r["assignee"].startswith(owner)
    }
    out = []
    for row in agents:
        name = row["id"][len(start) :]
        info = parse_fields(row["description"])
        out.append(Polecat(config.name, name, row["id"], info, hooks.get(owner + name), row["updated_at"] or ""))
    return out


def hooked_bead(session, address: str) -> dict[str, Any] | None:
    return session.row(
        "SELECT * FROM issues WHERE status = 'hooked' AND assignee = ? ORDER BY updated_at LIMIT 1", (address,)
    )


def open_merge_request(session, bead_id: str) -> dict[str, Any] | None:
    return session.row(
        "SELECT id, description, status FROM issues WHERE issue_type = 'merge-request' AND title = ?"
        " AND status <> 'closed' ORDER BY created_at DESC LIMIT 1",
        (f"Merge: {bead_id}",),
    )


def polecat_record(polecat: Polecat, config: RigConfig, paths: RigPaths, live: dict[str, int], now: float) -> dict:
    """One row of ``gt polecat list --json`` (and of the TUI's polecat view)."""
    hook = polecat.hook or {}
    return {
        "rig": polecat.rig,
        "name": polecat.name,
        "address": polecat.address,
        "agent_bead": polecat.agent_id,
        "state": polecat.state(live, now, config.stall_after),
        "agent_state": polecat.agent_state,
        "hook_bead": hook.get("id", ""),
        "hook_title": hook.get("title", ""),
        "session": polecat.session,
        "session_alive": polecat.session in live,
        "last_activity": live.get(polecat.session),
        "branch": polecat.fields.get("branch", ""),
        "runtime": polecat.fields.get("runtime", ""),
        "worktree": str(paths.polecat(polecat.name)),
        "mr": polecat.fields.get("mr", ""),
    }


def list_polecats(town: Town, rig: str | None = None, tmux: Tmux | None = None) -> list[dict[str, Any]]:
    from .rigs import list_rigs

    configs = [load_rig(town, rig)] if rig else list_rigs(town)
    live = (tmux or town.tmux()).activity()
    now = time.time()
    out = []
    for config in configs:
        paths = rig_paths(town, config.name)
        for polecat in town.ledger.read(lambda s, c=config: read_polecats(s, c)):
            out.append(polecat_record(polecat, config, paths, live, now))
    return out


def hook(town: Town, address: str | None = None) -> dict[str, Any] | None:
    """The bead on an agent's hook (the current step too, for a molecule), or None."""
    address = check_address(address) if address else _my_address()
    return town.ledger.read(lambda s: _hook_view(s, address))


def _hook_view(session, address: str) -> dict[str, Any] | None:
    from .rework import for_bead

    bead = hooked_bead(session, address)
    if bead and bead["issue_type"] == "molecule":
        from .molecules import current_step

        bead["current_step"] = current_step(session, bead["id"])
    if bead:
        rework = for_bead(session, bead["id"])
        if rework:
            bead["rework"] = rework  # what failed, when its merge request came back to be fixed
    return bead


def check_address(address: str) -> str:
    """An agent address (``RIG/polecats/NAME``, ``RIG/witness``, ``mayor/``): names between slashes."""
    parts = address.strip("/").split("/")
    if not address.strip("/") or len(parts) > 3:
        raise InvalidInput(f"{address!r} is not an agent address", "addresses look like RIG/polecats/NAME")
    for part in parts:
        fields.check_name(part, "address part")
    return address


def _my_address() -> str:
    actor = os.environ.get("GT_ACTOR", "")
    if not actor:
        raise GtError(
            "no agent identity here (GT_ACTOR is not set)", "run this inside a polecat session, or give --agent ADDRESS"
        )
    return actor


# -- sling -----------------------------------------------------------------------------------------


def _pick_name(
    config: RigConfig, polecats: list[Polecat], live: dict[str, int], paths: RigPaths, keep: set[str]
) -> str:
    """Reuse an idle polecat with a sandbox, else a nuked identity, else the next free name.
    Polecats in ``keep`` (work coming back to them for rework) are left free for it."""
    by_name = {p.name: p for p in polecats}
    idle = [
        p.name
        for p in polecats
        if not p.hook
        and p.agent_state in ("idle", "done")
        and p.session not in live
        and p.name not in keep
        and paths.polecat(p.name).is_dir()
    ]
    if idle:
        return idle[0]
    nuked = [p.name for p in polecats if not p.hook and p.agent_state == "nuked" and p.session not in live]
    if nuked:
        return nuked[0]
    for name in NAMES:
        if name not in by_name and not paths.polecat(name).exists():
            return name
    number = len(NAMES) + 1
    while str(number) in by_name or paths.polecat(str(number)).exists():
        number += 1
    return str(number)


def _slingable(session, bead_id: str) -> dict[str, Any]:
    """The bead, if it is work that may go on a hook now; else NotFound / InvalidInput / Conflict."""
    bead = session.get(bead_id)
    if bead["issue_type"] in NOT_SLINGABLE:
        raise InvalidInput(f"{bead_id} is a {bead['issue_type']} bead, not work", "sling a task, bug, feature…")
    if bead["status"] == "closed":
        raise Conflict(f"{bead_id} is closed", "reopen it first: gt bead reopen " + bead_id)
    if bead["status"] in ("hooked", "pinned"):
        raise Conflict(f"{bead_id} is already on the hook of {bead['assignee'] or 'an agent'}", "see gt polecat list")
    return bead


def _claim(tx, town: Town, config: RigConfig, bead_id: str, name: str | None, runtime: str, live: dict[str, int]):
    """Hook the bead to a polecat (chosen here, atomically) and mark the agent ``spawning``."""
    from .rework import awaiting

    bead = _slingable(tx, bead_id)
    mr = open_merge_request(tx, bead_id)
    if mr:
        raise Conflict(f"{bead_id} is waiting in the merge queue as {mr['id']}", "let the refinery merge or reject it")
    paths = rig_paths(town, config.name)
    polecats = read_polecats(tx, config)
    working = sum(1 for p in polecats if p.hook)
    if working >= config.max_polecats:
        raise Conflict(f"rig {config.name} already has {working} working polecats", "raise max_polecats in rig.toml")
    if name is None:
        name = _pick_name(config, polecats, live, paths, awaiting(tx, config))
    else:
        current = next((p for p in polecats if p.name == name), None)
        if current and current.hook:
            raise Conflict(f"{current.address} is busy with {current.hook['id']}", "pick another polecat or none")
    address = addresses.polecat(config.name, name)
    tx.update(bead_id, status="hooked", assignee=address)
    tx.event(bead_id, "slung", bead["status"], address)
    fresh = {"restarts": 0, "nudges": 0, "escalated": None, "exit_type": None}
    set_agent(tx, config, name, agent_state="spawning", hook_bead=bead_id, runtime=runtime, **fresh)
    _ensure_convoy(tx, bead_id)
    return {"name": name, "bead": bead, "previous": {"status": bead["status"], "assignee": bead["assignee"]}}


def _ensure_convoy(tx, bead_id: str) -> None:
    from .convoys import ensure_convoy

    ensure_convoy(tx, bead_id)


def set_agent(tx, config: RigConfig, name: str, **changes: Any) -> str:
    """Update (or create) a polecat's agent bead fields; returns its id."""
    bead_id = agent_id(config, name)
    current = tx.find(bead_id)
    if current is None:
        base = with_fields("", role_type="polecat", rig=config.name, agent_state="idle", hook_bead="", session="")
        tx.create(
            addresses.polecat(config.name, name),
            bead_id=bead_id,
            issue_type="agent",
            labels=["gt:agent"],
            description=with_fields(base, **changes),
            role_type="polecat",
            rig=config.name,
        )
    else:
        tx.update(bead_id, description=with_fields(current["description"], **changes))
    return bead_id


def new_branch_name(paths: RigPaths, name: str, bead_id: str) -> str:
    from ..vcs import git

    branch = f"polecat/{name}/{bead_id}"
    if git.branch_exists(paths.repo, branch):  # an earlier attempt's branch may still be queued
        branch += "@" + _base36(int(time.time() * 1000))
    return branch


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def prepare_sandbox(paths: RigPaths, config: RigConfig, name: str, branch: str) -> Path:
    """The polecat's worktree on a fresh ``branch`` from the default branch (reused when it exists)."""
    from ..vcs import git

    worktree = paths.polecat(name)
    with git.repo_lock(paths.repo):
        if git.is_worktree(worktree):
            git.worktree_reset(worktree, branch, config.default_branch)
            return worktree
        if worktree.exists():
            git.worktree_remove(paths.repo, worktree)
            if worktree.exists():
                raise Conflict(f"{worktree} exists and is not a worktree", "move it away, then sling again")
        paths.polecats.mkdir(exist_ok=True)
        git.worktree_add(paths.repo, worktree, branch, config.default_branch)
    return worktree


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


def startup_prompt(config: RigConfig, name: str, bead: dict[str, Any], topic: str = "assigned") -> str:
    """Gas Town's beacon plus the instruction; the bead's title travels verbatim."""
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    return (
        f"[GAS TOWN] polecat {name} (rig: {config.name}) <- witness • {stamp} • {topic}:{bead['id']} "
        f"— {bead['title']} — Run `gt prime` and begin work on your hook; run `gt done` when finished."
    )


def start_session(
    tmux: Tmux, town: Town, config: RigConfig, name: str, bead: dict, spec: str, branch: str, topic: str, note: str = ""
) -> str:
    """Start the runtime in the polecat's worktree and deliver its start-up prompt (``note`` appended)."""
    from ..runtime.presets import resolve

    preset = resolve(town, spec)
    session = addresses.session_name(config.name, name)
    worktree = rig_paths(town, config.name).polecat(name)
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


def sling(
    town: Town,
    bead_id: str,
    rig: str,
    runtime: str | None = None,
    name: str | None = None,
    tmux: Tmux | None = None,
) -> dict[str, Any]:
    """Put a bead on a polecat's hook and start it working; undone entirely if any step fails."""
    from ..runtime.presets import resolve

    config = load_rig(town, rig)
    fields.check_bead_id(bead_id)
    if name is not None:
        fields.check_name(name, "polecat name")
        if name in RESERVED_NAMES:
            raise InvalidInput(f"{name!r} is reserved", "pick another polecat name")
    spec = runtime or config.runtime
    town.ledger.read(lambda s: _slingable(s, bead_id))  # the cheap, certain facts before the environment
    check_installed(resolve(town, spec), spec)
    tmux = tmux or town.tmux()
    live = tmux.activity()
    ledger = town.ledger
    claim = ledger.write("sling", lambda tx: _claim(tx, town, config, bead_id, name, spec, live))
    name = claim["name"]
    paths = rig_paths(town, config.name)
    session = addresses.session_name(config.name, name)
    try:
        branch = new_branch_name(paths, name, bead_id)
        worktree = prepare_sandbox(paths, config, name, branch)
        start_session(tmux, town, config, name, claim["bead"], spec, branch, "assigned")
        ledger.write(
            "sling",
            lambda tx: set_agent(tx, config, name, agent_state="working", session=session, branch=branch, mr=None),
        )
    except BaseException:
        tmux.kill_session(session)
        ledger.write("sling rollback", lambda tx: _unclaim(tx, config, name, bead_id, claim["previous"]))
        raise
    return {
        "bead": bead_id,
        "rig": config.name,
        "polecat": name,
        "address": addresses.polecat(config.name, name),
        "session": session,
        "branch": branch,
        "worktree": str(worktree),
        "runtime": spec,
    }


def check_installed(preset: Preset, spec: str) -> None:
    """The runtime's program must exist before a bead is put on anyone's hook."""
    program = preset.command[0]
    if not shutil.which(program):
        raise InvalidInput(
            f"runtime {spec!r} needs {program!r}, which is not installed (not on PATH)",
            "install it, or choose another runtime with --runtime (e.g. scripted)",
        )


def _unclaim(tx, config: RigConfig, name: str, bead_id: str, previous: dict[str, Any]) -> None:
    bead = tx.get(bead_id)
    if bead["status"] == "hooked" and bead["assignee"] == addresses.polecat(config.name, name):
        tx.update(bead_id, status=previous["status"], assignee=previous["assignee"])
    set_agent(tx, config, name, agent_state="idle", hook_bead="", session="")


# -- restart, nuke, nudge ------------------------------------------------------------------------------


def restart(town: Town, rig: str, name: str, tmux: Tmux | None = None) -> dict[str, Any]:
    """A fresh session for a polecat from its hook, in its existing sandbox (recreated if gone)."""
    from ..vcs import git

    config = load_rig(town, rig)
    fields.check_name(name, "polecat name")
    address = addresses.polecat(config.name, name)
    tmux = tmux or town.tmux()
    bead, agent = town.ledger.read(lambda s: (hooked_bead(s, address), s.find(agent_id(config, name))))
    if bead is None or agent is None:
        raise NotFound(f"{address} has nothing on its hook", f"give it work with: gt sling BEAD {rig}")
    info = parse_fields(agent["description"])
    paths = rig_paths(town, config.name)
    branch = info.get("branch") or new_branch_name(paths, name, bead["id"])
    worktree = paths.polecat(name)
    with git.repo_lock(paths.repo):
        if not git.is_worktree(worktree):
            exists = git.branch_exists(paths.repo, branch)
            git.worktree_add(paths.repo, worktree, branch, None if exists else config.default_branch)
    spec = info.get("runtime") or config.runtime
    session = start_session(tmux, town, config, name, bead, spec, branch, "restart")
    town.ledger.write(
        "polecat restart",
        lambda tx: set_agent(tx, config, name, agent_state="working", session=session, branch=branch),
    )
    return {"address": address, "bead": bead["id"], "session": session, "branch": branch}


def nuke(town: Town, rig: str, name: str, force: bool = False, tmux: Tmux | None = None) -> dict[str, Any]:
    """Session, worktree and branches gone; the agent bead (identity, history) stays, ``nuked``."""
    from ..vcs import git

    config = load_rig(town, rig)
    fields.check_name(name, "polecat name")
    address = addresses.polecat(config.name, name)
    paths = rig_paths(town, config.name)
    agent = town.ledger.find(agent_id(config, name))
    if agent is None:
        raise NotFound(f"no polecat {address}", f"list them with: gt polecat list --rig {rig}")
    bead = town.ledger.read(lambda s: hooked_bead(s, address))
    mr_id = parse_fields(agent["description"]).get("mr", "")
    mr = town.ledger.find(mr_id) if mr_id else None
    if not force and bead:
        raise Conflict(f"{address} has {bead['id']} on its hook", "let it finish, or use --force to unhook it")
    if not force and mr and mr["status"] != "closed":
        raise Conflict(f"{address} has an open merge request {mr_id}", "wait for the refinery, or --force")
    (tmux or town.tmux()).kill_session(addresses.session_name(config.name, name))
    with git.repo_lock(paths.repo):
        git.worktree_remove(paths.repo, paths.polecat(name))
        removed = [b for b in git.branches(paths.repo, f"polecat/{name}/") if git.delete_branch(paths.repo, b)]

    def forget(tx) -> None:
        current = hooked_bead(tx, address)
        if current:
            tx.update(current["id"], status="open", assignee=None)
        set_agent(tx, config, name, agent_state="nuked", hook_bead="", session="", branch="")

    town.ledger.write("polecat nuke", forget)
    return {"address": address, "branches_deleted": removed, "unhooked": bead["id"] if bead else None}


def nudge(address: str, text: str, tmux: Tmux | None = None) -> str:
    """Type ``text`` into the agent's live session (literal keys, never a shell); returns the session."""
    from ..town import town_tmux

    if not text.strip():
        raise InvalidInput("nothing to say", "give the text to type")
    session = session_for(address)
    tmux = tmux or town_tmux()
    if not tmux.has_session(session):
        raise NotFound(f"{address} has no live session ({session})", "see gt polecat list; restart it first")
    tmux.send_text(session, text)
    return session


# -- done --------------------------------------------------------------------------------------------


def done(town: Town, exit_kind: str = "MERGED", address: str | None = None) -> dict[str, Any]:
    """Hand the polecat's work over (see the module docstring); the caller then ends the session."""
    from ..vcs import git

    exit_kind = exit_kind.upper()
    if exit_kind not in EXIT_KINDS:
        raise InvalidInput(f"unknown exit {exit_kind!r}", "use one of: " + ", ".join(EXIT_KINDS))
    address = address or _my_address()
    rig, name = parse_address(address)
    config = load_rig(town, rig)
    paths = rig_paths(town, rig)
    worktree = paths.polecat(name)
    bead = town.ledger.read(lambda s: hooked_bead(s, address))
    if bead is None:
        raise NotFound(f"nothing on {address}'s hook", "gt done hands over hooked work; see gt hook")
    commit = branch = ""
    if exit_kind == "MERGED":
        dirty = git.dirty_paths(worktree)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            raise Conflict(f"uncommitted changes in {worktree}: {shown}", "commit them (git add -A; git commit)")
        branch = git.current_branch(worktree) or ""
        if not branch or branch == config.default_branch:
            raise Conflict(f"{worktree} is not on a polecat branch", "commit on the branch gt sling made for you")
        commits = git.commits_between(paths.repo, config.default_branch, branch)
        if not commits:
            raise Conflict(
                f"no commits on {branch} ahead of {config.default_branch}",
                "commit your work, or use gt done --exit DEFERRED / ESCALATED",
            )
        commit = commits[0][0]
    result = town.ledger.write(
        "done", lambda tx: _record_done(tx, config, name, bead["id"], exit_kind, branch, commit), actor=address
    )
    if branch:
        git.detach(worktree)
    return result


def _record_done(tx, config: RigConfig, name: str, bead_id: str, exit_kind: str, branch: str, commit: str) -> dict:
    address = addresses.polecat(config.name, name)
    bead = tx.get(bead_id)
    if bead["status"] != "hooked" or bead["assignee"] != address:
        raise Conflict(f"{bead_id} is no longer on {address}'s hook", "see gt hook")
    mr_id = None
    if exit_kind == "MERGED":
        mr_id = _merge_request(tx, config, name, bead, branch, commit)
    else:
        from .rework import give_up

        give_up(tx, bead_id, exit_kind)
    status = DONE_STATUS[exit_kind]
    tx.update(bead_id, status=status, assignee=None if status == "open" else address)
    tx.event(bead_id, "done", "hooked", f"{exit_kind} {mr_id or ''}".strip())
    agent = set_agent(tx, config, name, agent_state="done", hook_bead="", exit_type=exit_kind, mr=mr_id)
    messages = _polecat_done_mail(tx, config, name, bead_id, exit_kind, mr_id, branch)
    return {"bead": bead_id, "exit": exit_kind, "mr": mr_id, "branch": branch, "commit": commit,
            "status": status, "agent_bead": agent, "messages": messages}  # fmt: skip


def _merge_request(tx, config: RigConfig, name: str, bead: dict, branch: str, commit: str) -> str:
    """The MR bead of the shared contract: one per bead, resubmitted after rework (``rework.resubmit``)."""
    from .rework import resubmit

    existing = resubmit(tx, config, name, bead, branch, commit)
    if existing:
        return existing
    description = with_fields(
        "",
        branch=branch,
        target=config.default_branch,
        source_issue=bead["id"],
        rig=config.name,
        commit_sha=commit,
        worker=addresses.polecat(config.name, name),
        agent_bead=agent_id(config, name),
    )
    description += f"\n\n{bead['title']}"
    return tx.create(
        f"Merge: {bead['id']}",
        prefix=config.prefix,
        issue_type="merge-request",
        labels=["gt:merge-request"],
        priority=bead["priority"],
        description=description,
    )


def _polecat_done_mail(tx, config, name, bead_id, exit_kind, mr_id, branch) -> list[str]:
    from . import protocol

    message = protocol.PolecatDone(polecat=name, exit=exit_kind, issue=bead_id, mr=mr_id or "", branch=branch)
    return protocol.post(tx, message, sender=addresses.polecat(config.name, name), to=addresses.witness(config.name))


def end_session(address: str | None = None, tmux: Tmux | None = None) -> bool:
    """Kill the polecat's own session (the last thing ``gt done`` does)."""
    from ..town import town_tmux

    return (tmux or town_tmux()).kill_session(session_for(address or _my_address()))


def prime(town: Town, address: str | None = None) -> str:
    """What an agent needs to start: who it is, what is on its hook, and what to do."""
    address = address or _my_address()
    rig, name = parse_address(address)
    config = load_rig(town, rig)
    bead = hook(town, address)
    worktree = rig_paths(town, rig).polecat(name)
    lines = [
        f"# You are polecat {name} of rig {rig} ({address})",
        f"Sandbox: {worktree} (branch from {config.default_branch}). Stay inside it.",
        "",
    ]
    if bead is None:
        lines += ["Nothing is on your hook. Check your mail (gt mail inbox) and wait for work."]
        return "\n".join(lines)
    lines += [
        "## AUTONOMOUS WORK MODE — work is on your hook; start now.",
        f"Bead {bead['id']} (P{bead['priority']}, {bead['issue_type']}): {bead['title']}",
    ]
    if bead.get("description"):
        lines += ["", bead["description"]]
    if bead.get("acceptance_criteria"):
        lines += ["", "Acceptance criteria:", bead["acceptance_criteria"]]
    step = bead.get("current_step")
    if step:
        lines += ["", f"Current step {step['id']}: {step['title']}", step.get("description") or ""]
    if bead.get("rework"):
        from .rework import prime_lines

        lines += prime_lines(bead["rework"], config.max_rework)
    lines += [
        "",
        "## When you are done",
        "1. Commit everything on your branch (git add -A && git commit -m '…').",
        "2. Run `gt done` — it hands your branch to the refinery and ends this session.",
        "   Blocked? `gt done --exit ESCALATED`. Not now? `gt done --exit DEFERRED`.",
    ]
    return "\n".join(lines)
