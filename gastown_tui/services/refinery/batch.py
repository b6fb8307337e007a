"""One batch of a refinery pass: stack it on the target, gate it once, bisect it when red.

``settle`` is the search (Bors style), free of git and the ledger. It stacks a batch on the
target and gates it once. Red: binary search for the longest green prefix of the stack. Each
green prefix tested is merged at once (it passed the gates, so the target may move there); the
MR right after the longest green prefix is the culprit; what followed it is stacked and gated
again as one (it was only ever tested on top of the culprit). With one bad MR among n this costs
at most 2 + log2(n) gate runs instead of n for a one-at-a-time queue; each further culprit costs
about 1 + log2(n) more. ``BatchRun`` drives it with git (one merge commit per MR in the
refinery's worktree), the rig's gates and the ledger.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from ... import addresses
from ...errors import InvalidInput
from ...fieldlines import with_fields
from ...ledger import fields
from . import push, verdicts
from .gates import run_gate
from .queue import set_state
from .records import Failure, GateRun, MergeRequest
from .repo import commit_of

if TYPE_CHECKING:
    from ...vcs.merge import MergeOutcome
    from .engine import Pass

CRASH_ENV = "GT_REFINERY_CRASH_AT"

T = TypeVar("T")

Test = Callable[[list[T]], tuple[bool, list[T]]]


def settle(items: Sequence[T], test: Test, accept: Callable[[list[T]], None], reject: Callable[[T], None]) -> None:
    """Merge as many of ``items`` as the gates allow, in order; convict the ones that break them.

    ``test(items)`` stacks ``items`` on the current target and gates the stack once, returning
    ``(green, kept)``: ``kept`` are the items that stacked (one that conflicts is dropped — the
    caller deals with it — and the gates judge the rest). ``accept(kept)`` is called right after a
    green test: the target moves to that stack. ``reject(item)`` convicts one item. Every item ends
    up accepted, rejected, or dropped by ``test``. Assumes gates are deterministic.
    """
    pending = list(items)
    while pending:
        green, stack = test(pending)
        if not stack:
            return
        if green:
            accept(stack)
            return
        pending = _bisect(stack, test, accept, reject)


def _bisect(stack: list[T], test: Test, accept, reject) -> list[T]:
    """``stack`` is red on the current target: merge its longest green prefix, convict the item
    after it, and return what follows (untested: it sat on top of the culprit)."""
    lo, hi = 0, len(stack)  # invariant: stack[:lo] is merged; stack[lo:hi] on the target is red
    while hi - lo > 1:
        mid = (lo + hi) // 2
        part = stack[lo:mid]
        green, kept = test(part)
        if kept != part:  # a conflict dropped something, so the red verdict above no longer holds
            if green and kept:
                accept(kept)
            return ([] if green else kept) + stack[mid:]
        if green:
            accept(part)
            lo = mid
        else:
            hi = mid
    reject(stack[lo])
    return stack[hi:]


# -- one batch of a pass: claim it, stack it, gate it, settle it ---------------------------------


class TargetMoved(Exception):
    """Someone else moved the target branch while a batch was being tested."""


def crash_point(step: str) -> None:
    """Test hook (Gas Town keeps similar GT_TEST_* hooks): die here as kill -9 would."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class _Tested:
    tip: str
    merges: dict[str, str]  # MR id → its merge commit in the stack
    run: GateRun


