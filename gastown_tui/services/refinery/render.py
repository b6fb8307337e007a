"""One MR in full — what ``gt mq show`` prints (as text or JSON) and the TUI's details view shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...fieldlines import body_after_fields
from .records import Diffstat, MergeRequest


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str


@dataclass(frozen=True)
class Details:
    """An MR with its history (the ledger's comment rows) and the commits it brings (from git)."""

    mr: MergeRequest
    comments: tuple[Mapping[str, object], ...] = ()
    commits: tuple[Commit, ...] = ()
    position: int = 0  # its place among the rig's open MRs, in queue order (0 when closed)
    starve_after: int = 0  # the rig's starvation_passes (0 when unknown)

    def to_json(self) -> dict[str, object]:
        """``gt mq show --json``: the list view plus description, fields, gate run, failure, conflicts,
        approver, comments and commits."""
        mr = self.mr
        return {
            **mr.to_json(),
            "description": body_after_fields(mr.description),
            "fields": dict(mr.fields),
            "gate_run": mr.gate_run.to_json() if mr.gate_run else None,
            "failure": mr.failure.to_json() if mr.failure else None,
            "conflict_files": list(mr.conflict_files),
            "approved_by": mr.approved_by or None,
            "comments": [dict(c) for c in self.comments],
            "commits": [{"sha": c.sha, "subject": c.subject} for c in self.commits],
            "position": self.position or None,
            "score_parts": vars(mr.score_parts) if mr.score_parts else None,
            "waited": mr.waited,
            "bisection": mr.bisection.to_json() if mr.bisection else None,
            "gate_runs": [r.to_json() for r in mr.runs],
        }


def diffstat_text(stat: Diffstat | None) -> str:
    """``3f +40 -2``; ``?`` before the refinery has measured it."""
    return stat.text() if stat else "?"


def render_details(details: Details) -> str:
    """``gt mq show`` and the TUI's details view."""
    mr = details.mr
    lines = [
        f"{mr.id}  {mr.title}  [{mr.state}]",
        f"  rig {mr.rig}  branch {mr.branch} → {mr.get('target') or '(default)'}",
        f"  source {mr.source}  worker {mr.worker}  priority P{mr.priority}  retries {mr.retries}",
        f"  commit {mr.commit_sha or '?'}  diff {diffstat_text(mr.diffstat)}",
    ]
    lines += _queue_lines(details)
    if mr.attempt > 1:
        lines.append(f"  attempt {mr.attempt} (resubmitted after rework)")
    if mr.merge_commit:
        lines.append(f"  merge commit {mr.merge_commit}")
    if mr.landing:
        lines.append(f"  {mr.landing.text()}")
    if mr.approved_by:
        lines.append(f"  approved by {mr.approved_by}")
    for commit in details.commits:
        lines.append(f"  {commit.sha[:10]} {commit.subject}")
    run = mr.gate_run
    if run:
        lines.append(f"  gates on {run.commit[:10]} (stack of {len(run.stack)}): {'green' if run.ok else 'red'}")
        for result in run.results:
            verdict = "pass" if result.ok else ("timeout" if result.timed_out else f"fail ({result.exit_code})")
            lines.append(f"    {result.name}: {verdict} in {result.seconds}s")
            if not result.ok and result.output:
                lines += ["      " + line for line in result.output.splitlines()[-20:]]
    if mr.runs:
        lines.append(f"  gate runs ({len(mr.runs)}):")
        lines += [f"    {r.text()}" for r in mr.runs]
    if mr.conflict_files:
        lines.append("  conflicts: " + ", ".join(mr.conflict_files))
    if mr.failure:
        lines.append(f"  failure ({mr.failure.type}): {mr.failure.error}")
    description = body_after_fields(mr.description)
    if description:
        lines += ["", description]
    if details.comments:
        lines += ["", "history:"]
        for c in details.comments:
            first = next(iter(str(c.get("text") or "").splitlines()), "")
            lines.append(f"  {c.get('created_at')}  {c.get('author')}: {first}")
    return "\n".join(lines)


def _queue_lines(details: Details) -> list[str]:
    """Where it stands: queue position, score and its parts, starvation, its batch and the live search."""
    mr, lines = details.mr, []
    if details.position:
        lines.append(f"  queue position {details.position}")
    if mr.score_parts:
        lines.append(f"  score {mr.score_parts.text()}")
    if mr.waited:
        front = f" (to the front after more than {details.starve_after})" if details.starve_after else ""
        lines.append(f"  left out of {mr.waited} batch(es){front}")
    b = mr.bisection
    if b and b.position(mr.id):
        lines.append(f"  batch {b.batch}: #{b.position(mr.id)} of {len(b.order)}; {b.text()}")
    return lines
