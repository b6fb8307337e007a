"""Landed work leaves the town: each time the refinery moves the rig's target to a gated commit, that
commit is pushed to the rig's origin (fast-forward only, never forced); under ``merge_strategy = "pr"``
each merged polecat branch is pushed instead and a pull request opened with ``gh``.

The town's target follows the origin. Before stacking and again just before moving the target, the
refinery fetches the origin's branch; commits a person pushed there are taken in first (a
fast-forward), and a batch gated without them is put back to be stacked and gated again on top of
them (``OriginMoved``), so a conflict with the person's commits goes to the polecat as
REWORK_REQUEST like any other. When the town also has merges the origin lacks (an earlier push
failed), the next push first merges the origin's commits in and gates that (``_reconcile``).

A push that fails leaves the MRs merged in the town: each MR says why (metadata ``push``, a
``Landing``), the rig bead holds the rig's state (metadata ``push``, a ``RigPush``: what waits, why,
when it is tried again), the overseer is mailed once per kind of trouble, and later passes retry
with back-off. A local checkout with uncommitted edits on the branch holds the push
(``gt rig sync RIG`` pushes once they are committed or stashed).

``vcs.remote`` is imported where it is used: ``gt hook`` loads this package and must stay a ledger read.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import GtError
from ...ledger import load_metadata
from ..rigpaths import rig_bead_id
from .gates import run_gate
from .queue import read_queue
from .records import Landing, MergeRequest
from .verdicts import note_landing

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ...vcs.merge import MergeWorktree
    from ...vcs.remote import Pushed
    from .engine import Pass

BACKOFF = (30.0, 1800.0)  # seconds before the first retry of a failed push, and the most it grows to
GH_SECONDS = 60.0
NO_GH = 'merge_strategy = "pr" needs the GitHub CLI: gh is not on PATH (install it, or set merge_strategy = "merge")'
_URL = re.compile(r"https?://\S+")


class OriginMoved(Exception):
    """The origin's branch gained commits while a batch was gated: the target took them in, and the
    batch must be stacked and gated again on top of them."""


def forge_problem(config: RigConfig) -> str:
    """What stops the rig's merge strategy from working here ("" when nothing does)."""
    return NO_GH if config.merge_strategy == "pr" and shutil.which("gh") is None else ""


def lands_at(config: RigConfig) -> str:
    """Where the rig's merged work goes, in words."""
    dest = f"origin/{config.landing_branch}"
    return f"pull requests (gh) against {dest}" if config.merge_strategy == "pr" else dest


@dataclass(frozen=True)
class RigPush:
    """A rig's push state (its rig bead's metadata ``push``): ``ok``, ``waiting`` (a push failed; retried
    at ``retry_at``) or ``held`` (the origin's checkout has uncommitted edits)."""

    state: str = "ok"
    to: str = ""
    pushed: str = ""  # the last commit the origin took
    kind: str = ""
    error: str = ""
    attempts: int = 0
    retry_at: float = 0.0
    told: str = ""  # the trouble the overseer was mailed about (once per kind)

    @classmethod
    def from_json(cls, data: object) -> RigPush:
        if not isinstance(data, Mapping):
            return cls()
        text = {k: str(data.get(k) or "") for k in ("state", "to", "pushed", "kind", "error", "told")}
        with contextlib.suppress(TypeError, ValueError):
            return cls(**text, attempts=int(data.get("attempts") or 0), retry_at=float(data.get("retry_at") or 0))
        return cls(**text)

    def to_json(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v}

    def banner(self, rig: str) -> str:
        """The rig's banner in the TUI's rig tree ("" when all landed work reached the origin)."""
        if self.state == "held":
            return f"push held: gt rig sync {rig}"
        if self.state == "waiting":
            return f"push failing ({self.kind}): gt rig sync {rig}"
        return ""

    def explain(self, rig: str) -> str:
        """``gt rig show``'s line: what waits, why, and what to run."""
        if self.state == "held":
            return f"push to {self.to} held: {self.error}; commit or stash them, then: gt rig sync {rig}"
        if self.state == "waiting":
            return f"push to {self.to} failing: {self.error} (retried with back-off; now: gt rig sync {rig})"
        return ""


