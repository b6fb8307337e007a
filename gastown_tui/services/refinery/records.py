"""A merge request as everyone sees it: one frozen record, built in ONE place (``MergeRequest.build``)
from a ledger row, its labels and its metadata.

An MR bead (label ``gt:merge-request`` or type ``merge-request``) carries Gas Town's description
fields (``branch``, ``target``, ``source_issue``, ``rig``, ``commit_sha``, ``worker``, ``agent_bead``,
``retry_count``, ``attempt``, ``merge_commit``) and the refinery's metadata (``gates``: the gate run
that decided it; ``failure``; ``diffstat``; ``conflict_files``; ``approved_by``; ``push``: where it
went outside the town).

Its queue state is stored once: the ``mr:STATE`` label (no label = pending), read here and nowhere
else. ``queue.set_state`` is the one place it is written, together with what beads' lifecycle and
Gas Town expect beside it — the bead status (``STATUS_OF``) and, for a closing state, the
``close_reason`` column and description field — which are never read back as the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...fieldlines import parse_fields
from ...ledger import load_metadata
from .trace import Bisection, RunNote, runs_from_json

if TYPE_CHECKING:
    from .score import ScoreParts

LABEL = "gt:merge-request"
ISSUE_TYPE = "merge-request"
STATE_PREFIX = "mr:"
# Each state and the bead status that goes with it (written by ``queue.set_state``, never read as the state).
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
CLOSED_STATES = frozenset(state for state, status in STATUS_OF.items() if status == "closed")


def state_of(labels: list[str] | tuple[str, ...]) -> str:
    """An MR's queue state: its ``mr:STATE`` label; pending when it has none."""
    marks = [label[len(STATE_PREFIX) :] for label in labels if label.startswith(STATE_PREFIX)]
    return next((m for m in marks if m in STATUS_OF), "pending")


def _int(value: object, default: int = 0) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


# MR states that send the work back, and the witness's name for each (see services/rework.py).
SENT_BACK = {"failed": "merge-failed", "rework": "merge-rework", "rejected": "merge-rejected"}
# The reflog message of the target taking in commits a person pushed to the origin (theirs, not gated here).
ORIGIN_MOVED = "origin moved:"
UNLANDED_LABEL = "unlanded"  # merged in the town, not (yet) on the origin's branch: a PR, or a push waiting
ESCALATED_LABEL = "escalated"  # the witness stopped sending it back and told a person
SETTLED_LABEL = "rework-none"  # nothing to rework: its source bead is closed or gone


@dataclass(frozen=True)
class Diffstat:
    """What an MR changes against its target: files, lines added, lines removed."""

    files: int
    insertions: int
    deletions: int

    @classmethod
    def from_json(cls, data: object) -> Diffstat | None:
        if not isinstance(data, Mapping):
            return None
        return cls(_int(data.get("files")), _int(data.get("insertions")), _int(data.get("deletions")))

    def to_json(self) -> dict[str, int]:
        return {"files": self.files, "insertions": self.insertions, "deletions": self.deletions}

    def text(self) -> str:
        """``3f +40 -2``."""
        return f"{self.files}f +{self.insertions} -{self.deletions}"


@dataclass(frozen=True)
class GateResult:
    """One gate's run: its exit code, time and the tail of its output."""

    name: str
    ok: bool
    exit_code: int
    timed_out: bool
    seconds: float
    output: str = ""
    command: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GateResult:
        return cls(
            name=str(data.get("name") or "?"),
            ok=bool(data.get("ok")),
            exit_code=_int(data.get("exit_code"), -1),
            timed_out=bool(data.get("timed_out")),
            seconds=float(data.get("seconds") or 0.0),
            output=str(data.get("output") or ""),
            command=tuple(str(part) for part in data.get("command") or ()),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "command": list(self.command),
            "exit_code": self.exit_code,
            "name": self.name,
            "ok": self.ok,
            "output": self.output,
            "seconds": self.seconds,
            "timed_out": self.timed_out,
        }

    def brief_json(self) -> dict[str, object]:
        """The queue listing's view: no command, no output."""
        return {"name": self.name, "ok": self.ok, "exit_code": self.exit_code, "timed_out": self.timed_out,
                "seconds": self.seconds}  # fmt: skip


