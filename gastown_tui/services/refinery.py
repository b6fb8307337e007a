"""The refinery: each rig's merge queue, Bors style — batch, gate once, bisect when red.

Merge-request beads come from ``gt done`` (label ``gt:merge-request``; description
fields branch, target, source_issue, rig, commit_sha, worker, agent_bead). The
refinery works in its own worktree (``TOWN/RIG/refinery``), stacks a batch of MRs
on the target with one merge commit each (see ``vcs/merge.py`` for why merges),
runs the rig's gates once on the stack, and moves the target branch of the bare
repo only to a commit whose gates passed (compare-and-swap ``update-ref``). A red
batch is bisected (``mergequeue.settle``): the good MRs merge, each culprit gets
MERGE_FAILED; an MR that conflicts while stacking gets REWORK_REQUEST.

Queue state lives in the ledger, one ``mr:STATE`` label per MR bead (no label =
pending)::

    pending   open         waits for ``gt mq approve`` (merge_policy approve); the
                           refinery takes it directly under merge_policy auto
    approved  open         ready for the next batch
    testing   in_progress  in a batch (assignee RIG/refinery)
    merged    closed       on the target; MERGED mail to RIG/witness; source bead closed
    failed    open         its gates failed; MERGE_FAILED to the polecat; ``gt mq retry``
    rework    open         conflicted; REWORK_REQUEST to the polecat; ``gt mq retry``
    rejected  closed       ``gt mq reject`` (reason in close_reason)
    reworking open         failed, rework or rejected, and sent back to its polecat by the
                           witness (see ``rework.py``); its next ``gt done`` makes it pending
    superseded closed      a newer MR for the same source bead replaced it

Gate results ride in the MR's metadata (``gates``: the run that decided it, with each
gate's exit code, time and output tail) and as a ``gates: NAME:pass …`` description
field; ``diffstat``, ``conflict_files``, ``failure``, ``approved_by`` sit beside them.

Crash safety: a merged MR is one whose commit is an ancestor of the target, a git fact.
On start, a refinery finishes the ledger record of every ``testing`` MR whose commit is
already on the target and returns the others to ``approved``; so whatever step it was
killed at, no MR is lost and none is merged twice. A lease (``refinery:RIG``) keeps it
to one refinery per rig; a lease left by a dead process on this host is taken over.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import addresses
from ..errors import Conflict, GtError, InvalidInput, NotFound
from ..fieldlines import body_after_fields, parse_fields, with_fields
from ..ledger import fields
from ..ledger.leases import holder_id
from ..ledger.ledger import default_actor, load_metadata
from . import mergequeue
from .rework import ESCALATED_LABEL

if TYPE_CHECKING:
    from ..config import Gate, RigConfig
    from ..town import Town
    from ..vcs.merge import MergeOutcome, MergeWorktree

LABEL = "gt:merge-request"
STATE_PREFIX = "mr:"
STATUS_OF = {
    "pending": "open",
    "approved": "open",
    "testing": "in_progress",
    "merged": "closed",
    "failed": "open",
    "rework": "open",
    "rejected": "closed",
    "superseded": "closed",
    "reworking": "open",
}
LEASE_SECONDS = 120.0
OUTPUT_KEEP_FAILED = 3000  # characters of a failing gate's output kept (its tail)
OUTPUT_KEEP_PASSED = 300
PIDFILE = "gt-gate.pid"
CRASH_ENV = "GT_REFINERY_CRASH_AT"


# -- merge requests as the refinery sees them -------------------------------------------


@dataclass
class MergeRequest:
    id: str
    title: str
    status: str
    priority: int
    created_at: str
    state: str
    fields: dict[str, str]
    metadata: dict[str, Any]
    description: str
    sha: str = ""
    score: float = 0.0

    @classmethod
    def from_bead(cls, bead: dict[str, Any], labels: list[str]) -> MergeRequest:
        marks = [label[len(STATE_PREFIX) :] for label in labels if label.startswith(STATE_PREFIX)]
        state = next((m for m in marks if m in STATUS_OF), "")
        if not state and bead["status"] == "closed":
            reason = (bead.get("close_reason") or "").split(":")[0]
            state = reason if STATUS_OF.get(reason) == "closed" else "closed"
        return cls(
            id=bead["id"],
            title=bead["title"],
            status=bead["status"],
            priority=int(bead["priority"] or 0),
            created_at=bead["created_at"] or "",
            state=state or "pending",
            fields=parse_fields(bead.get("description") or ""),
            metadata=load_metadata(bead),
            description=bead.get("description") or "",
        )

    def get(self, key: str) -> str:
        return self.fields.get(key, "")

    @property
    def rig(self) -> str:
        return self.get("rig")

    @property
    def branch(self) -> str:
        return self.get("branch")

    @property
    def source(self) -> str:
        return self.get("source_issue")

    @property
    def worker(self) -> str:
        return self.get("worker")

    @property
    def retries(self) -> int:
        value = self.get("retry_count")
        return int(value) if value.isdigit() else 0

    @property
    def attempt(self) -> int:
        """Which submission this is: 1, then one more each time its polecat resubmits it after rework."""
        from .rework import attempt_of

        return attempt_of(self.description)

    def target(self, default: str) -> str:
        return self.get("target") or default

    @property
    def polecat(self) -> str:
        """The polecat's name (last part of its address), what protocol subjects carry."""
        return self.worker.rsplit("/", 1)[-1] or self.id

    def summary(self) -> dict[str, Any]:
        """The TUI's and ``gt mq list``'s view of one MR."""
        run = self.metadata.get("gates") or {}
        return {
            "id": self.id,
            "title": self.title,
            "rig": self.rig,
            "branch": self.branch,
            "target": self.get("target"),
            "source_issue": self.source,
            "worker": self.worker,
            "state": self.state,
            "status": self.status,
            "priority": self.priority,
            "score": round(self.score, 1),
            "retry_count": self.retries,
            "attempt": self.attempt,
            "created_at": self.created_at,
            "commit_sha": self.get("commit_sha"),
            "merge_commit": self.get("merge_commit"),
            "gates_ok": run.get("ok"),
            "gates": [
                {k: r.get(k) for k in ("name", "ok", "exit_code", "timed_out", "seconds")}
                for r in run.get("results", [])
            ],
            "diffstat": self.metadata.get("diffstat"),
        }


