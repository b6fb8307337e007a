"""The refinery: each rig's merge queue, Bors style — batch, gate the stack and its prefixes at once,
land the longest green prefix, search the rest when red.

Merge-request beads come from ``gt done`` (label ``gt:merge-request``; description fields branch,
target, source_issue, rig, commit_sha, worker, agent_bead). Queue state lives in the ledger, one
``mr:STATE`` label per MR bead (no label = pending)::

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

Modules: ``records`` (the typed MergeRequest, built in one place), ``score`` (queue order),
``queue`` (THE reader of the queue, and ``set_state``), ``batch`` (pre-check and claim a batch,
build and gate its stacks), ``search`` (which stacks to gate at once, what lands, whom to convict),
``trace`` (gate runs and the live search, noted on each MR),
``gates`` (gate processes), ``engine`` (a pass over a rig), ``verdicts`` (what a pass writes),
``verbs`` (approve / reject / retry / show / diff), ``render`` (``gt mq show``'s text), ``repo``
(the rig's git). This package re-exports the API the CLI, the TUI, the daemon and the witness use.
"""

from .batch import CRASH_ENV
from .engine import LEASE_SECONDS, PassSummary, run_forever, run_once
from .gates import run_gate
from .queue import (
    QueueRow,
    for_source,
    get,
    list_queue,
    open_for_source,
    queue_rows,
    read_queue,
    set_state,
    submit,
)
from .records import (
    LABEL,
    STATE_PREFIX,
    STATUS_OF,
    UNLANDED_LABEL,
    Diffstat,
    Failure,
    GateResult,
    GateRun,
    MergeRequest,
)
from .render import Commit, Details, diffstat_text, render_details
from .verbs import approve, details, diff, reject, retry, show, target_log

__all__ = [
    "CRASH_ENV",
    "LABEL",
    "LEASE_SECONDS",
    "STATE_PREFIX",
    "STATUS_OF",
    "UNLANDED_LABEL",
    "Commit",
    "Details",
    "Diffstat",
    "Failure",
    "GateResult",
    "GateRun",
    "MergeRequest",
    "PassSummary",
    "QueueRow",
    "approve",
    "details",
    "diff",
    "diffstat_text",
    "for_source",
    "get",
    "list_queue",
    "open_for_source",
    "queue_rows",
    "read_queue",
    "reject",
    "render_details",
    "retry",
    "run_forever",
    "run_gate",
    "run_once",
    "set_state",
    "show",
    "submit",
    "target_log",
]