@dataclass(frozen=True)
class GateRun:
    """The gates run once on a stack of MRs: green or red, and each gate's result."""

    commit: str
    ok: bool
    stack: tuple[str, ...]
    at: str
    results: tuple[GateResult, ...]
    merge_commit: str | None = None  # this MR's own merge commit in that stack

    @classmethod
    def from_json(cls, data: object) -> GateRun | None:
        if not isinstance(data, Mapping):
            return None
        results = data.get("results") or ()
        return cls(
            commit=str(data.get("commit") or ""),
            ok=bool(data.get("ok")),
            stack=tuple(str(mr) for mr in data.get("stack") or ()),
            at=str(data.get("at") or ""),
            results=tuple(GateResult.from_json(r) for r in results if isinstance(r, Mapping)),
            merge_commit=data.get("merge_commit"),
        )

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"at": self.at, "commit": self.commit}
        if self.merge_commit is not None:
            out["merge_commit"] = self.merge_commit
        out.update(ok=self.ok, results=[r.to_json() for r in self.results], stack=list(self.stack))
        return out

    @property
    def first_failure(self) -> GateResult | None:
        return next((r for r in self.results if not r.ok), None)


@dataclass(frozen=True)
class Failure:
    """Why an MR came back: ``tests`` (a gate), ``conflict``, ``rejected`` or ``other``."""

    type: str
    error: str = ""
    at: str = ""
    gate: str = ""
    output: str = ""
    by: str = ""

    @classmethod
    def from_json(cls, data: object) -> Failure | None:
        if not isinstance(data, Mapping):
            return None
        text = {k: str(data.get(k) or "") for k in ("type", "error", "at", "gate", "output", "by")}
        return cls(**text)

    def to_json(self) -> dict[str, str]:
        """Sorted keys, as the ledger stores metadata; ``type``, ``error`` and ``at`` always, the rest when set."""
        out = {"at": self.at, "by": self.by, "error": self.error, "gate": self.gate, "output": self.output,
               "type": self.type}  # fmt: skip
        return {k: v for k, v in out.items() if v or k in ("type", "error", "at")}


@dataclass(frozen=True)
class Landing:
    """Where a merged MR went outside the town (metadata ``push``, written by ``push.py``): ``pushed``
    (``commit`` to ``to``), ``pr`` (a pull request at ``url``; ``pr-closed`` once closed unmerged), ``waiting`` (the push failed: ``error``,
    retried) or ``held`` (the origin's checkout has uncommitted edits: ``gt rig sync``)."""

    state: str
    to: str = ""
    commit: str = ""
    url: str = ""
    error: str = ""
    at: str = ""

    @classmethod
    def from_json(cls, data: object) -> Landing | None:
        if not isinstance(data, Mapping) or not data.get("state"):
            return None
        return cls(**{k: str(data.get(k) or "") for k in ("state", "to", "commit", "url", "error", "at")})

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def text(self) -> str:
        """``pushed abc1234 to origin/main``, and the like."""
        if self.state == "pushed":
            return f"pushed {self.commit[:7]} to {self.to}"
        if self.state == "pr":
            return f"pull request {self.url or '(no URL)'}"
        if self.state == "pr-closed":
            return f"pull request {self.url or '(no URL)'} closed without merging"
        if self.state == "held":
            return f"push to {self.to} held: {self.error}"
        return f"not pushed to {self.to} yet: {self.error}"