def _read_mrs(s, rig: str | None = None, include_closed: bool = False) -> list[MergeRequest]:
    beads = s.list_beads(label=LABEL, include_closed=include_closed, order="created")
    labels = s.labels_for(b["id"] for b in beads)
    mrs = [MergeRequest.from_bead(b, labels[b["id"]]) for b in beads]
    return [m for m in mrs if rig is None or m.rig == rig]


def _ordered(s, mrs: list[MergeRequest]) -> list[MergeRequest]:
    """Gas Town's score order: priority, then convoy age, MR age, fewer retries; ties by age."""
    from .convoys import oldest_convoy_created

    now = _dt.datetime.now(_dt.UTC)
    convoy_created = oldest_convoy_created(s, [m.source for m in mrs if m.source])
    for m in mrs:
        created = convoy_created.get(m.source)
        convoy_age = mergequeue.hours_since(created, now) if created else 0.0
        m.score = mergequeue.score(m.priority, mergequeue.hours_since(m.created_at, now), convoy_age, m.retries)
    return sorted(mrs, key=lambda m: (-m.score, m.created_at, m.id))


def _with_creation_order(s, mrs: list[MergeRequest]) -> tuple[list[MergeRequest], dict[str, int]]:
    """MR id → id of its ``created`` event: the ledger's own order (timestamps have one-second ties)."""
    ids = [m.id for m in mrs]
    if not ids:
        return mrs, {}
    marks = ", ".join("?" * len(ids))
    rows = s.rows(
        f"SELECT issue_id, MIN(id) AS seq FROM events WHERE event_type = 'created' AND issue_id IN ({marks})"
        " GROUP BY issue_id",
        ids,
    )
    return mrs, {r["issue_id"]: int(r["seq"]) for r in rows}


def _get_mr(s, mr_id: str) -> MergeRequest:
    bead = s.get(mr_id)
    labels = s.labels(mr_id)
    if LABEL not in labels and bead["issue_type"] != "merge-request":
        raise InvalidInput(f"{mr_id} is not a merge request", "list them with: gt mq list")
    return MergeRequest.from_bead(bead, labels)


def _set_state(tx, mr_id: str, state: str, **changes: Any) -> None:
    """Move an MR to ``state``: its one ``mr:`` label and the bead status that goes with it."""
    for label in tx.labels(mr_id):
        if label.startswith(STATE_PREFIX) and label != STATE_PREFIX + state:
            tx.remove_label(mr_id, label)
    tx.add_label(mr_id, STATE_PREFIX + state)
    status = STATUS_OF[state]
    if status == "closed":
        changes.setdefault("close_reason", state)
    tx.update(mr_id, status=status, **changes)


# -- rigs and repositories ---------------------------------------------------------------


def _rig(town: Town, rig: str) -> tuple[RigConfig, MergeWorktree]:
    from ..vcs.merge import MergeWorktree
    from .rigs import load_rig, rig_paths

    config = load_rig(town, rig)
    paths = rig_paths(town, rig)
    return config, MergeWorktree(paths.repo, paths.refinery)


def _commit_of(repo: MergeWorktree, mr: MergeRequest) -> str | None:
    """The commit to merge: the one submitted (``commit_sha``), else the branch's tip."""
    from ..vcs.merge import check_sha

    sha = mr.get("commit_sha")
    return repo.resolve(check_sha(sha)) if sha else repo.branch_tip(mr.branch)


