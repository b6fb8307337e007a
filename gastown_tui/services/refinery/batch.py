"""One batch of a refinery pass: pre-check it, claim it, and let ``search.settle`` gate its stacks.

Before an MR enters a batch it is merged, in the bare repo (``MergeWorktree.stack``: no worktree
touched, no gate run), onto the stack of the MRs before it on the batch's base; if that conflicts,
onto the base alone: one that conflicts with the base goes straight to REWORK_REQUEST, one that
only conflicts with an MR ahead of it waits for the next batch. Every stack the search asks for is built from cached merge
commits (the same MRs on the same base are always the same commit), checked out in one worktree
per gate slot, and gated there, up to ``gate_parallelism`` stacks at once. The target moves only
in ``move_target``, to a stack whose gates passed (compare-and-swap ``update-ref``).
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ... import addresses
from ...errors import InvalidInput
from ...fieldlines import with_fields
from ...ledger import fields
from . import push, verdicts
from .gates import gate_commit
from .queue import set_state
from .records import Failure, GateRun, MergeRequest
from .repo import commit_of
from .search import settle
from .trace import KEEP_RUNS, Bisection, RunNote, StackState

if TYPE_CHECKING:
    from ...vcs.merge import MergeOutcome
    from .engine import Pass

CRASH_ENV = "GT_REFINERY_CRASH_AT"

Stack = tuple[str, ...]


class TargetMoved(Exception):
    """Someone else moved the target branch while a batch was being tested."""


def crash_point(step: str) -> None:
    """Test hook (Gas Town keeps similar GT_TEST_* hooks): die here as kill -9 would."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class BatchRun:
    """One batch of MRs (same target) through ``settle``: ``test``, ``accept``, ``convict`` and
    ``flaky`` are its callbacks. The pass (``engine``) gives it the rig, the worktrees, the lease
    and its summary; ``left_out`` are the ready MRs it did not take (their starvation count grows)."""

    pass_: Pass
    batch: list[MergeRequest]
    left_out: list[MergeRequest] = field(default_factory=list)
    target: str = ""
    base: str = ""  # the target when the batch was claimed: every stack is built on it
    batch_id: str = ""
    mrs: dict[str, MergeRequest] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)  # MR id → the commit being merged
    landed: list[str] = field(default_factory=list)
    # (commit, MR id) → the merge commit made by merging that MR onto that commit
    merged_onto: dict[tuple[str, str], str] = field(default_factory=dict)
    runs: dict[Stack, GateRun] = field(default_factory=dict)  # each stack's green run
    reds: dict[Stack, GateRun] = field(default_factory=dict)  # each stack's latest red run
    rounds: int = 0
    notes: dict[str, list] = field(default_factory=dict)  # MR id → its gate runs as noted in the ledger

    def __post_init__(self) -> None:
        self.repo = self.pass_.repo
        self.summary = self.pass_.summary
        self.write = self.pass_.write
        self.config = self.pass_.config

    def run(self) -> bool:
        """Resolve, pre-check, claim, and settle the batch; False when the pass should stop (target moved)."""
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
        self.base = tip or ""
        items = self.precheck(items)
        if not items:
            return True
        self.mrs = {m.id: m for m in items}
        self.notes = {m.id: [n.to_json() for n in m.runs] for m in items}
        self.batch_id = f"{self.pass_.holder.rsplit(':', 1)[-1]}-{self.summary.batches}"
        # a three-dot diff stat does not change as the target moves on: measured once per submission
        stats = {m.id: m.diffstat.to_json() if m.diffstat else self.repo.diffstat(self.base, self.shas[m.id])
                 for m in items}  # fmt: skip
        self.write("refinery claim", lambda tx: self._claim(tx, items, stats))
        crash_point("claimed")
        try:
            settle(list(self.mrs), self.test, self.accept, self.convict, width=self.config.gate_width,
                   retries=self.config.gate_retries, flaky=self.flaky)  # fmt: skip
        except TargetMoved:
            self.write("refinery requeue", lambda tx: self.pass_.requeue(tx, items))
            return False
        except push.OriginMoved:  # the next batch stacks them again on the origin's new head
            self.write("refinery requeue", lambda tx: self.pass_.requeue(tx, items))
        return True

    def precheck(self, items: list[MergeRequest]) -> list[MergeRequest]:
        """The conflict pre-check: rework for an MR that conflicts with the base, the next batch for one
        that only conflicts with an MR ahead of it; the rest, stacked (their merge commits cached)."""
        kept, tip = [], self.base
        for mr in items:
            onto = self.merge(tip, mr)
            if onto.ok:
                kept.append(mr)
                tip = onto.commit
                continue
            alone = self.merge(self.base, mr) if tip != self.base else onto
            if alone.ok:
                self.left_out.append(mr)
            else:
                self.rework(mr, alone)
        return kept

    def merge(self, onto: str, mr: MergeRequest) -> MergeOutcome:
        from ...vcs.merge import MergeOutcome

        known = self.merged_onto.get((onto, mr.id))
        if known:
            return MergeOutcome(True, known)
        outcome = self.repo.stack(onto, self.shas[mr.id], f"Merge {mr.id}: {mr.branch}\n\nsource_issue: {mr.source}")
        if outcome.ok:
            self.merged_onto[(onto, mr.id)] = outcome.commit
        return outcome

    def _claim(self, tx, items: list[MergeRequest], stats: dict[str, dict[str, int]]) -> None:
        order = Bisection(self.batch_id, tuple(m.id for m in items), 0).to_json()
        for mr in items:
            desc = with_fields(tx.get(mr.id)["description"] or "", commit_sha=self.shas[mr.id])
            tx.set_metadata(mr.id, batch=self.batch_id, diffstat=stats[mr.id], bisect=order, waited=None)
            set_state(tx, mr.id, "testing", description=desc, assignee=addresses.refinery(self.pass_.rig))
        for mr in self.left_out:
            tx.set_metadata(mr.id, waited=mr.waited + 1)

    def commits(self, stack: Stack) -> dict[str, str]:
        """MR id → its merge commit in ``stack`` (built on the base); {} when one no longer stacks."""
        tip, out = self.base, {}
        for mr_id in stack:
            outcome = self.merge(tip, self.mrs[mr_id])
            if not outcome.ok:
                return {}
            tip = out[mr_id] = outcome.commit
        return out

    def tip_of(self, stack: Stack) -> str:
        return self.commits(stack)[stack[-1]] if stack else self.base

    # -- the callbacks of settle ----------------------------------------------------------------
    def test(self, stacks: list[Stack]) -> tuple[list[bool], set[str]]:
        """Gate ``stacks`` at once, one worktree each. An MR that no longer stacks (its conflict only
        showed once an MR ahead of it was convicted) leaves the batch for the next one."""
        self.pass_.take_lease(self.pass_.gate_budget)
        built = {stack: self.commits(stack) for stack in stacks}
        for stack in stacks:
            if not built[stack]:
                first = next(m for i, m in enumerate(stack) if not self.commits(stack[: i + 1]))
                self.write("refinery requeue", lambda tx, m=first: self.pass_.requeue(tx, [self.mrs[m]]))
                return [], {first}
        crash_point("stacked")
        self.rounds += 1
        tips = [built[s][s[-1]] for s in stacks]
        slots = self.pass_.slots[: len(stacks)]
        with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
            running = pool.map(lambda job: gate_commit(self.config.gates, *job), zip(slots, tips, strict=True))
            self.note_round(stacks, tips, ["running"] * len(stacks))  # written while the gates run
            results = list(running)
        self.summary.gate_runs += len(stacks)
        runs = []
        for stack, tip, found in zip(stacks, tips, results, strict=True):
            run = GateRun(commit=tip, ok=all(r.ok for r in found), stack=stack, at=fields.now(), results=tuple(found))
            retry = stack in self.reds
            flaky = run.ok and retry
            (self.runs if run.ok else self.reds)[stack] = run
            runs.append((stack, run, flaky, retry))
            self.summary.gate_log.append({"commit": tip, "stack": list(stack), "ok": run.ok, "flaky": flaky})
        self._record_runs(runs)
        return [run.ok for _, run, _, _ in runs], set()

    def round_note(self, stacks: list[Stack], tips: list[str], states: list[str]) -> dict[str, object]:
        """The live search, as noted on every MR of the batch: this round's stacks and their states."""
        live = tuple(StackState(s, t, st) for s, t, st in zip(stacks, tips, states, strict=True))
        return Bisection(self.batch_id, tuple(self.mrs), self.rounds, live).to_json()

    def note_round(self, stacks: list[Stack], tips: list[str], states: list[str]) -> None:
        note = self.round_note(stacks, tips, states)
        self.write("refinery round", lambda tx: [tx.set_metadata(m, bisect=note) for m in self.mrs])

    def _record_runs(self, runs: list[tuple[Stack, GateRun, bool, bool]]) -> None:
        """One write per MR of the batch: the round's outcome and, on those it tested, the runs."""
        states = ["flaky" if flaky else ("green" if run.ok else "red") for _, run, flaky, _ in runs]
        note = self.round_note([r[0] for r in runs], [r[1].commit for r in runs], states)
        updates: dict[str, dict[str, object]] = {m: {"bisect": note} for m in self.mrs}
        for mr_id, update in updates.items():
            mine = [r for r in runs if mr_id in r[0]]
            if not mine:
                continue
            notes = [
                RunNote(run.commit, run.ok, stack, run.at, flaky, retry, getattr(run.first_failure, "name", ""),
                        round(sum(r.seconds for r in run.results), 3)).to_json()
                for stack, run, flaky, retry in mine
            ]  # fmt: skip
            stack, run, _, _ = min(mine, key=lambda r: len(r[0]))  # the most telling: the fewest MRs
            update["gates"] = run.to_json() | {"merge_commit": self.commits(stack)[mr_id]}
            update["gate_runs"] = (self.notes[mr_id] + notes)[-KEEP_RUNS:]
        self.write("refinery gates", lambda tx: [tx.set_metadata(m, **u) for m, u in updates.items()])
        for mr_id, update in updates.items():
            self.notes[mr_id] = update.get("gate_runs", self.notes[mr_id])

    def accept(self, extension: list[str]) -> None:
        stack = (*self.landed, *extension)
        run = self.runs[stack]
        tip = self.tip_of(stack)
        self.move_target(tip, extension)
        crash_point("advanced")
        self.landed = list(stack)
        merges = self.commits(stack)
        kept = [self.mrs[m] for m in extension]
        runs = {m: run for m in extension}
        landings = push.land(self.pass_, kept, tip, self.shas)  # the gated commit leaves the town
        self.write("refinery merged", lambda tx: self.pass_.record_merged(tx, kept, merges, runs, landings))
        crash_point("recorded")

    def move_target(self, commit: str, extension: list[str]) -> None:
        """THE one place the target branch moves: from what landed so far to ``commit``, a stack whose
        gates passed (compare-and-swap); TargetMoved when someone else moved it meanwhile."""
        self.pass_.take_lease()
        old = self.tip_of(tuple(self.landed))
        push.before_advance(self.pass_, old)  # the origin moved: OriginMoved, the batch stacks on it next
        if not self.repo.advance(self.target, commit, old, f"refinery: merge {', '.join(extension)}"):
            raise TargetMoved

    def convict(self, mr_id: str) -> None:
        mr = self.mrs[mr_id]
        run = self.reds.get((*self.landed, mr_id))
        failing = run.first_failure if run else None
        if failing:
            why = "timed out" if failing.timed_out else f"exit {failing.exit_code}"
            error = f"gate {failing.name} failed ({why}) with this MR on the current target"
            self.fail(mr, "tests", error, failing.output, failing.name)
        else:
            self.fail(mr, "tests", "gates failed")

    def flaky(self, stack: Stack) -> None:
        """A red commit passed when gated again: say so on its MRs; nobody is convicted for it."""
        run = self.reds[stack]
        gate = getattr(run.first_failure, "name", "gates")
        note = f"flaky gate: {gate} failed on {run.commit[:10]}, then passed on the same commit"
        self.summary.flaky.append(run.commit)
        self.write("refinery flaky", lambda tx: [tx.add_comment(m, note) for m in stack])

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