def rig_push(session, town: Town, rig: str) -> RigPush:
    """A rig's push state (see ``read_banners`` for every rig's at once)."""
    bead_id = rig_bead_id(town, rig)
    return RigPush.from_json(load_metadata(session.get(bead_id)).get("push")) if session.exists(bead_id) else RigPush()


def read_banners(session) -> dict[str, str]:
    """Rig name → its banner, for each rig whose landed work is held or failing (the TUI's rig tree)."""
    rows = session.rows("SELECT title, metadata FROM issues WHERE issue_type = 'rig' AND status <> 'closed'")
    banners = {r["title"]: RigPush.from_json(load_metadata(r).get("push")).banner(r["title"]) for r in rows}
    return {rig: text for rig, text in banners.items() if text}


class Outbound:
    """The rig's way out: its origin URL, the branch that receives landed work, the town's target."""

    def __init__(self, town: Town, config: RigConfig, repo: MergeWorktree):
        self.town, self.config, self.repo = town, config, repo
        self.branch = config.landing_branch
        self.dest = f"origin/{self.branch}"
        self.origin_ref = f"refs/gt/origin/{self.branch}"

    def tip(self) -> str | None:
        return self.repo.resolve(f"refs/heads/{self.config.default_branch}")

    def fetch(self) -> str | None:
        from ...vcs import remote

        return remote.fetch_branch(self.repo.repo, self.config.source, self.branch, self.origin_ref)

    def follow(self) -> bool:
        """Take in commits pushed to the origin that the town lacks (fast-forward only). True when
        the town's target moved. GtError when the origin cannot be read."""
        origin, tip = self.fetch(), self.tip()
        if not origin or not tip or self.repo.is_ancestor(origin, tip) or not self.repo.is_ancestor(tip, origin):
            return False  # nothing new, or diverged (reconciled when pushing)
        return self.repo.advance(self.config.default_branch, origin, tip, f"origin moved: {self.dest} {origin[:10]}")

    def push(self, sha: str) -> Pushed:
        from ...vcs import remote

        checkout = remote.checkout_of(self.config.source, self.branch)
        if checkout and checkout.dirty:
            files = ", ".join(checkout.dirty[:3]) + (", …" if len(checkout.dirty) > 3 else "")
            return remote.Pushed(False, "dirty", f"uncommitted changes in {checkout.worktree} ({files})")
        return remote.push(self.repo.repo, self.config.source, sha, self.branch)

    # -- the ledger's side --------------------------------------------------------------------
    def settle(self, result: Pushed, tip: str) -> Landing:
        """Record a push of the town's target at ``tip``: the rig's state, the MRs it took out (or
        that still wait), and mail to the overseer the first time a kind of trouble shows."""
        waiting = self.town.ledger.read(
            lambda s: read_queue(s, self.config.name, include_closed=True, states=["merged"])
        )
        waiting = [m for m in waiting if m.landing and m.landing.state in ("waiting", "held")]
        if result.ok:
            landing = Landing("pushed", self.dest, tip, at=_stamp())
            done = [m for m in waiting if m.merge_commit and self.repo.is_ancestor(m.merge_commit, tip)]
            self._write(*self._next_state(result, tip), done, landing)
            return landing
        state, tell = self._next_state(result, tip)
        landing = Landing(
            "held" if state.state == "held" else "waiting", self.dest, tip, error=state.error, at=_stamp()
        )
        self._write(state, tell, waiting, landing)
        return landing

    def _next_state(self, result: Pushed, tip: str) -> tuple[RigPush, str | None]:
        """The rig's push state after ``result``, and the line to mail the overseer (None: told already)."""
        before = self.town.ledger.read(lambda s: rig_push(s, self.town, self.config.name))
        if result.ok:
            return RigPush(to=self.dest, pushed=tip or before.pushed), None
        held = result.kind == "dirty"
        line = result.line if held else f"{result.kind}: {result.line}"
        attempts = before.attempts + 1
        first_rejection = result.kind == "rejected" and attempts == 1  # retried at once, after a fetch
        delay = 0.0 if first_rejection else min(BACKOFF[0] * 2 ** (attempts - 1), BACKOFF[1])
        state = RigPush("held" if held else "waiting", self.dest, before.pushed, result.kind, line, attempts,
                        time.time() + delay, result.kind)  # fmt: skip
        return state, None if before.told == result.kind else line

    def _write(
        self, state: RigPush, tell: str | None, mrs: list[MergeRequest] = (), landing: Landing | None = None
    ) -> None:
        rig = self.config.name

        def apply(tx) -> None:
            bead_id = rig_bead_id(self.town, rig)
            if tx.exists(bead_id):
                tx.set_metadata(bead_id, push=state.to_json())
            for mr in mrs:
                note_landing(tx, mr.id, landing)
            if tell:
                _tell_overseer(tx, self.town, rig, state, tell)

        self.town.ledger.write("refinery push", apply, actor=addresses.refinery(rig))

    def note_prs(self, landings: list[Landing]) -> None:
        """The rig's state after pull requests were opened (or not)."""
        from ...vcs import remote

        trouble = next((lg for lg in landings if lg.state != "pr"), None)
        result = remote.Pushed(False, "pr", trouble.error) if trouble else remote.Pushed(True)
        self._write(*self._next_state(result, ""))

    # -- pull-request mode ------------------------------------------------------------------------
    def open_pr(self, mr: MergeRequest, sha: str) -> Landing:
        """Push the MR's branch to the origin and open a pull request for it (``gh pr create``)."""
        from ...vcs import remote

        if problem := forge_problem(self.config):
            return Landing("waiting", self.dest, sha, error=problem, at=_stamp())
        result = remote.push(self.repo.repo, self.config.source, sha, mr.branch)
        if not result.ok:
            return Landing(
                "waiting", self.dest, sha, error=f"push of {mr.branch}: {result.kind}: {result.line}", at=_stamp()
            )
        title = mr.source_title or mr.title
        body = f"{mr.source}: {title}\n\nGated and merged by the Gas Town refinery of rig {mr.rig} (MR {mr.id})."
        argv = ["gh", "pr", "create", "--base", self.branch, "--head", mr.branch, "--title", title, "--body", body]
        try:
            proc = subprocess.run(argv, cwd=self.repo.path, capture_output=True, text=True, timeout=GH_SECONDS,
                                  stdin=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Landing("waiting", self.dest, sha, error=f"gh pr create: {exc}", at=_stamp())
        urls = _URL.findall(proc.stdout + "\n" + proc.stderr)  # "already exists: URL" on a retry
        if urls and (proc.returncode == 0 or "already exists" in proc.stderr):
            return Landing("pr", self.dest, sha, url=remote.redact(urls[-1]), at=_stamp())
        reason = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
        return Landing("waiting", self.dest, sha, error=f"gh pr create: {remote.redact(reason)}", at=_stamp())


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _tell_overseer(tx, town: Town, rig: str, state: RigPush, line: str) -> None:
    from ..mail import send_in

    if state.state == "held":
        subject = f"{rig}: merged work waits for {state.to}"
        body = (f"{line}.\n\nMerged work stays in the town's {state.to.split('/', 1)[1]} and merging goes on; your "
                f"edits are untouched. Commit or stash them, then run: gt rig sync {rig}")  # fmt: skip
    else:
        subject = f"{rig}: push to {state.to} failed ({state.kind})"
        body = (f"{line}\n\nThe merge requests stay merged in the town; the push is retried with back-off "
                f"(or now: gt rig sync {rig}). Nothing is force-pushed.")  # fmt: skip
    to = str(town.raw.get("escalate_to") or addresses.OVERSEER)
    with contextlib.suppress(GtError):  # a push is never held up by mail
        send_in(tx, sender=addresses.refinery(rig), to=to, subject=subject, body=body, priority=1)


def refresh(town: Town, config: RigConfig) -> str:
    """Before a sling: take in the origin's latest commits, so new work branches from what the person
    has now. A warning when the origin cannot be read (offline is not a failure), else ""."""
    from .repo import rig_repo

    try:
        Outbound(town, config, rig_repo(town, config.name)[1]).follow()
    except GtError as exc:
        return f"origin not fetched ({exc.message}); the polecat starts from the town's {config.default_branch}"
    return ""


# -- the refinery's calls (engine.py and batch.py) ---------------------------------------------------


def follow_origin(p: Pass) -> None:
    """At the start of a busy pass: take in what a person pushed, so the batch stacks on it. Offline is
    not an error (the pass merges in the town; the push waits)."""
    with contextlib.suppress(GtError):
        Outbound(p.town, p.config, p.repo).follow()


def before_advance(p: Pass, base: str) -> None:
    """Just before the target moves: raise OriginMoved when the origin gained commits (now taken in)."""
    with contextlib.suppress(GtError):
        if Outbound(p.town, p.config, p.repo).follow():
            raise OriginMoved(base)


def land(p: Pass, mrs: list[MergeRequest], tip: str, commits: Mapping[str, str]) -> dict[str, Landing]:
    """The target just moved to ``tip`` (gated), bringing ``mrs``: send them out. Returns each MR's
    landing, for its MERGED record. ``commits`` are the MRs' own commits (pull-request mode)."""
    out = Outbound(p.town, p.config, p.repo)
    if p.config.merge_strategy == "pr":
        landings = {m.id: out.open_pr(m, commits[m.id]) for m in mrs}
        out.note_prs(list(landings.values()))
        return landings
    landing = out.settle(out.push(tip), tip)
    return dict.fromkeys((m.id for m in mrs), landing)


def catch_up(p: Pass, force: bool = False) -> Landing | None:
    """End of a pass (and ``gt rig sync``): retry what did not get out, when its back-off is over (at
    once with ``force``). Takes the refinery's lease only when there is something to do."""
    from ...vcs import remote

    out = Outbound(p.town, p.config, p.repo)
    state = p.ledger.read(lambda s: rig_push(s, p.town, p.rig))
    tip = out.tip()
    pr = p.config.merge_strategy == "pr"
    behind = bool(not pr and state.pushed and tip and not p.repo.is_ancestor(tip, state.pushed))
    if not tip or (state.state == "ok" and not (behind or force)) or (not force and time.time() < state.retry_at):
        return None
    p.take_lease()
    try:
        if pr:
            return _retry_prs(p, out)
        result = out.push(tip)
        if not result.ok and result.kind == "rejected":
            try:
                if _reconcile(p, out, tip):
                    tip = out.tip() or tip
                    result = out.push(tip)
            except _Diverged as exc:
                result = remote.Pushed(False, "diverged", str(exc))
        return out.settle(result, tip)
    finally:
        p.release_lease()


class _Diverged(Exception):
    pass


def _reconcile(p: Pass, out: Outbound, tip: str) -> bool:
    """The origin and the town both moved: merge the origin's commits into the target, gate, advance.
    True when the target moved. _Diverged when the merge conflicts or its gates fail."""
    origin = out.fetch()
    if not origin or p.repo.is_ancestor(origin, tip):
        return False
    branch = p.config.default_branch
    if p.repo.is_ancestor(tip, origin):
        return p.repo.advance(branch, origin, tip, f"origin moved: {out.dest} {origin[:10]}")
    p.repo.ensure(branch)
    p.repo.reset(tip)
    merged = p.repo.merge(origin, f"Merge {out.dest} into {branch}\n\nCommits pushed to the origin meanwhile.")
    if not merged.ok:
        where = ", ".join(merged.conflicts) or merged.error
        raise _Diverged(f"{out.dest} has commits that conflict with the town's {branch} ({where}); merge by hand")
    for gate in p.config.gates:
        result = run_gate(gate, p.repo.path, p.pidfile)
        if not result.ok:
            raise _Diverged(f"gate {gate.name} fails once {out.dest}'s new commits are merged in; fix it there")
    p.summary.gate_runs += 1
    return p.repo.advance(branch, merged.commit, tip, f"refinery: merge {out.dest}")


def _retry_prs(p: Pass, out: Outbound) -> Landing | None:
    mrs = p.ledger.read(lambda s: read_queue(s, p.rig, include_closed=True, states=["merged"]))
    landings = []
    for mr in mrs:
        if mr.landing and mr.landing.state == "waiting":
            landing = out.open_pr(mr, mr.landing.commit or mr.commit_sha)
            p.write("refinery push", lambda tx, m=mr, lg=landing: note_landing(tx, m.id, lg))
            landings.append(landing)
    out.note_prs(landings)
    return landings[-1] if landings else None
