"""What the refinery writes when it has judged an MR — merged, failed, sent for rework — and the
protocol mail that tells the polecat or the witness. Each runs inside the caller's transaction."""

from __future__ import annotations

import contextlib
import dataclasses

from ... import addresses
from ...errors import InvalidInput
from ...fieldlines import with_fields
from .queue import get, set_state
from .records import UNLANDED_LABEL, Failure, GateRun, Landing, MergeRequest


def post(tx, message, to: str, fallback: str) -> list[str]:
    """Protocol mail; to ``fallback`` if the addressee no longer exists (a merge is never held up by mail)."""
    from ..protocol import post as post_message

    sender = addresses.refinery(message.rig)
    for address in dict.fromkeys((to, fallback)):
        if not address:
            continue
        with contextlib.suppress(InvalidInput):
            return post_message(tx, message, sender=sender, to=address)
    return []


def tell_polecat(tx, mr: MergeRequest, failure_type: str, error: str, output: str) -> list[str]:
    """MERGE_FAILED to the MR's polecat (to its witness when the polecat is gone)."""
    from ..protocol import MergeFailed

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
    return post(tx, message, mr.worker, addresses.witness(mr.rig))


def record_merged(
    tx, mr: MergeRequest, rig: str, target: str, merge_commit: str, run: GateRun | None, landing: Landing | None = None
) -> bool:
    """The MR is on its target: merged, MERGED to the witness (saying where it went: ``landing``), its
    source bead closed. False when it was already recorded (a recovered pass, a retried write)."""
    from ..convoys import close_beads
    from ..protocol import Merged

    current = get(tx, mr.id)
    if current.state == "merged":
        return False
    desc = with_fields(current.description, merge_commit=merge_commit)
    if run is not None:
        tx.set_metadata(mr.id, gates=dataclasses.replace(run, merge_commit=merge_commit).to_json())
    if landing is not None:
        note_landing(tx, mr.id, landing)
    set_state(tx, mr.id, "merged", description=desc, assignee=None)
    message = Merged(
        polecat=mr.polecat,
        branch=mr.branch,
        issue=mr.source,
        rig=rig,
        target=target,
        merged_at=tx.stamp,
        merge_commit=merge_commit,
        note=f"MR: {mr.id}" + (f"\n{landing.text()}" if landing else ""),
    )
    post(tx, message, addresses.witness(rig), "")
    if mr.source and tx.exists(mr.source):
        close_beads(tx, [mr.source], f"Merged in {mr.id}")
    return True


def note_landing(tx, mr_id: str, landing: Landing) -> None:
    """Where a merged MR went (metadata ``push``); labelled ``unlanded`` while it is a pull request or
    waits to be pushed, so the TUI's queue keeps showing it; a comment once it is out."""
    tx.set_metadata(mr_id, push=landing.to_json())
    if landing.state in ("pushed", "pr-closed"):
        tx.remove_label(mr_id, UNLANDED_LABEL)
    else:
        tx.add_label(mr_id, UNLANDED_LABEL)
    if landing.state in ("pushed", "pr", "pr-closed"):
        tx.add_comment(mr_id, landing.text())


def record_failed(tx, mr: MergeRequest, failure: Failure) -> None:
    """Its gates failed (or it could not be tried): failed, MERGE_FAILED to its polecat."""
    tx.set_metadata(mr.id, failure=failure.to_json())
    set_state(tx, mr.id, "failed", assignee=None)
    output = f"\n\n{failure.output}" if failure.output else ""
    tx.add_comment(mr.id, f"Attempt {mr.attempt}: MERGE_FAILED ({failure.type}): {failure.error}{output}")
    tell_polecat(tx, mr, failure.type, failure.error, failure.output)


def record_rework(tx, mr: MergeRequest, rig: str, target: str, files: list[str], error: str) -> None:
    """It conflicts with the target: rework, REWORK_REQUEST to its polecat."""
    from ..protocol import ReworkRequest

    tx.set_metadata(mr.id, conflict_files=files, failure=Failure("conflict", error, tx.stamp).to_json())
    set_state(tx, mr.id, "rework", assignee=None)
    where = ", ".join(files) or "(files not listed)"
    tx.add_comment(mr.id, f"Attempt {mr.attempt}: REWORK_REQUEST: conflicts with {target} in {where}")
    message = ReworkRequest(
        polecat=mr.polecat,
        branch=mr.branch,
        issue=mr.source,
        rig=rig,
        target=target,
        requested_at=tx.stamp,
        conflict_files=tuple(files),
        note=(
            f"MR: {mr.id}\n\nYour branch conflicts with {target}. Rebase it onto {target}, "
            f"resolve the conflicts, push, and submit again (gt done); or ask for: gt mq retry {mr.id}\n\n{error}"
        ),
    )
    post(tx, message, mr.worker, addresses.witness(rig))