def _diffstat(repo: MergeWorktree, mr: MergeRequest, target_tip: str | None) -> dict[str, int] | None:
    with contextlib.suppress(GtError):
        sha = _commit_of(repo, mr)
        if sha and target_tip:
            return repo.diffstat(target_tip, sha)
    return None


# -- the API the CLI and the TUI call -------------------------------------------------------


def list_queue(town: Town, rig: str | None = None, *, include_closed: bool = False) -> list[dict[str, Any]]:
    """MRs in queue order (open ones; closed too with ``include_closed``), each as ``MergeRequest.summary``.

    Keys: id, title, rig, branch, target, source_issue, worker, state, status, priority, score,
    retry_count, created_at, commit_sha, merge_commit, gates_ok, gates (name/ok/exit_code/timed_out/
    seconds), diffstat (files/insertions/deletions), ready (the next pass would take it).
    """
    if rig is not None:
        from .rigs import load_rig

        load_rig(town, rig)  # an unknown rig is an error, not an empty queue
    mrs = town.ledger.read(lambda s: _ordered(s, _read_mrs(s, rig, include_closed)))
    out = []
    repos: dict[str, tuple[RigConfig, MergeWorktree] | None] = {}
    for mr in mrs:
        if mr.rig not in repos:
            try:
                repos[mr.rig] = _rig(town, mr.rig)
            except GtError:
                repos[mr.rig] = None
        found = repos[mr.rig]
        item = mr.summary()
        item["ready"] = bool(found) and (
            mr.state == "approved" or (mr.state == "pending" and found[0].merge_policy == "auto")
        )
        if item["diffstat"] is None and found and mr.status != "closed":
            config, repo = found
            item["diffstat"] = _diffstat(repo, mr, repo.resolve(f"refs/heads/{mr.target(config.default_branch)}"))
        out.append(item)
    return out


def show(town: Town, mr_id: str) -> dict[str, Any]:
    """One MR: the list view plus description, commits, full gate results, failure, conflicts, comments."""
    mr, comments = town.ledger.read(lambda s: (_get_mr(s, mr_id), s.comments(mr_id)))
    item = mr.summary()
    item.update(
        description=body_after_fields(mr.description),
        fields=mr.fields,
        gate_run=mr.metadata.get("gates"),
        failure=mr.metadata.get("failure"),
        conflict_files=mr.metadata.get("conflict_files", []),
        approved_by=mr.metadata.get("approved_by"),
        comments=comments,
        commits=[],
    )
    with contextlib.suppress(GtError):
        config, repo = _rig(town, mr.rig)
        sha = _commit_of(repo, mr)
        tip = repo.resolve(f"refs/heads/{mr.target(config.default_branch)}")
        if sha and tip:
            base = f"{mr.get('merge_commit')}^1" if mr.state == "merged" and mr.get("merge_commit") else tip
            item["commits"] = repo.commits(base, sha)
            item["diffstat"] = item["diffstat"] or repo.diffstat(tip, sha)
    return item


def diffstat_text(item: dict[str, Any]) -> str:
    """``3f +40 -2`` from a summary's diffstat; ``?`` before the refinery has measured it."""
    stat = item.get("diffstat")
    return f"{stat['files']}f +{stat['insertions']} -{stat['deletions']}" if stat else "?"


def render_details(item: dict[str, Any]) -> str:
    """``show``'s record as text (``gt mq show`` and the TUI's details view)."""
    lines = [
        f"{item['id']}  {item['title']}  [{item['state']}]",
        f"  rig {item['rig']}  branch {item['branch']} → {item['target'] or '(default)'}",
        f"  source {item['source_issue']}  worker {item['worker']}  priority P{item['priority']}"
        f"  retries {item['retry_count']}",
        f"  commit {item['commit_sha'] or '?'}  diff {diffstat_text(item)}",
    ]
    if item.get("attempt", 1) > 1:
        lines.append(f"  attempt {item['attempt']} (resubmitted after rework)")
    if item["merge_commit"]:
        lines.append(f"  merge commit {item['merge_commit']}")
    if item["approved_by"]:
        lines.append(f"  approved by {item['approved_by']}")
    for commit in item["commits"]:
        lines.append(f"  {commit['sha'][:10]} {commit['subject']}")
    run = item["gate_run"]
    if run:
        lines.append(
            f"  gates on {run['commit'][:10]} (stack of {len(run['stack'])}): {'green' if run['ok'] else 'red'}"
        )
        for result in run["results"]:
            verdict = (
                "pass" if result["ok"] else ("timeout" if result["timed_out"] else f"fail ({result['exit_code']})")
            )
            lines.append(f"    {result['name']}: {verdict} in {result['seconds']}s")
            if not result["ok"] and result["output"]:
                lines += ["      " + line for line in result["output"].splitlines()[-20:]]
    if item["conflict_files"]:
        lines.append("  conflicts: " + ", ".join(item["conflict_files"]))
    if item["failure"]:
        lines.append(f"  failure ({item['failure']['type']}): {item['failure']['error']}")
    if item["description"]:
        lines += ["", item["description"]]
    if item.get("comments"):
        lines += ["", "history:"]
        lines += [f"  {c['created_at']}  {c['author']}: {(c['text'] or '').splitlines()[0]}" for c in item["comments"]]
    return "\n".join(lines)


