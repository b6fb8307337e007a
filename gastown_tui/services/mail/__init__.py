"""Mail between agents and the overseer: addressed, threaded messages, each one a bead.

Two ways in, one record (``Message``, built in records.py):

- the town's: ``send``, ``reply``, ``mark_read``, ``mark_unread``, ``archive``, ``claim`` and
  ``release`` take a ``Town`` and run in a write transaction of their own. The CLI and the TUI
  use only these.
- inside a caller's write: ``send_in`` (convoy landings; protocol mail from the refinery, the
  witness and polecats through ``protocol.post``; the demo's seed) and ``archive_in`` (the
  witness acknowledging its reports), so the mail commits, or not, with the rest of that write.

The readers — ``get_message``, ``messages``, ``inbox``, ``unread_count`` and ``thread`` — take
a town or an open session: the town view and the witness read mail inside a larger read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import addressing
from .mailbox import archive_in, claim_in, mark_read_in, mark_unread_in, release_in
from .records import (
    MESSAGE_COLUMNS,
    MESSAGE_LABEL,
    READ_LABEL,
    Message,
    get_message,
    inbox,
    mailbox_query,
    messages,
    thread,
    unread_count,
)
from .router import MESSAGE_TYPES, NUDGE_WINDOW, check_identity, new_thread, notify, reply_in, send_in

if TYPE_CHECKING:
    from ...town import Town

__all__ = [
    "MESSAGE_COLUMNS",
    "MESSAGE_LABEL",
    "MESSAGE_TYPES",
    "NUDGE_WINDOW",
    "READ_LABEL",
    "Message",
    "archive",
    "archive_in",
    "check_identity",
    "claim",
    "get_message",
    "inbox",
    "mailbox_query",
    "mark_read",
    "mark_unread",
    "messages",
    "new_thread",
    "notify",
    "release",
    "reply",
    "send",
    "send_in",
    "thread",
    "unread_count",
]


def send(
    town: Town,
    *,
    sender: str,
    to: str,
    subject: str,
    body: str = "",
    priority: int | str = 2,
    msg_type: str = "notification",
    prefix: str | None = None,
) -> list[Message]:
    """Send one message to every mailbox ``to`` reaches (lists from the town's ``[mail.lists]``);
    returns the messages, one per recipient. See ``send_in`` for the fields and ``prefix``."""
    lists = town.config.mail.lists if addressing.uses_lists(to) else None

    def write(tx) -> list[Message]:
        ids = send_in(
            tx,
            sender=sender,
            to=to,
            subject=subject,
            body=body,
            priority=priority,
            msg_type=msg_type,
            lists=lists,
            prefix=prefix,
        )
        return messages(tx, ids)

    return town.ledger.write("mail send", write)


def reply(town: Town, message_id: str, *, sender: str, body: str, subject: str | None = None) -> Message:
    """Answer a message: to its sender, in its thread, ``Re:`` its subject unless ``subject`` is given."""
    return town.ledger.write(
        "mail reply",
        lambda tx: get_message(tx, reply_in(tx, message_id, sender=sender, body=body, subject=subject)),
    )


def mark_read(town: Town, message_id: str) -> Message:
    return town.ledger.write("mail read", lambda tx: mark_read_in(tx, message_id))


def mark_unread(town: Town, message_id: str) -> Message:
    return town.ledger.write("mail unread", lambda tx: mark_unread_in(tx, message_id))


def archive(town: Town, message_id: str) -> Message:
    """Close the message: it leaves the inbox, its thread keeps it."""
    return town.ledger.write("mail archive", lambda tx: archive_in(tx, message_id))


def claim(town: Town, queue: str, worker: str) -> Message:
    """The first unclaimed message of ``queue`` (priority, then age), now ``worker``'s."""
    return town.ledger.write("mail claim", lambda tx: claim_in(tx, queue, worker))


def release(town: Town, message_id: str, worker: str) -> Message:
    """Put a claimed queue message back (its claimer, or the overseer for a dead worker's)."""
    return town.ledger.write("mail release", lambda tx: release_in(tx, message_id, worker))
