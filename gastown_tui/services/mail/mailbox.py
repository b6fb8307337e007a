"""What a recipient does with mail, inside the caller's write: mark it read or unread, archive it,
claim a queue message and release it. The package's town-level functions of the same names
run these in a transaction of their own; the witness archives its reports with ``archive_in``
as part of its patrol.

A queue message stays assigned to ``queue:NAME`` and is claimed with ``claimed-by:``/
``claimed-at:`` labels: the claim runs in one write transaction (one writer at a time on both
backends), so two workers never get the same message.
"""

from __future__ import annotations

from ... import addresses
from ...errors import Conflict, InvalidInput, NotFound
from .. import addressing
from .records import READ_LABEL, SENT_SEQ, Message, get_message, mailbox_query, sent_order
from .router import check_identity


def mark_read_in(tx, message_id: str) -> Message:
    get_message(tx, message_id)
    tx.add_label(message_id, READ_LABEL)
    return get_message(tx, message_id)


def mark_unread_in(tx, message_id: str) -> Message:
    get_message(tx, message_id)
    tx.remove_label(message_id, READ_LABEL)
    return get_message(tx, message_id)


def archive_in(tx, message_id: str) -> Message:
    """Close the message (it leaves the inbox; its thread keeps it)."""
    if not get_message(tx, message_id).archived:
        tx.close(message_id, "archived")
    return get_message(tx, message_id)


def claim_in(tx, queue: str, worker: str) -> Message:
    """Take the first unclaimed message of ``queue`` (priority, then age) for ``worker``.

    Safe under concurrency because the select and the labelling happen in one write
    transaction, and the ledger admits one writer at a time.
    """
    check_identity(worker, "worker")
    address = addressing.queue_address(queue)
    unclaimed = tx.rows(
        mailbox_query(f"id, priority, created_at, {SENT_SEQ}")
        + " AND NOT EXISTS (SELECT 1 FROM gt_labels c WHERE c.issue_id = gt_issues.id AND c.label LIKE 'claimed-by:%')",
        (address,),
    )
    row = min(unclaimed, key=lambda r: (r["priority"], sent_order(r)), default=None)
    if row is None:
        raise NotFound(f"{address} has no unclaimed messages", f"send work there with: gt mail send {address} -s ...")
    tx.add_label(row["id"], f"claimed-by:{worker}")
    tx.add_label(row["id"], f"claimed-at:{tx.stamp}")
    return get_message(tx, row["id"])


def release_in(tx, message_id: str, worker: str) -> Message:
    """Put a claimed queue message back. Only its claimer may, or the overseer (to free a dead worker's)."""
    message = get_message(tx, message_id)
    if not addressing.is_queue(message.to):
        raise InvalidInput(f"{message_id} is not a queue message", "only messages sent to queue:NAME are claimed")
    if not message.claimed_by:
        raise Conflict(f"{message_id} is not claimed", f"claim it with: gt mail claim {message.to}")
    if worker not in (message.claimed_by, addresses.OVERSEER):
        raise Conflict(
            f"{message_id} is claimed by {message.claimed_by}, not {worker}",
            "only the claimer (or the overseer) can release it",
        )
    for label in message.labels:
        if label.startswith(("claimed-by:", "claimed-at:")) or label == READ_LABEL:
            tx.remove_label(message_id, label)
    return get_message(tx, message_id)
