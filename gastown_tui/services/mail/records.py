"""A message as a record, and the readers: one mailbox, one thread, one message.

Storage follows Gas Town: a message is a bead of type ``message`` labelled
``gt:message``; title = subject, description = body, assignee = the recipient's
address (one bead per recipient of a group or list). Sender, type, thread and
reply-to ride on labels (``from:``, ``msg-type:``, ``thread:``, ``reply-to:``); read
state is the ``read`` label; archiving closes the bead; a claimed queue message has
``claimed-by:``/``claimed-at:`` labels. ``Message`` is built from those rows here only.

Every reader takes a town (it reads on its own) or an open session (it reads inside the
caller's read or write): see ``services.scope``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...display import JsonObject
from ...errors import InvalidInput
from ...ledger.fields import instant
from ...ledger.reads import Row
from .. import scope

if TYPE_CHECKING:
    from ...ledger import Session
    from ...town import Town

MESSAGE_LABEL = "gt:message"
READ_LABEL = "read"

# The columns a message uses, and its labels in one string (labels hold no commas): a listing is one query.
MESSAGE_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "issue_type",
    "assignee",
    "sender",
    "created_at",
    "created_by",
    "updated_at",
    "closed_at",
    "close_reason",
)
# Times have second precision, and imported ones mixed UTC offsets: a message's place in time is the
# instant its created_at names, then its first event's place in the feed (``sent_seq``), then its id (``sent_order``).
SENT_SEQ = "(SELECT MIN(f.seq) FROM gt_feed f WHERE f.issue_id = gt_issues.id) AS sent_seq"
_COLS = (
    ", ".join(MESSAGE_COLUMNS)
    + ", (SELECT GROUP_CONCAT(l.label) FROM gt_labels l WHERE l.issue_id = gt_issues.id) AS label_list, "
    + SENT_SEQ
)
# Ours have issue_type message; Gas Town's only the label. The OR also keeps MariaDB from turning the
# label test into a semi-join led by the label index: the assignee index must lead an inbox query.
_IS_MESSAGE = (
    "(issue_type = 'message' OR EXISTS (SELECT 1 FROM gt_labels m"
    f" WHERE m.issue_id = gt_issues.id AND m.label = '{MESSAGE_LABEL}'))"
)
_IS_UNREAD = f"NOT EXISTS (SELECT 1 FROM gt_labels r WHERE r.issue_id = gt_issues.id AND r.label = '{READ_LABEL}')"


@dataclass(frozen=True)
class Message:
    """One message bead, with what its labels say decoded."""

    id: str
    sender: str
    to: str
    subject: str
    body: str
    priority: int
    msg_type: str
    thread: str
    reply_to: str
    read: bool
    archived: bool
    claimed_by: str
    claimed_at: str
    created_at: str
    labels: tuple[str, ...]
    bead: Row = field(repr=False, compare=False)

    @classmethod
    def from_bead(cls, bead: Row, labels: Iterable[str]) -> Message:
        labels = tuple(labels)

        def tag(prefix: str) -> str:
            return next((label[len(prefix) :] for label in labels if label.startswith(prefix)), "")

        archived = bead["status"] == "closed"
        return cls(
            id=bead["id"],
            sender=tag("from:") or bead.get("sender") or bead.get("created_by") or "",
            to=bead.get("assignee") or "",
            subject=bead["title"],
            body=bead.get("description") or "",
            priority=int(bead["priority"]),
            msg_type=tag("msg-type:") or "notification",
            thread=tag("thread:"),
            reply_to=tag("reply-to:"),
            read=archived or READ_LABEL in labels,
            archived=archived,
            claimed_by=tag("claimed-by:"),
            claimed_at=tag("claimed-at:"),
            created_at=bead.get("created_at") or "",
            labels=labels,
            bead=bead,
        )

    def as_json(self) -> JsonObject:
        """The bead's columns, its labels, and the decoded mail fields."""
        return {
            **self.bead,
            "labels": list(self.labels),
            "from": self.sender,
            "to": self.to,
            "msg_type": self.msg_type,
            "thread": self.thread,
            "reply_to": self.reply_to,
            "read": self.read,
            "archived": self.archived,
            "claimed_by": self.claimed_by,
            "claimed_at": self.claimed_at,
        }


def get_message(where: Town | Session, message_id: str) -> Message:
    """One message; NotFound if there is no such bead, InvalidInput if it is not mail."""
    return scope.read(where, lambda s: _get(s, message_id))


def messages(where: Town | Session, message_ids: Sequence[str]) -> list[Message]:
    """The messages among ``message_ids`` (other ids are left out), in the order they were sent."""
    if not message_ids:
        return []
    marks = ", ".join("?" * len(message_ids))
    sql = f"SELECT {_COLS} FROM gt_issues WHERE id IN ({marks}) AND {_IS_MESSAGE}"
    return scope.read(where, lambda s: _messages(s, sql, message_ids))


def inbox(where: Town | Session, address: str, *, unread: bool = False, limit: int | None = None) -> list[Message]:
    """Mail in ``address``'s mailbox (not archived), newest first; ``unread`` leaves out read mail."""
    found = scope.read(where, lambda s: _messages(s, mailbox_query(unread=unread), (address,), newest_first=True))
    return found[:limit] if limit else found


def unread_count(where: Town | Session, address: str) -> int:
    sql = mailbox_query("COUNT(*)", unread=True)
    return scope.read(where, lambda s: int(s.scalar(sql, (address,)) or 0))


def thread(where: Town | Session, message_id: str) -> list[Message]:
    """Every message of ``message_id``'s thread, archived ones too, oldest first."""

    def read(s) -> list[Message]:
        label = "thread:" + _get(s, message_id).thread
        return _messages(
            s,
            f"SELECT {_COLS} FROM gt_issues WHERE id IN (SELECT issue_id FROM gt_labels WHERE label = ?)",
            (label,),
        )

    return scope.read(where, read)


def mailbox_query(columns: str = _COLS, *, unread: bool = False) -> str:
    """SQL selecting ``columns`` of one mailbox's mail (not archived); its one ``?`` is the address.

    Led by the assignee index (``status <> 'closed'`` is deliberately not indexable).
    """
    sql = f"SELECT {columns} FROM gt_issues WHERE assignee = ? AND status <> 'closed' AND {_IS_MESSAGE}"
    return sql + (f" AND {_IS_UNREAD}" if unread else "")


def _get(session, message_id: str) -> Message:
    found = _messages(session, f"SELECT {_COLS} FROM gt_issues WHERE id = ?", (message_id,))
    if not found:
        session.get(message_id)  # raises NotFound (InvalidInput for a malformed id)
    message = found[0]
    if MESSAGE_LABEL not in message.labels and message.bead["issue_type"] != "message":
        raise InvalidInput(
            f"{message_id} is a {message.bead['issue_type']} bead, not a message", "list mail with: gt mail inbox"
        )
    return message


def sent_order(row: Row) -> tuple[float, int, str]:
    """The sort key of a message row (``created_at``, ``sent_seq``, ``id``): when it was sent."""
    seq = row["sent_seq"]
    return instant(row["created_at"]), -1 if seq is None else int(seq), row["id"]


def _messages(session, sql: str, params: Sequence[Any], newest_first: bool = False) -> list[Message]:
    """The messages of ``sql``'s rows, oldest first (or newest first)."""
    out = []
    for row in sorted(session.rows(sql, params), key=sent_order, reverse=newest_first):
        del row["sent_seq"]
        labels = sorted(label for label in (row.pop("label_list") or "").split(",") if label)
        out.append(Message.from_bead(row, labels))
    return out
