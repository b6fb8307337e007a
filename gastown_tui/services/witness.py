"""The witness: one patrol pass over a rig's polecats (the daemon repeats it on a timer).

A pass costs one tmux call (every session's last activity) and one ledger read (agent beads
and hooked beads); only polecats that need something cost more. It finds:

- **zombie**: hooked work, session gone → restarted from the hook in its sandbox, up to the
  rig's ``max_restarts``; after that, escalated (once per bead);
- **stalled**: hooked work, no pane output for ``stall_after`` seconds → nudged; after
  ``max_restarts`` nudges, escalated. Never killed for silence alone: a thinking agent is quiet;
- **done**: ``gt done`` ran but its session lingers → session killed; the polecat settles idle;
- **merged**: the polecat's last merge request is closed → its branch is deleted if its work is
  on the target branch (else kept), and the polecat forgets the MR;
- **merge-failed / merge-rework / merge-rejected**: the refinery failed a merge request or asked
  for a rebase, or a person rejected it → sent back to its polecat, woken with what failed (see
  ``rework.py``) once the polecat is free; after the rig's ``max_rework`` send-backs, or when the
  polecat is gone, escalated instead, once per merge request (label ``escalated``);
- **convoy-stranded**: a convoy has ready work in this rig and nobody on any of it → reported
  once per episode (label ``stranded-reported``, dropped when it moves again);
- **recovered**: a polecat marked stalled/zombie is working again;
- **waiting** (``watch``, also run on its own by the daemon every second): a polecat waiting for a
  person is never nudged nor restarted; the screens of the rig's working polecats are captured in
  one tmux call, their hashes kept as signs of life, and the screen rules record waits of agents
  that do not report them (``attention.py``); a wait longer than ``wait_mail_after`` is mailed
  to the overseer once ("furiosa has waited 10 min: <question>").

Escalations go to town.toml's ``escalate_to`` (default: the overseer, the human at the keyboard;
set it to ``mayor/`` when a mayor agent runs).

POLECAT_DONE and MERGED mail to the witness is archived by the next pass: the patrol works
from the polecats' state in the ledger, which that mail only reports.

Every finding and its action is an event on the polecat's agent bead (``witness:KIND``). A
lease per rig keeps two patrols (daemon and a person) from acting on the same polecat at once.
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .. import addresses
from ..display import JsonObject
from ..errors import GtError
from ..ledger.leases import holder_id
from ..ledger.reads import Row
from . import rework, sendback
from .agent_state import waited
from .polecats import Polecat, WatchedPolecats, read_polecats, restart, set_agent
from .rigpaths import load_rig, rig_paths

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import RigConfig
    from ..runtime.tmux import Tmux
    from ..town import Town
    from .attention import PatrolLooks
    from .convoys import Convoy

LEASE_SECONDS = 120.0
ESCALATE_TO = addresses.OVERSEER
# What an escalation asks the reader to decide, by finding.
_ADVICE = {
    "merge-failed": "Read the gate output (gt mq show), then fix the branch and gt mq retry, or reject it and "
    "close its bead.",
    "merge-rework": "Rebase the branch onto the target and gt mq retry, or reject it and close its bead.",
    "merge-rejected": "Re-sling its bead, fix the branch by hand, or close the bead.",
    "waiting": "Answer it from the TUI (w jumps to the next agent that needs you; y/n, or A to type a reply), "
    "or attach to its session.",
    "default": "The witness stopped retrying; decide: re-sling, nuke or fix by hand.",
}
# What a merge request that came back did, by finding.
_CAME_BACK = {
    "merge-failed": "failed its gates",
    "merge-rework": "conflicts with the target branch",
    "merge-rejected": "was rejected",
}
# On a convoy the witness reported stranded; dropped when it is not any more.
STRANDED_LABEL = "stranded-reported"
# Protocol mail to the witness that only reports what the ledger already shows.
ACKNOWLEDGED = ("POLECAT_DONE", "MERGED")


@dataclass
class Finding:
    polecat: str
    kind: str
    action: str
    bead: str = ""
    detail: str = ""
    changes: dict[str, Any] | None = None
    escalate: bool = False


def patrol(
    town: Town, rig: str, tmux: Tmux | None = None, now: float | None = None, looks: PatrolLooks | None = None
) -> list[JsonObject]:
    """One pass; returns the findings (each with the action taken). It looks at every screen, or, given
    ``looks`` (a loop's memory), only at those tmux saw output on since they were last seen, most passes."""
    from .attention import moved

    config = load_rig(town, rig)
    tmux = tmux or town.tmux()
    now = time.time() if now is None else now
    live, marks = tmux.activity_and_marks()
    every = looks is None or looks.every(now, config.stall_after)
    pick = list if every else functools.partial(moved, marks=marks, live=live)
    findings, changed = _watch(town, config, tmux, now, live, marks, pick)
    if every and looks is not None:
        looks.saw(changed, marks, live, now)
    for session, (_, at) in changed.items():  # a screen that just changed is a sign of life now
        live[session] = max(live.get(session, 0), at)
    polecats, merge_requests, reports, came_back, convoys = town.ledger.read(
        lambda s: (*_read(s, config, live, now), _reports(s, config), rework.sent_back(s, config), _stranded(s, config))
    )
    if reports:
        town.ledger.write("witness inbox", lambda tx: _acknowledge(tx, reports))
    escalate_to = _escalate_to(town)
    decisions = sendback.plan(came_back, polecats, config)
    if any(d.action in ("escalate", "settle") for d in decisions):
        findings += town.ledger.write(
            "witness escalate", lambda tx: _escalate_came_back(tx, config, decisions, escalate_to)
        )
    if convoys["new"] or convoys["over"]:
        findings += town.ledger.write("witness stranded", lambda tx: _report_stranded(tx, config, convoys, escalate_to))
    wakes = {d.polecat: d for d in decisions if d.action == "rework"}
    plans = [_rework_finding(config, d) for d in wakes.values()]
    plans += [f for p in polecats if p.name not in wakes and (f := _classify(p, config, live, now, merge_requests))]
    holder = holder_id("witness")
    lease = f"witness:{config.name}"
    # another patrol may be acting on this rig's polecats right now: then leave them to it
    if plans and town.ledger.write("witness lease", lambda tx: tx.take_lease(lease, holder, LEASE_SECONDS)):
        try:
            by_name = {p.name: p for p in polecats}
            for finding in plans:
                _act(town, config, by_name[finding.polecat.rsplit("/", 1)[-1]], finding, tmux)
            town.ledger.write("witness patrol", lambda tx: _record(tx, config, by_name, plans, escalate_to))
            findings += plans
        finally:
            town.ledger.write("witness lease", lambda tx: tx.release_lease(lease, holder))
    return [{k: v for k, v in asdict(f).items() if k not in ("changes", "escalate")} for f in findings]


def watch(
    town: Town,
    rig: str,
    tmux: Tmux | None = None,
    now: float | None = None,
    config: RigConfig | None = None,
    watched: WatchedPolecats | None = None,
    turns: bool = True,
) -> list[JsonObject]:
    """The attention pass: screens captured (one tmux call for the rig's hooked live polecats), their
    hashes marked, waits seen by the screen rules recorded, long waits mailed. Returns findings.
    A loop passes ``watched`` (kept between passes): the ledger is read again only when it moved or a
    session came or went, and tmux is not asked while no polecat has work on its hook. Without
    ``turns``, quiet screens are left to a patrol that looks at every one (``attention.due``)."""
    config = config or load_rig(town, rig)
    if watched is not None and watched.idle(town.ledger, config):
        return []
    from .attention import due

    tmux = tmux or town.tmux()
    now = time.time() if now is None else now
    live, marks = tmux.activity_and_marks()
    pick = functools.partial(due, marks=marks, live=live, now=now, turns=turns)
    findings, _ = _watch(town, config, tmux, now, live, marks, pick, watched=watched)
    return [{k: v for k, v in asdict(f).items() if k not in ("changes", "escalate")} for f in findings]


def _watch(
    town: Town,
    config: RigConfig,
    tmux: Tmux,
    now: float,
    live: dict[str, int],
    marks: dict[str, tuple[str, int]],
    pick: Callable[[list[str]], list[str]],
    watched: WatchedPolecats | None = None,
) -> tuple[list[Finding], dict[str, tuple[str, int]]]:
    """``watch`` given the tmux activity map and pane marks; also returns the screens that changed
    ({session: (hash, at)}). Captures the screens ``pick`` picks of the hooked live polecats'."""
    from ..ledger.fields import now as now_stamp
    from ..runtime.screens import rules_for
    from .attention import look

    if watched is not None:
        read = watched.read(town.ledger, config, live, now)
    else:
        read = town.ledger.read(lambda s: read_polecats(s, config, live, now))
    polecats = [p for p in read if p.hook and p.session_alive]
    if not polecats:
        return [], {}
    sessions = [p.session for p in polecats]
    screens = tmux.capture_many(pick(sessions))
    rules = {spec: rules_for(town, spec) for spec in {p.runtime or config.runtime for p in polecats}}
    seen = look(polecats, screens, marks, live, rules, now, config.wait_mail_after, now_stamp(), config.runtime)
    tmux.mark_panes(seen.marks)
    if not seen.reports and not seen.waits:
        return [], seen.marks
    by_name = {p.name: p for p in polecats}
    findings = [
        Finding(by_name[name].address, "waiting" if c["reported"] == "waiting" else "answered", "none",
                by_name[name].hook_bead, f"screen: {c['reason'] or 'prompt gone'}", c)
        for name, c in seen.reports.items()
    ]  # fmt: skip
    for p in seen.waits:
        question = p.waiting.reason or "(no question given)"
        detail = f"{p.name} has waited {waited(now - p.waiting.since)}: {question}"
        findings.append(Finding(p.address, "waiting", "report", p.hook_bead, detail,
                                {"wait_mailed": p.fields.get("reported_at")}, escalate=True))  # fmt: skip
    escalate_to = _escalate_to(town)
    town.ledger.write("witness watch", lambda tx: _record(tx, config, by_name, findings, escalate_to))
    return findings, seen.marks


def _escalate_to(town: Town) -> str:
    return str(town.raw.get("escalate_to") or ESCALATE_TO)


def _read(session, config: RigConfig, live: dict[str, int], now: float) -> tuple[list[Polecat], dict[str, Row]]:
    polecats = read_polecats(session, config, live, now)
    mr_ids = [p.fields["mr"] for p in polecats if p.fields.get("mr") and not p.hook]
    return polecats, session.get_many(mr_ids) if mr_ids else {}


def _reports(session, config: RigConfig) -> list[str]:
    """Unread POLECAT_DONE / MERGED mail to this witness: news the ledger already holds."""
    from . import mail, protocol

    inbox = mail.inbox(session, addresses.witness(config.name), unread=True)
    return [m.id for m in inbox if protocol.kind_of(m.subject) in ACKNOWLEDGED]


def _acknowledge(tx, message_ids: list[str]) -> None:
    """Archive the reports: the patrol acts on the polecats' state, which they describe."""
    from . import mail

    for message_id in message_ids:
        mail.archive_in(tx, message_id)


def _rework_finding(config: RigConfig, decision: sendback.Decision) -> Finding:
    back = decision.back
    return Finding(addresses.polecat(config.name, decision.polecat), back.kind, "rework", back.mr, decision.detail)


def _escalate_came_back(tx, config: RigConfig, decisions: list[sendback.Decision], escalate_to: str) -> list[Finding]:
    """Merge requests the witness will not send back: escalated (once each), or settled when their
    bead is closed. Both are labels, so a concurrent patrol does not do it twice."""
    findings = []
    for decision in decisions:
        back = decision.back
        if decision.action == "settle":
            if tx.add_label(back.mr, rework.SETTLED_LABEL):
                findings.append(Finding(back.worker, back.kind, "settle", back.mr, decision.detail))
            continue
        if decision.action != "escalate" or not tx.add_label(back.mr, rework.ESCALATED_LABEL):
            continue
        detail = f"merge request {back.mr} {_CAME_BACK[back.kind]}; {decision.detail}"
        findings.append(Finding(back.worker, back.kind, "escalate", back.mr, detail))
        _escalate(
            tx, config, escalate_to, "MEDIUM", f"{back.worker or config.name} {back.kind} on {back.mr}", back.mr,
            f"{detail}. {_ADVICE[back.kind]}",
        )  # fmt: skip
    return findings


def _stranded(session, config: RigConfig) -> dict[str, list[Convoy]]:
    """Convoys with ready work in this rig and nobody on it, not reported yet ("new"); and
    reported ones that are no longer stranded ("over"), so a later episode is reported again."""
    from .convoys import listing

    mine = config.prefix + "-"
    new, over = [], []
    if config.auto_sling:
        return {"new": new, "over": over}  # the daemon's dispatch slings this rig's ready work itself
    for convoy in listing(session, prefix=config.prefix):
        reported = STRANDED_LABEL in convoy.labels
        stranded = convoy.stranded and any(bead.startswith(mine) for bead in convoy.ready)
        if stranded and not reported:
            new.append(convoy)
        elif reported and not convoy.stranded:
            over.append(convoy)
    return {"new": new, "over": over}


def _report_stranded(tx, config: RigConfig, convoys: dict[str, list[Convoy]], escalate_to: str) -> list[Finding]:
    """Tell the overseer (once per episode) that a convoy's work waits with nobody slinging it."""
    for convoy in convoys["over"]:
        tx.remove_label(convoy.id, STRANDED_LABEL)
    findings = []
    for convoy in convoys["new"]:
        if not tx.add_label(convoy.id, STRANDED_LABEL):
            continue  # a concurrent patrol reported it
        ready = [bead for bead in convoy.ready if bead.startswith(config.prefix + "-")]
        detail = f"convoy {convoy.id} ({convoy.title}) has {len(ready)} ready bead(s) and nobody on them"
        findings.append(Finding(addresses.witness(config.name), "convoy-stranded", "report", convoy.id, detail))
        _escalate(
            tx, config, escalate_to, "MEDIUM", f"convoy {convoy.id} stranded", convoy.id,
            f"{detail}: {', '.join(ready[:10])}. Sling them (gt sling BEAD {config.name}, or s in the TUI), "
            "or set auto_sling = true in the rig's rig.toml.",
        )  # fmt: skip
    return findings


def _count(polecat: Polecat, key: str) -> int:
    value = polecat.fields.get(key, "")
    return int(value) if value.isdigit() else 0


def _classify(p: Polecat, config: RigConfig, live: dict[str, int], now: float, mrs: dict[str, Row]) -> Finding | None:
    """What this polecat needs, decided from the snapshot alone (no side effects)."""
    state = p.state
    bead = p.hook_bead
    if state == "zombie":
        restarts = _count(p, "restarts")
        if restarts < config.max_restarts:
            return Finding(p.address, "zombie", "restart", bead, f"restart {restarts + 1} of {config.max_restarts}",
                           {"restarts": restarts + 1})  # fmt: skip
        if p.fields.get("escalated") != bead:
            return Finding(p.address, "zombie", "escalate", bead, f"dead after {restarts} restarts",
                           {"agent_state": "zombie", "escalated": bead}, escalate=True)  # fmt: skip
        return None
    if state == "stalled":
        if p.agent_state == "stalled":
            return None  # already nudged for this silence
        nudges = _count(p, "nudges")
        quiet = int(now - live[p.session])
        if nudges < config.max_restarts:
            return Finding(p.address, "stalled", "nudge", bead, f"no output for {quiet}s",
                           {"agent_state": "stalled", "nudges": nudges + 1})  # fmt: skip
        if p.fields.get("escalated") != bead:
            return Finding(p.address, "stalled", "escalate", bead, f"no output for {quiet}s after {nudges} nudges",
                           {"agent_state": "stalled", "escalated": bead}, escalate=True)  # fmt: skip
        return None
    if state == "waiting":
        return None  # a person's turn: never nudged nor restarted (``watch`` mails a long wait)
    if state == "working" and p.agent_state in ("stalled", "zombie"):
        return Finding(p.address, "recovered", "none", bead, "output again", {"agent_state": "working"})
    if state == "done":
        return Finding(p.address, "done", "kill-session", "", "gt done ran; session lingered", {"agent_state": "idle"})
    if state == "idle" and p.agent_state in ("done", "working", "stalled", "zombie"):
        return Finding(p.address, "idle", "settle", "", f"was {p.agent_state}, no hook, no session",
                       {"agent_state": "idle"})  # fmt: skip
    mr = mrs.get(p.fields.get("mr", ""))
    if state == "idle" and mr and mr["status"] == "closed":
        return Finding(p.address, "merged", "cleanup", mr["id"], p.fields.get("branch", ""), {"mr": None})
    return None


def _act(town: Town, config: RigConfig, polecat: Polecat, finding: Finding, tmux: Tmux) -> None:
    """The side effects of a finding (tmux, git); the ledger part is recorded afterwards."""
    try:
        if finding.action == "restart":
            restart(town, config.name, polecat.name, tmux=tmux)
        elif finding.action == "nudge":
            tmux.send_text(
                polecat.session,
                f"Witness: no output from you for a while on {finding.bead}. Check `gt hook`; "
                "if your work is committed, run `gt done`; if you are stuck, run `gt done --exit ESCALATED`.",
            )
        elif finding.action == "kill-session":
            tmux.kill_session(polecat.session)
        elif finding.action == "cleanup":
            finding.detail = _cleanup_branch(town, config, polecat)
        elif finding.action == "rework":
            finding.detail = sendback.wake(town, config, polecat.name, finding.bead, tmux)
    except GtError as exc:
        finding.action += "-failed"
        finding.detail = exc.message
        finding.changes = None


def _cleanup_branch(town: Town, config: RigConfig, polecat: Polecat) -> str:
    from ..vcs import git

    branch = polecat.fields.get("branch", "")
    repo = rig_paths(town, config.name).repo
    if not branch or not git.branch_exists(repo, branch):
        return f"branch {branch or '?'} already gone"
    if git.current_branch(rig_paths(town, config.name).polecat(polecat.name)) == branch:
        return f"branch {branch} kept: still checked out"
    if not git.is_ancestor(repo, branch, config.default_branch):
        return f"branch {branch} kept: not on {config.default_branch}"
    git.delete_branch(repo, branch)
    return f"branch {branch} deleted"


def _record(tx, config: RigConfig, polecats: dict[str, Polecat], findings: list[Finding], escalate_to: str) -> None:
    for finding in findings:
        name = finding.polecat.rsplit("/", 1)[-1]
        agent = set_agent(tx, config, name, **(finding.changes or {}))
        tx.event(agent, f"witness:{finding.kind}", polecats[name].agent_state, finding.action, finding.detail)
        if finding.escalate:
            waiting = finding.kind == "waiting"
            topic = finding.detail if waiting else f"{finding.polecat} {finding.kind} on {finding.bead}"
            _escalate(
                tx, config, escalate_to, "MEDIUM" if waiting else "HIGH", topic, finding.bead,
                f"{finding.detail}. " + _ADVICE.get(finding.kind, _ADVICE["default"]),
            )  # fmt: skip


def _escalate(tx, config: RigConfig, to: str, severity: str, topic: str, issue: str, note: str) -> list[str]:
    """An ESCALATION mail from this rig's witness (mail nudges its addressee once the patrol commits)."""
    from . import protocol

    witness = addresses.witness(config.name)
    message = protocol.Escalation(severity=severity, topic=topic, source=witness, issue=issue, note=note)
    return protocol.post(tx, message, sender=witness, to=to)