@dataclass
class BatchRun:
    """One batch of MRs (same target) through ``settle``: ``test``, ``accept`` and ``convict`` are its
    three callbacks. The pass (``engine``) gives it the rig, the worktree, the lease and its summary."""

    pass_: Pass
    batch: list[MergeRequest]
    target: str = ""
    base: str = ""
    tested: _Tested | None = None
    shas: dict[str, str] = field(default_factory=dict)  # MR id → the commit being merged
    last_run: dict[str, GateRun] = field(default_factory=dict)
    # (commit, MR id) → the merge commit made by merging that MR onto that commit
    merged_onto: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.repo = self.pass_.repo
        self.summary = self.pass_.summary
        self.write = self.pass_.write

    def run(self) -> bool:
        """Resolve, claim, and settle the batch; False when the pass should stop (target moved)."""
        from ...vcs.merge import check_branch

        self.summary.batches += 1
        self.target = self.pass_.target_of(self.batch[0])
        try:
            tip = self.pass_.tip(check_branch(self.target))
        except InvalidInput:
            tip = None
        items, already = [], []
        for mr in self.batch:
            try:
                sha = self.shas[mr.id] = commit_of(self.repo, mr) or ""
            except InvalidInput:
                sha = self.shas[mr.id] = ""
            if not tip:
                self.fail(mr, "other", f"target branch {self.target!r} is not in the rig's repository")
            elif not sha:
                self.fail(mr, "other", f"commit of branch {mr.branch!r} is not in the rig's repository")
            elif self.repo.is_ancestor(sha, tip):
                already.append(mr)
            else:
                items.append(mr)
        if already:
            merges = {m.id: self.repo.merge_commit_of(self.shas[m.id], tip) or self.shas[m.id] for m in already}
            self.write("refinery merged", lambda tx: self.pass_.record_merged(tx, already, merges, {}))
        if not items:
            return True
        self.base = tip or ""
        batch_id = f"{self.pass_.holder.rsplit(':', 1)[-1]}-{self.summary.batches}"
        stats = {m.id: self.repo.diffstat(self.base, self.shas[m.id]) for m in items}
        self.write("refinery claim", lambda tx: self._claim(tx, items, batch_id, stats))
        crash_point("claimed")
        try:
            settle(items, self.test, self.accept, self.convict)
        except TargetMoved:
            self.write("refinery requeue", lambda tx: self.pass_.requeue(tx, items))
            return False
        except push.OriginMoved:  # issue 12: the next batch stacks them again on the origin's new head
            self.write("refinery requeue", lambda tx: self.pass_.requeue(tx, items))
        return True

    def _claim(self, tx, items: list[MergeRequest], batch_id: str, stats: dict[str, dict[str, int]]) -> None:
        for mr in items:
            desc = with_fields(tx.get(mr.id)["description"] or "", commit_sha=self.shas[mr.id])
            tx.set_metadata(mr.id, batch=batch_id, diffstat=stats[mr.id])
            set_state(tx, mr.id, "testing", description=desc, assignee=addresses.refinery(self.pass_.rig))

    # -- the three callbacks of settle ----------------------------------------------------------
    def test(self, items: list[MergeRequest]) -> tuple[bool, list[MergeRequest]]:
        self.pass_.take_lease(self.pass_.gate_budget)
        kept, merges = [], {}
        tip, checked_out = self.base, ""
        for mr in items:
            known = self.merged_onto.get((tip, mr.id))
            if known:  # bisecting re-tests prefixes of a stack already built: reuse its merge commits
                tip = merges[mr.id] = known
                kept.append(mr)
                continue
            if checked_out != tip:
                self.repo.reset(tip)
                checked_out = tip
            outcome = self.repo.merge(self.shas[mr.id], f"Merge {mr.id}: {mr.branch}\n\nsource_issue: {mr.source}")
            if outcome.ok:
                self.merged_onto[(tip, mr.id)] = outcome.commit
                tip = checked_out = merges[mr.id] = outcome.commit
                kept.append(mr)
            else:
                self.rework(mr, outcome)
        if not kept:
            return True, []
        if checked_out != tip:
            self.repo.reset(tip)
        crash_point("stacked")
        results = []
        for gate in self.pass_.config.gates:
            results.append(run_gate(gate, self.repo.path, self.pass_.pidfile))
            if not results[-1].ok:
                break
        self.summary.gate_runs += 1
        green = all(r.ok for r in results)
        run = GateRun(commit=tip, ok=green, stack=tuple(m.id for m in kept), at=fields.now(), results=tuple(results))
        self.write("refinery gates", lambda tx: self._record_run(tx, kept, run, merges))
        self.tested = _Tested(tip, merges, run)
        for mr in kept:
            self.last_run[mr.id] = run
        return green, kept

    def _record_run(self, tx, kept: list[MergeRequest], run: GateRun, merges: dict[str, str]) -> None:
        for mr in kept:
            tx.set_metadata(mr.id, gates=dataclasses.replace(run, merge_commit=merges[mr.id]).to_json())

    def accept(self, kept: list[MergeRequest]) -> None:
        assert self.tested is not None
        tested = self.tested
        self.pass_.take_lease()
        names = ", ".join(m.id for m in kept)
        push.before_advance(self.pass_, self.base)  # issue 12: origin moved → OriginMoved, batch rebuilt
        if not self.repo.advance(self.target, tested.tip, self.base, f"refinery: merge {names}"):
            raise TargetMoved
        crash_point("advanced")
        self.base = tested.tip
        landed = push.land(self.pass_, kept, tested.tip, self.shas)  # issue 12: the gated commit leaves the town
        runs = {m.id: tested.run for m in kept}
        self.write("refinery merged", lambda tx: self.pass_.record_merged(tx, kept, tested.merges, runs, landed))
        crash_point("recorded")

    def convict(self, mr: MergeRequest) -> None:
        run = self.last_run.get(mr.id)
        failing = run.first_failure if run else None
        if failing:
            why = "timed out" if failing.timed_out else f"exit {failing.exit_code}"
            error = f"gate {failing.name} failed ({why}) with this MR on the current target"
            self.fail(mr, "tests", error, failing.output, failing.name)
        else:
            self.fail(mr, "tests", "gates failed")

    def fail(self, mr: MergeRequest, failure_type: str, error: str, output: str = "", gate: str = "") -> None:
        def apply(tx) -> None:
            verdicts.record_failed(tx, mr, Failure(failure_type, error, tx.stamp, gate=gate, output=output))

        self.write("refinery failed", apply)
        self.summary.failed.append(mr.id)

    def rework(self, mr: MergeRequest, outcome: MergeOutcome) -> None:
        files = list(outcome.conflicts)
        rig, target = self.pass_.rig, self.target
        self.write("refinery rework", lambda tx: verdicts.record_rework(tx, mr, rig, target, files, outcome.error))
        self.summary.rework.append(mr.id)