def diff(town: Town, mr_id: str) -> str:
    """The MR's patch with a stat header: against its target (or, once merged, what its merge brought in)."""
    mr = town.ledger.read(lambda s: _get_mr(s, mr_id))
    config, repo = _rig(town, mr.rig)
    merge_commit = mr.get("merge_commit")
    if mr.state == "merged" and merge_commit and repo.resolve(merge_commit):
        return repo.diff(f"{merge_commit}^1", merge_commit, three_dot=False)
    sha = _commit_of(repo, mr)
    tip = repo.resolve(f"refs/heads/{mr.target(config.default_branch)}")
    if not sha:
        raise NotFound(
            f"{mr_id}: commit of branch {mr.branch!r} is not in the rig's repository", "ask the polecat to push it"
        )
    if not tip:
        raise NotFound(f"{mr_id}: target branch {mr.target(config.default_branch)!r} does not exist")
    return repo.diff(tip, sha)


def target_log(town: Town, rig: str) -> list[dict[str, str]]:
    """Every commit the rig's target branch pointed to, newest first (its reflog): the audit that
    it only ever moved to commits whose gates passed."""
    config, repo = _rig(town, rig)
    return [{"commit": sha, "subject": subject} for sha, subject in repo.ref_history(config.default_branch)]


def approve(town: Town, mr_id: str) -> dict[str, Any]:
    """Let a pending MR into the queue (merge_policy approve). Approving twice is harmless."""

    def apply(tx) -> MergeRequest:
        mr = _get_mr(tx, mr_id)
        if mr.state in ("approved", "testing"):
            return mr
        if mr.state != "pending":
            raise Conflict(f"{mr_id} is {mr.state}, not waiting for approval", _NEXT_STEP.get(mr.state, ""))
        tx.set_metadata(mr_id, approved_by=tx.actor, approved_at=tx.stamp)
        _set_state(tx, mr_id, "approved")
        return _get_mr(tx, mr_id)

    return town.ledger.write("mq approve", apply, actor=default_actor()).summary()


