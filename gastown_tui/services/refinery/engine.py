"""The refinery's pass over one rig: recover, pick a batch, pre-check it, gate it, settle it.

It stacks a batch of MRs on the target with one merge commit each (see ``vcs/merge.py`` for why
merges), gates the stack and its prefixes in gate worktrees (``TOWN/RIG/refinery`` and
``TOWN/RIG/.refinery-gates/N``, ``gate_parallelism`` at once), and moves the target branch of the
bare repo only to a commit whose gates passed (compare-and-swap ``update-ref``). A red batch is
searched (``search.settle``): the good MRs merge, each culprit gets MERGE_FAILED; an MR that
conflicts with the target gets REWORK_REQUEST without a gate run (``batch.BatchRun.precheck``).
An MR left out of more than ``starvation_passes`` batches goes to the front regardless of score.

Crash safety: a merged MR is one whose commit is an ancestor of the target, a git fact. On
start, a pass finishes the ledger record of every ``testing`` MR whose commit is already on the
target and returns the others to ``approved``; so whatever step it was killed at, no MR is lost
and none is merged twice. A lease (``refinery:RIG``) keeps it to one refinery per rig; a lease
left by a dead process on this host is taken over.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import Conflict, GtError
from ...ledger import fields
from ...ledger.leases import holder_id
from . import push, verdicts
from .batch import BatchRun
from .gates import PIDFILE, kill_orphan_gate
from .queue import get, read_queue, set_state
from .records import GateRun, Landing, MergeRequest
from .repo import gate_worktree, measure, rig_repo
from .score import creation_order

if TYPE_CHECKING:
    from ...config import RigConfig
    from ...town import Town
    from ...vcs.merge import MergeWorktree

LEASE_SECONDS = 120.0


def run_once(town: Town, rig: str, *, holder: str | None = None) -> dict[str, object]:
    """One refinery pass over a rig: recover, then batch every ready MR. Returns ``PassSummary.to_json``.

    Raises Conflict when another live refinery holds the rig's lease.
    """
    fields.check_name(rig, "rig name")
    config, repo = rig_repo(town, rig)
    return Pass(town, config, repo, holder or holder_id("refinery")).run().to_json()


def run_forever(town: Town, rig: str, interval: float = 15.0, on_pass=None, stop=None) -> None:
    """``gt refinery run RIG``: a pass every ``interval`` seconds until ``stop`` (a threading.Event) is set."""
    import threading

    stop = stop or threading.Event()
    holder = holder_id("refinery")
    while not stop.is_set():
        try:
            summary = run_once(town, rig, holder=holder)
        except GtError as exc:  # another refinery holds the rig, the ledger is down…: report, try again later
            summary = {"rig": rig, "error": str(exc)}
        if on_pass:
            on_pass(summary)
        stop.wait(interval)


@dataclass
class PassSummary:
    """What one pass did: where the target was before and after, and the MRs it settled."""

    rig: str
    target: str
    before: str = ""
    after: str = ""
    batches: int = 0
    gate_runs: int = 0
    merged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rework: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)  # commits red once, then green on a re-run
    gate_log: list[dict[str, object]] = field(default_factory=list)  # every gate run: commit, stack, ok, flaky
    waiting: int = 0  # pending MRs awaiting approval (merge_policy approve)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {k: list(v) if isinstance(v, list) else v for k, v in vars(self).items()}


@dataclass
class Pass:
    town: Town
    config: RigConfig
    repo: MergeWorktree
    holder: str
    slots: list[MergeWorktree] = field(default_factory=list)
    lease_until: float = 0.0  # monotonic time our lease runs to (0: not held)

    def __post_init__(self) -> None:
        self.ledger = self.town.ledger
        self.rig = self.config.name
        self.lease = f"refinery:{self.rig}"
        self.gate_budget = LEASE_SECONDS + sum(g.timeout for g in self.config.gates)
        self.summary = PassSummary(rig=self.rig, target=self.config.default_branch)

    def run(self) -> PassSummary:
        started = time.monotonic()
        queue = self.ledger.read(lambda s: read_queue(s, self.rig))
        if self._has_work(queue):
            self.take_lease()
            try:
                self.open_slots()
                self.summary.before = self.tip(self.config.default_branch) or ""
                self.recover()
                push.follow_origin(self)  # stack on what a person pushed meanwhile
                while (picked := self.next_batch()) and BatchRun(self, *picked).run():
                    pass
            finally:
                self.release_lease()
            queue = self.ledger.read(lambda s: read_queue(s, self.rig))  # as the batches left it
        tip = self.tip(self.config.default_branch)
        if push.catch_up(self, tip=tip) is not None:  # a failed push retried once its back-off is over
            tip = self.tip(self.config.default_branch)  # taking the origin's commits in may move it
        self.summary.after = tip or ""
        self.summary.before = self.summary.before or self.summary.after
        if self.config.merge_policy == "approve":
            self.summary.waiting = sum(1 for m in queue if m.state == "pending")
        self.summary.seconds = round(time.monotonic() - started, 3)
        return self.summary

    def open_slots(self) -> None:
        """The gate worktrees, made when missing; an orphaned gate in any of them is stopped first."""
        self.slots = [self.repo] + [gate_worktree(self.repo, i) for i in range(1, self.config.gate_width)]
        for slot in self.slots:
            slot.ensure(self.config.default_branch)
            kill_orphan_gate(slot.admin_dir / PIDFILE, slot.path)

    def tip(self, branch: str) -> str | None:
        return self.repo.resolve(f"refs/heads/{branch}")

    def target_of(self, mr: MergeRequest) -> str:
        return mr.target(self.config.default_branch)

    def _has_work(self, queue: list[MergeRequest]) -> bool:
        """Anything to test, recover or describe? An idle pass takes no lease and writes nothing."""
        auto = self.config.merge_policy == "auto"
        for mr in queue:
            if mr.state in ("testing", "approved") or (auto and mr.state == "pending"):
                return True
            if mr.state == "pending" and mr.diffstat is None:
                return True
        return False

    def write(self, verb: str, fn):
        return self.ledger.write(verb, fn, actor=addresses.refinery(self.rig))

    # -- the lease: the ledger's, taken as the daemon and the witness take theirs --------------
    def take_lease(self, seconds: float = LEASE_SECONDS) -> None:
        """Take or renew ``refinery:RIG`` for ``seconds``; Conflict when another live refinery holds it.
        Not written again while the lease we hold still runs that long, but for half a LEASE_SECONDS."""
        now = time.monotonic()
        if self.lease_until - now >= seconds - LEASE_SECONDS / 2:
            return

        def take(tx):
            return None if tx.take_lease(self.lease, self.holder, seconds) else tx.lease_holder(self.lease)

        other = self.ledger.write("refinery lease", take)
        if other:
            raise Conflict(
                f"another refinery runs this rig ({other['holder']}, lease until {other['expires_at']})",
                "let it finish; a refinery that died on this host is taken over at once, on another when its lease expires",
            )
        self.lease_until = now + seconds

    def release_lease(self) -> None:
        self.lease_until = 0.0
        with contextlib.suppress(GtError):
            self.ledger.write("refinery lease", lambda tx: tx.release_lease(self.lease, self.holder))

    # -- picking work ----------------------------------------------------------------------
    def next_batch(self) -> tuple[list[MergeRequest], list[MergeRequest]] | None:
        """The next batch (same target, starved MRs first, then queue order) and the ready MRs it leaves out."""

        def read(s) -> tuple[list[MergeRequest], dict[str, int]]:
            mrs = read_queue(s, self.rig)
            return mrs, creation_order(s, [m.id for m in mrs])

        mrs, created = self.ledger.read(read)
        newest: dict[str, MergeRequest] = {}
        for mr in sorted(mrs, key=lambda m: created.get(m.id, 0)):
            if mr.source:
                newest[mr.source] = mr
        stale = [m for m in mrs if m.source and newest[m.source].id != m.id and m.state != "testing"]
        if stale:
            self.write("refinery supersede", lambda tx: self._supersede(tx, stale, newest))
        stale_ids = {m.id for m in stale}
        live = [m for m in mrs if m.id not in stale_ids]
        self._note_diffstats(live)
        auto = self.config.merge_policy == "auto"
        ready = [m for m in live if m.state == "approved" or (auto and m.state == "pending")]
        if not ready:
            return None
        ready.sort(key=lambda m: m.waited <= self.config.starvation_passes)  # stable: queue order otherwise
        target = self.target_of(ready[0])
        same = [m for m in ready if self.target_of(m) == target]
        return same[: self.config.batch_size], same[self.config.batch_size :]

    def _note_diffstats(self, mrs: list[MergeRequest]) -> None:
        """Record the diff stat of MRs that lack one, so the queue shows it before approval."""
        tips: dict[str, str | None] = {}
        stats = {}
        for mr in mrs:
            if mr.state in ("pending", "approved") and mr.diffstat is None:
                target = self.target_of(mr)
                if target not in tips:
                    tips[target] = self.tip(target)
                stat = measure(self.repo, mr, tips[target])
                if stat:
                    stats[mr.id] = stat.to_json()
        if stats:
            self.write("refinery diffstat", lambda tx: [tx.set_metadata(i, diffstat=st) for i, st in stats.items()])

    def _supersede(self, tx, stale: list[MergeRequest], newest: dict[str, MergeRequest]) -> None:
        for mr in stale:
            set_state(tx, mr.id, "superseded", close_reason=f"superseded by {newest[mr.source].id}")
            self.summary.superseded.append(mr.id)

    def requeue(self, tx, items: list[MergeRequest]) -> None:
        for mr in items:
            if get(tx, mr.id).state == "testing":
                set_state(tx, mr.id, "approved", assignee=None)

    def record_merged(
        self,
        tx,
        mrs: list[MergeRequest],
        merges: dict[str, str],
        runs: dict[str, GateRun],
        landed: dict[str, Landing] | None = None,
    ) -> None:
        for mr in mrs:
            landing = (landed or {}).get(mr.id)  # where it went (push.land)
            if verdicts.record_merged(tx, mr, self.rig, self.target_of(mr), merges[mr.id], runs.get(mr.id), landing):
                self.summary.merged.append(mr.id)

    # -- resuming after a crash ----------------------------------------------------------------
    def recover(self) -> None:
        """MRs a dead refinery left ``testing``: record the ones git shows merged, requeue the rest."""
        testing = [m for m in self.ledger.read(lambda s: read_queue(s, self.rig)) if m.state == "testing"]
        if not testing:
            return
        done, merges, runs = [], {}, {}
        for mr in testing:
            tip = self.tip(self.target_of(mr))
            sha = mr.commit_sha
            if tip and sha and self.repo.resolve(sha) and self.repo.is_ancestor(sha, tip):
                run = mr.gate_run
                recorded = (run.merge_commit if run else "") or ""
                on_target = recorded and self.repo.resolve(recorded) and self.repo.is_ancestor(recorded, tip)
                merges[mr.id] = recorded if on_target else (self.repo.merge_commit_of(sha, tip) or sha)
                if on_target and run:
                    runs[mr.id] = run
                done.append(mr)
        back = [m for m in testing if m not in done]
        if done:
            self.write("refinery recover", lambda tx: self.record_merged(tx, done, merges, runs))
        if back:
            self.write("refinery recover", lambda tx: self.requeue(tx, back))
        self.summary.recovered = [m.id for m in testing]