@dataclass(frozen=True)
class MergeRequest:
    """One merge request: its bead's facts, its description fields (``get``, and properties for the
    common ones), its queue state and the refinery's typed record of it. ``to_json`` is the CLI's view."""

    id: str
    title: str
    status: str  # the bead's lifecycle status (open, in_progress, closed), not the queue state
    priority: int
    created_at: str
    state: str
    description: str
    fields: Mapping[str, str] = field(hash=False)
    labels: tuple[str, ...] = ()
    gate_run: GateRun | None = None
    failure: Failure | None = None
    diffstat: Diffstat | None = None
    conflict_files: tuple[str, ...] = ()
    approved_by: str = ""
    landing: Landing | None = None
    runs: tuple[RunNote, ...] = ()  # every gate run it took part in, oldest first
    bisection: Bisection | None = None  # its batch and that batch's latest round
    waited: int = 0  # batches it was left out of while ready (starvation count)
    score: float = 0.0  # the queue's score when read by ``queue.read_queue`` (0 when read alone)
    score_parts: ScoreParts | None = None  # what ``score`` is made of (read_queue too)
    source_title: str = ""  # the source bead's title, as ``queue.read_queue`` finds it
    source_status: str = ""  # the source bead's status, as read_queue finds it ("" when it is gone)

    @classmethod
    def build(cls, row: Mapping[str, Any], labels: list[str] | tuple[str, ...]) -> MergeRequest:
        """THE way a merge request is made from the ledger: its row (id, title, status, priority,
        created_at, description, metadata) and its labels. The state is its ``mr:`` label, else pending."""
        description = row.get("description") or ""
        meta = load_metadata(row)  # type: ignore[arg-type]
        return cls(
            id=row["id"],
            title=row["title"],
            status=row["status"],
            priority=_int(row.get("priority")),
            created_at=row.get("created_at") or "",
            state=state_of(labels),
            description=description,
            fields=parse_fields(description),
            labels=tuple(labels),
            gate_run=GateRun.from_json(meta.get("gates")),
            failure=Failure.from_json(meta.get("failure")),
            diffstat=Diffstat.from_json(meta.get("diffstat")),
            conflict_files=tuple(str(f) for f in meta.get("conflict_files") or ()),
            approved_by=str(meta.get("approved_by") or ""),
            landing=Landing.from_json(meta.get("push")),
            runs=runs_from_json(meta.get("gate_runs")),
            bisection=Bisection.from_json(meta.get("bisect")),
            waited=_int(meta.get("waited")),
        )

    def get(self, key: str) -> str:
        return self.fields.get(key, "")

    @property
    def closed(self) -> bool:
        """Is the bead closed? (Its lifecycle: by the refinery, or by hand — ``gt bead close``, a rig
        removed — which takes it out of the queue whatever its state says.)"""
        return self.status == "closed"

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
    def commit_sha(self) -> str:
        return self.get("commit_sha")

    @property
    def merge_commit(self) -> str:
        return self.get("merge_commit")

    @property
    def retries(self) -> int:
        value = self.get("retry_count")
        return int(value) if value.isdigit() else 0

    @property
    def attempt(self) -> int:
        """Which submission this is: 1, then one more each time its polecat resubmits it after rework."""
        value = self.get("attempt")
        return int(value) if value.isdigit() and int(value) > 0 else 1

    def target(self, default: str) -> str:
        return self.get("target") or default

    @property
    def polecat(self) -> str:
        """The polecat's name (last part of its address), what protocol subjects carry."""
        return self.worker.rsplit("/", 1)[-1] or self.id

    def to_json(self) -> dict[str, object]:
        """``gt mq list --json``'s view of one MR (and of approve/reject/retry)."""
        run = self.gate_run
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
            "commit_sha": self.commit_sha,
            "merge_commit": self.merge_commit,
            "gates_ok": run.ok if run else None,
            "gates": [r.brief_json() for r in run.results] if run else [],
            "diffstat": self.diffstat.to_json() if self.diffstat else None,
            "landing": self.landing.to_json() if self.landing else None,
        }