def reject(town: Town, mr_id: str, reason: str) -> dict[str, Any]:
    """Close an MR unmerged; its polecat gets MERGE_FAILED with the reason, and the witness sends the
    work back to it with that reason (``rework.py``). The source bead stays open: close it to stop there."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("a rejection needs a reason", 'say why with --reason "…"')

    def apply(tx) -> MergeRequest:
        mr = _get_mr(tx, mr_id)
        if mr.state == "testing":
            raise Conflict(f"{mr_id} is in a batch being tested", "wait for the batch to end (gt mq show), then reject")
        if STATUS_OF.get(mr.state) == "closed" or mr.status == "closed":
            raise Conflict(f"{mr_id} is already {mr.state}")
        tx.set_metadata(mr_id, failure={"type": "rejected", "error": reason, "at": tx.stamp, "by": tx.actor})
        _set_state(tx, mr_id, "rejected", close_reason=f"rejected: {reason}")
        tx.add_comment(mr_id, f"Attempt {mr.attempt}: rejected by {tx.actor}: {reason}")
        _tell_polecat(tx, mr, "other", f"rejected by {tx.actor}: {reason}", "")
        return _get_mr(tx, mr_id)

    return town.ledger.write("mq reject", apply, actor=default_actor()).summary()


def retry(town: Town, mr_id: str) -> dict[str, Any]:
    """Put a failed or rework MR back in the queue, at its branch's current tip.

    Retrying is an overseer's decision, so it counts as approval; each retry lowers the
    MR's score (Gas Town's retry penalty).
    """
    mr = town.ledger.read(lambda s: _get_mr(s, mr_id))
    tip = None
    with contextlib.suppress(GtError):
        tip = _rig(town, mr.rig)[1].branch_tip(mr.branch)

    def apply(tx) -> MergeRequest:
        current = _get_mr(tx, mr_id)
        if current.state not in ("failed", "rework"):
            raise Conflict(f"{mr_id} is {current.state}; only failed or rework MRs can be retried")
        desc = with_fields(current.description, retry_count=current.retries + 1, commit_sha=tip or None)
        tx.set_metadata(
            mr_id, approved_by=tx.actor, approved_at=tx.stamp, failure=None, conflict_files=None, diffstat=None
        )
        tx.remove_label(mr_id, ESCALATED_LABEL)  # a failure after this retry is news again
        _set_state(tx, mr_id, "approved", description=desc, assignee=None)
        return _get_mr(tx, mr_id)

    return town.ledger.write("mq retry", apply, actor=default_actor()).summary()


_NEXT_STEP = {
    "failed": "fix the branch, then: gt mq retry MR",
    "rework": "rebase the branch, then: gt mq retry MR",
    "reworking": "its polecat is fixing it; its next gt done puts it back in the queue",
    "merged": "nothing left to do",
}


def run_once(town: Town, rig: str, *, holder: str | None = None) -> dict[str, Any]:
    """One refinery pass over a rig: recover, then batch every ready MR. Returns a summary dict.

    Keys: rig, target, before, after (target shas), batches, gate_runs, merged, failed,
    rework, superseded, recovered (MR ids), waiting (pending MRs awaiting approval), seconds.
    Raises Conflict when another live refinery holds the rig's lease.
    """
    fields.check_name(rig, "rig name")
    config, repo = _rig(town, rig)
    return _Refinery(town, config, repo, holder or holder_id("refinery")).run()


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


# -- mail ------------------------------------------------------------------------------------


def _post(tx, message, to: str, fallback: str) -> list[str]:
    """Protocol mail; to ``fallback`` if the addressee no longer exists (a merge is never held up by mail)."""
    from .protocol import post

    sender = addresses.refinery(message.rig)
    for address in dict.fromkeys((to, fallback)):
        if not address:
            continue
        with contextlib.suppress(InvalidInput):
            return post(tx, message, sender=sender, to=address)
    return []


def _tell_polecat(tx, mr: MergeRequest, failure_type: str, error: str, output: str) -> list[str]:
    from .protocol import MergeFailed

    message = MergeFailed(
        polecat=mr.polecat,
        branch=mr.branch,
        issue=mr.source,
        rig=mr.rig,
        target=mr.get("target"),
        failed_at=tx.stamp,
        failure_type=failure_type,
        error=error,
        note=f"MR: {mr.id}\n\n{output}".strip(),
    )
    return _post(tx, message, mr.worker, addresses.witness(mr.rig))


# -- gates ----------------------------------------------------------------------------------


def _tail(text: str, keep: int) -> str:
    return text if len(text) <= keep else f"…({len(text) - keep} characters cut)…\n" + text[-keep:]


def _gate_env() -> dict[str, str]:
    """The refinery's environment minus git's per-repository variables (a gate may run git itself)."""
    return {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}


def run_gate(gate: Gate, cwd: Path, pidfile: Path | None = None) -> dict[str, Any]:
    """Run one gate: its argument list (no shell) in ``cwd``, its own process group, killed at the timeout."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(
                gate.command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_gate_env(),
                start_new_session=True,
            )
        except OSError as exc:
            return _gate_result(gate, started, 127, False, f"cannot run {gate.command[0]!r}: {exc.strerror or exc}")
        if pidfile:
            pidfile.write_text(str(proc.pid))
        timed_out = False
        try:
            code = proc.wait(timeout=gate.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            code = -9
        finally:
            # Leftover children of the gate go with it, whether it finished or timed out.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if pidfile:
                pidfile.unlink(missing_ok=True)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if timed_out:
        text += f"\n[gate {gate.name} timed out after {gate.timeout:g}s and was killed]"
    return _gate_result(gate, started, code, timed_out, text)


def _gate_result(gate: Gate, started: float, code: int, timed_out: bool, text: str) -> dict[str, Any]:
    ok = code == 0 and not timed_out
    return {
        "name": gate.name,
        "command": list(gate.command),
        "ok": ok,
        "exit_code": code,
        "timed_out": timed_out,
        "seconds": round(time.monotonic() - started, 3),
        "output": _tail(text.strip(), OUTPUT_KEEP_PASSED if ok else OUTPUT_KEEP_FAILED),
    }


def _kill_orphan_gate(pidfile: Path, worktree: Path) -> None:
    """A gate left running by a refinery that was killed: stop it before touching its worktree.

    Only a process whose working directory is the refinery worktree is killed (pids get reused).
    """
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    with contextlib.suppress(OSError):
        if Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == worktree.resolve():
            os.killpg(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)


# -- the lease --------------------------------------------------------------------------------


class _Lease:
    def __init__(self, ledger, rig: str, holder: str):
        self.ledger = ledger
        self.name = f"refinery:{rig}"
        self.holder = holder

    def take(self, seconds: float = LEASE_SECONDS) -> None:
        def grab(tx) -> dict[str, Any] | None:
            current = tx.lease_holder(self.name)
            if tx.take_lease(self.name, self.holder, seconds):
                return None
            return current

        other = self.ledger.write("refinery lease", grab)
        if other:
            raise Conflict(
                f"another refinery runs this rig ({other['holder']}, lease until {other['expires_at']})",
                "let it finish; a refinery that died on this host is taken over at once, on another when its lease expires",
            )

    renew = take

    def release(self) -> None:
        with contextlib.suppress(GtError):
            self.ledger.write("refinery lease", lambda tx: tx.release_lease(self.name, self.holder))


# -- the engine --------------------------------------------------------------------------------


class _TargetMoved(Exception):
    """Someone else moved the target branch while a batch was being tested."""


def _crash_point(step: str) -> None:
    """Test hook (Gas Town keeps similar GT_TEST_* hooks): die here as kill -9 would."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class _Tested:
    tip: str
    merges: dict[str, str]
    run: dict[str, Any]


@dataclass
class _Refinery:
    town: Town
    config: RigConfig
    repo: MergeWorktree
    holder: str
    summary: dict[str, Any] = field(default_factory=dict)
    base: str = ""
    target: str = ""
    tested: _Tested | None = None
    pidfile: Path | None = None
    last_run: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (commit, MR id) → the merge commit made by merging that MR onto that commit
    merged_onto: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ledger = self.town.ledger
        self.rig = self.config.name
        self.lease = _Lease(self.ledger, self.rig, self.holder)
        self.gate_budget = LEASE_SECONDS + sum(g.timeout for g in self.config.gates)
        self.summary = {
            "rig": self.rig,
            "target": self.config.default_branch,
            "before": "",
            "after": "",
            "batches": 0,
            "gate_runs": 0,
            "merged": [],
            "failed": [],
            "rework": [],
            "superseded": [],
            "recovered": [],
            "waiting": 0,
            "seconds": 0.0,
        }

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        queue = self.ledger.read(lambda s: _read_mrs(s, self.rig))
        if self._has_work(queue):
            self.lease.take()
            try:
                self.repo.ensure(self.config.default_branch)
                self.pidfile = self.repo.admin_dir / PIDFILE
                _kill_orphan_gate(self.pidfile, self.repo.path)
                self.summary["before"] = self.repo.resolve(f"refs/heads/{self.config.default_branch}") or ""
                self.recover()
                while (batch := self.next_batch()) and self.run_batch(batch):
                    pass
            finally:
                self.lease.release()
            queue = self.ledger.read(lambda s: _read_mrs(s, self.rig))  # as the batches left it
        self.summary["after"] = self.repo.resolve(f"refs/heads/{self.config.default_branch}") or ""
        self.summary["before"] = self.summary["before"] or self.summary["after"]
        if self.config.merge_policy == "approve":
            self.summary["waiting"] = sum(1 for m in queue if m.state == "pending")
        self.summary["seconds"] = round(time.monotonic() - started, 3)
        return self.summary

    def _has_work(self, queue: list[MergeRequest]) -> bool:
        """Anything to test, recover or describe? An idle pass takes no lease and writes nothing."""
        auto = self.config.merge_policy == "auto"
        for mr in queue:
            if mr.state in ("testing", "approved") or (auto and mr.state == "pending"):
                return True
            if mr.state == "pending" and "diffstat" not in mr.metadata:
                return True
        return False

    def write(self, verb: str, fn) -> Any:
        return self.ledger.write(verb, fn, actor=addresses.refinery(self.rig))

    # -- picking work ----------------------------------------------------------------------
    def next_batch(self) -> list[MergeRequest]:
        mrs, created = self.ledger.read(lambda s: _with_creation_order(s, _ordered(s, _read_mrs(s, self.rig))))
        newest: dict[str, MergeRequest] = {}
        for mr in sorted(mrs, key=lambda m: created.get(m.id, 0)):
            if mr.source:
                newest[mr.source] = mr
        stale = [m for m in mrs if m.source and newest[m.source] is not m and m.state != "testing"]
        if stale:
            self.write("refinery supersede", lambda tx: self._supersede(tx, stale, newest))
        self._note_diffstats([m for m in mrs if m not in stale])
        auto = self.config.merge_policy == "auto"
        ready = [m for m in mrs if m not in stale and (m.state == "approved" or (auto and m.state == "pending"))]
        if not ready:
            return []
        target = ready[0].target(self.config.default_branch)
        return [m for m in ready if m.target(self.config.default_branch) == target][: self.config.batch_size]

    def _note_diffstats(self, mrs: list[MergeRequest]) -> None:
        """Record the diff stat of MRs that lack one, so the queue shows it before approval."""
        tips: dict[str, str | None] = {}
        stats = {}
        for mr in mrs:
            if mr.state in ("pending", "approved") and "diffstat" not in mr.metadata:
                target = mr.target(self.config.default_branch)
                if target not in tips:
                    tips[target] = self.repo.resolve(f"refs/heads/{target}")
                stat = _diffstat(self.repo, mr, tips[target])
                if stat:
                    stats[mr.id] = stat
        if stats:
            self.write("refinery diffstat", lambda tx: [tx.set_metadata(i, diffstat=st) for i, st in stats.items()])

    def _supersede(self, tx, stale: list[MergeRequest], newest: dict[str, MergeRequest]) -> None:
        for mr in stale:
            _set_state(tx, mr.id, "superseded", close_reason=f"superseded by {newest[mr.source].id}")
            self.summary["superseded"].append(mr.id)

    def run_batch(self, batch: list[MergeRequest]) -> bool:
        """Resolve, claim, and settle one batch; False when the pass should stop (target moved)."""
        from ..vcs.merge import check_branch

        self.summary["batches"] += 1
        self.target = batch[0].target(self.config.default_branch)
        try:
            tip = self.repo.resolve(f"refs/heads/{check_branch(self.target)}")
        except InvalidInput:
            tip = None
        items, already = [], []
        for mr in batch:
            try:
                mr.sha = _commit_of(self.repo, mr) or ""
            except InvalidInput:
                mr.sha = ""
            if not tip:
                self.fail(mr, "other", f"target branch {self.target!r} is not in the rig's repository", "")
            elif not mr.sha:
                self.fail(mr, "other", f"commit of branch {mr.branch!r} is not in the rig's repository", "")
            elif self.repo.is_ancestor(mr.sha, tip):
                already.append(mr)
            else:
                items.append(mr)
        if already:
            merges = {m.id: self.repo.merge_commit_of(m.sha, tip) or m.sha for m in already}
            self.write("refinery merged", lambda tx: self._record_merged(tx, already, merges, {}))
        if not items:
            return True
        self.base = tip or ""
        batch_id = f"{self.holder.rsplit(':', 1)[-1]}-{self.summary['batches']}"
        stats = {m.id: self.repo.diffstat(self.base, m.sha) for m in items}
        self.write("refinery claim", lambda tx: self._claim(tx, items, batch_id, stats))
        _crash_point("claimed")
        try:
            mergequeue.settle(items, self.test, self.accept, self.convict)
        except _TargetMoved:
            self.write("refinery requeue", lambda tx: self._requeue(tx, items))
            return False
        return True

    def _claim(self, tx, items: list[MergeRequest], batch_id: str, stats: dict[str, dict[str, int]]) -> None:
        for mr in items:
            desc = with_fields(tx.get(mr.id)["description"] or "", commit_sha=mr.sha)
            tx.set_metadata(mr.id, batch=batch_id, diffstat=stats[mr.id])
            _set_state(tx, mr.id, "testing", description=desc, assignee=addresses.refinery(self.rig))

    def _requeue(self, tx, items: list[MergeRequest]) -> None:
        for mr in items:
            if _get_mr(tx, mr.id).state == "testing":
                _set_state(tx, mr.id, "approved", assignee=None)

    # -- the three callbacks of mergequeue.settle --------------------------------------------
    def test(self, items: list[MergeRequest]) -> tuple[bool, list[MergeRequest]]:
        self.lease.renew(self.gate_budget)
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
            outcome = self.repo.merge(mr.sha, f"Merge {mr.id}: {mr.branch}\n\nsource_issue: {mr.source}")
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
        _crash_point("stacked")
        results = []
        for gate in self.config.gates:
            results.append(run_gate(gate, self.repo.path, self.pidfile))
            if not results[-1]["ok"]:
                break
        self.summary["gate_runs"] += 1
        green = all(r["ok"] for r in results)
        run = {"commit": tip, "ok": green, "stack": [m.id for m in kept], "at": fields.now(), "results": results}
        self.write("refinery gates", lambda tx: self._record_run(tx, kept, run, merges))
        self.tested = _Tested(tip, merges, run)
        for mr in kept:
            self.last_run[mr.id] = run
        return green, kept

    def _record_run(self, tx, kept: list[MergeRequest], run: dict[str, Any], merges: dict[str, str]) -> None:
        for mr in kept:
            tx.set_metadata(mr.id, gates={**run, "merge_commit": merges[mr.id]})

    def accept(self, kept: list[MergeRequest]) -> None:
        assert self.tested is not None
        tested = self.tested
        self.lease.renew()
        names = ", ".join(m.id for m in kept)
        if not self.repo.advance(self.target, tested.tip, self.base, f"refinery: merge {names}"):
            raise _TargetMoved
        _crash_point("advanced")
        self.base = tested.tip
        runs = {m.id: tested.run for m in kept}
        self.write("refinery merged", lambda tx: self._record_merged(tx, kept, tested.merges, runs))
        _crash_point("recorded")

    def _record_merged(
        self, tx, mrs: list[MergeRequest], merges: dict[str, str], runs: dict[str, dict[str, Any]]
    ) -> None:
        from .convoys import close_beads
        from .protocol import Merged

        for mr in mrs:
            current = _get_mr(tx, mr.id)
            if current.state == "merged":
                continue
            desc = with_fields(current.description, merge_commit=merges[mr.id], close_reason="merged")
            if mr.id in runs:
                tx.set_metadata(mr.id, gates={**runs[mr.id], "merge_commit": merges[mr.id]})
            _set_state(tx, mr.id, "merged", description=desc, assignee=None)
            message = Merged(
                polecat=mr.polecat,
                branch=mr.branch,
                issue=mr.source,
                rig=self.rig,
                target=mr.target(self.config.default_branch),
                merged_at=tx.stamp,
                merge_commit=merges[mr.id],
                note=f"MR: {mr.id}",
            )
            _post(tx, message, addresses.witness(self.rig), "")
            if mr.source and tx.exists(mr.source):
                close_beads(tx, [mr.source], f"Merged in {mr.id}")
            self.summary["merged"].append(mr.id)

    def convict(self, mr: MergeRequest) -> None:
        run = self.last_run.get(mr.id) or {}
        failing = next((r for r in run.get("results", []) if not r["ok"]), None)
        if failing:
            why = "timed out" if failing["timed_out"] else f"exit {failing['exit_code']}"
            error = f"gate {failing['name']} failed ({why}) with this MR on the current target"
            output, gate = failing["output"], failing["name"]
        else:
            error, output, gate = "gates failed", "", ""
        self.fail(mr, "tests", error, output, gate)

    def fail(self, mr: MergeRequest, failure_type: str, error: str, output: str, gate: str = "") -> None:
        def apply(tx) -> None:
            failure = {"type": failure_type, "error": error, "at": tx.stamp, "gate": gate, "output": output}
            tx.set_metadata(mr.id, failure={k: v for k, v in failure.items() if v})
            _set_state(tx, mr.id, "failed", assignee=None)
            tx.add_comment(
                mr.id,
                f"Attempt {mr.attempt}: MERGE_FAILED ({failure_type}): {error}" + (f"\n\n{output}" if output else ""),
            )
            _tell_polecat(tx, mr, failure_type, error, output)

        self.write("refinery failed", apply)
        self.summary["failed"].append(mr.id)

    def rework(self, mr: MergeRequest, outcome: MergeOutcome) -> None:
        from .protocol import ReworkRequest

        files = outcome.conflicts

        def apply(tx) -> None:
            tx.set_metadata(
                mr.id, conflict_files=files, failure={"type": "conflict", "error": outcome.error, "at": tx.stamp}
            )
            _set_state(tx, mr.id, "rework", assignee=None)
            where = ", ".join(files) or "(files not listed)"
            tx.add_comment(mr.id, f"Attempt {mr.attempt}: REWORK_REQUEST: conflicts with {self.target} in {where}")
            message = ReworkRequest(
                polecat=mr.polecat,
                branch=mr.branch,
                issue=mr.source,
                rig=self.rig,
                target=self.target,
                requested_at=tx.stamp,
                conflict_files=tuple(files),
                note=(
                    f"MR: {mr.id}\n\nYour branch conflicts with {self.target}. Rebase it onto {self.target}, "
                    "resolve the conflicts, push, and submit again (gt done); or ask for: gt mq retry "
                    f"{mr.id}\n\n{outcome.error}"
                ),
            )
            _post(tx, message, mr.worker, addresses.witness(self.rig))

        self.write("refinery rework", apply)
        self.summary["rework"].append(mr.id)

    # -- resuming after a crash ----------------------------------------------------------------
    def recover(self) -> None:
        """MRs a dead refinery left ``testing``: record the ones git shows merged, requeue the rest."""
        testing = [m for m in self.ledger.read(lambda s: _read_mrs(s, self.rig)) if m.state == "testing"]
        if not testing:
            return
        done, merges, runs = [], {}, {}
        for mr in testing:
            tip = self.repo.resolve(f"refs/heads/{mr.target(self.config.default_branch)}")
            sha = mr.get("commit_sha")
            if tip and sha and self.repo.resolve(sha) and self.repo.is_ancestor(sha, tip):
                run = mr.metadata.get("gates") or {}
                recorded = run.get("merge_commit", "")
                on_target = recorded and self.repo.resolve(recorded) and self.repo.is_ancestor(recorded, tip)
                merges[mr.id] = recorded if on_target else (self.repo.merge_commit_of(sha, tip) or sha)
                if on_target:
                    runs[mr.id] = run
                done.append(mr)
        back = [m for m in testing if m not in done]
        if done:
            self.write("refinery recover", lambda tx: self._record_merged(tx, done, merges, runs))
        if back:
            self.write("refinery recover", lambda tx: self._requeue(tx, back))
        self.summary["recovered"] = [m.id for m in testing]
