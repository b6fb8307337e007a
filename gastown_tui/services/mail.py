"""The mail router: addressed, threaded messages between agents and the overseer.

Storage follows Gas Town: a message is a bead of type ``message`` labelled
``gt:message``; title = subject, description = body, assignee = the recipient's
address (one bead per recipient of a group or list). Sender, type, thread and
reply-to ride on labels (``from:``, ``msg-type:``, ``thread:``, ``reply-to:``); read
state is the ``read`` label; archiving closes the bead. A queue message stays
assigned to ``queue:NAME`` and is claimed with ``claimed-by:``/``claimed-at:``
labels: the claim runs in one write transaction (one writer at a time on both
backends), so two workers never get the same message.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import addresses
from ..errors import Conflict, GtError, InvalidInput, NotFound
from ..ledger import fields
from . import addressing

MESSAGE_TYPES = ("task", "escalation", "scavenge", "notification", "reply")
MESSAGE_LABEL = "gt:message"
READ_LABEL = "read"
# A recipient nudged this recently, with that mail still unread, is not nudged again.
NUDGE_WINDOW = 5.0

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
_COLS = (
    ", ".join(MESSAGE_COLUMNS)
    + ", (SELECT GROUP_CONCAT(l.label) FROM labels l WHERE l.issue_id = issues.id) AS label_list"
)
# Ours have issue_type message; Gas Town's only the label. The OR also keeps MariaDB from turning the
# label test into a semi-join led by the label index: the assignee index must lead an inbox query.
_IS_MESSAGE = (
    "(issue_type = 'message' OR EXISTS (SELECT 1 FROM labels m"
    f" WHERE m.issue_id = issues.id AND m.label = '{MESSAGE_LABEL}'))"
)
_IS_UNREAD = f"NOT EXISTS (SELECT 1 FROM labels r WHERE r.issue_id = issues.id AND r.label = '{READ_LABEL}')"
# Timestamps have second precision; a bead's first event id orders messages sent within one second.
_SEQ = "(SELECT MIN(e.id) FROM events e WHERE e.issue_id = issues.id)"


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
    bead: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_bead(cls, bead: dict[str, Any], labels: Iterable[str]) -> Message:
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

    def as_json(self) -> dict[str, Any]:
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


def new_thread() -> str:
    return "thread-" + secrets.token_hex(6)


def check_identity(who: str, what: str = "sender") -> str:
    """A sender or worker becomes a label: it must be non-empty, without spaces or commas."""
    if not who or any(ch.isspace() or ch == "," for ch in who) or len(who) > 200:
        raise InvalidInput(
            f"bad {what} {who!r}", "identities are addresses such as gastown/polecats/nux (see GT_ACTOR)"
        )
    return who


def send(
    tx,
    *,
    sender: str,
    to: str,
    subject: str,
    body: str = "",
    priority: int | str = 2,
    msg_type: str = "notification",
    thread: str | None = None,
    reply_to: str | None = None,
    lists: Mapping[str, Sequence[str]] | None = None,
    prefix: str | None = None,
) -> list[str]:
    """Deliver one message to every mailbox ``to`` reaches, inside the caller's write transaction;
    once it commits, recipients with a live session get a nudge (``notify``).

    Returns the new message ids (one per recipient). A reply (``reply_to``) joins the
    thread of the message it answers. Ids use ``prefix``, default the ledger's issue
    prefix (a town's ``hq``). Raises InvalidInput, before writing anything, for an
    unknown address or a bad field.
    """
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidInput("a message needs a subject", "give one with -s SUBJECT")
    if len(subject) > 500:
        raise InvalidInput("subject is longer than 500 characters", "put the detail in the body (-m)")
    if msg_type not in MESSAGE_TYPES:
        raise InvalidInput(f"unknown message type {msg_type!r}", "use one of: " + ", ".join(MESSAGE_TYPES))
    priority = fields.check_priority(priority)
    check_identity(sender)
    recipients = addressing.resolve(tx, to, lists=lists, sender=sender)
    if reply_to:
        thread = thread or get_message(tx, reply_to).thread
    thread = thread or new_thread()
    labels = [MESSAGE_LABEL, f"from:{sender}", f"msg-type:{msg_type}", f"thread:{thread}"]
    if reply_to:
        labels.append(f"reply-to:{reply_to}")
    if msg_type == "escalation":
        labels.append("gt:escalation")
    ids = [
        tx.create(
            subject,
            prefix=prefix,
            labels=labels + ([recipient] if addressing.is_queue(recipient) else []),
            issue_type="message",
            description=body or "",
            assignee=recipient,
            priority=priority,
            sender=sender,
            created_by=sender,
        )
        for recipient in recipients
    ]
    tx.after_commit(lambda: notify(tx.ledger, ids))
    return ids


def reply(tx, message_id: str, *, sender: str, body: str, subject: str | None = None) -> str:
    """Answer a message: to its sender, same thread, ``Re:`` subject. Returns the new id."""
    original = get_message(tx, message_id)
    if subject is None:
        subject = original.subject if original.subject.lower().startswith("re:") else f"Re: {original.subject}"
    return send(
        tx,
        sender=sender,
        to=original.sender,
        subject=subject,
        body=body,
        priority=original.priority,
        msg_type="reply",
        thread=original.thread,
        reply_to=message_id,
    )[0]


def get_message(session, message_id: str) -> Message:
    found = _messages(session, f"SELECT {_COLS} FROM issues WHERE id = ?", (message_id,))
    if not found:
        session.get(message_id)  # raises NotFound (InvalidInput for a malformed id)
    message = found[0]
    if MESSAGE_LABEL not in message.labels and message.bead["issue_type"] != "message":
        raise InvalidInput(
            f"{message_id} is a {message.bead['issue_type']} bead, not a message", "list mail with: gt mail inbox"
        )
    return message


def _messages(session, sql: str, params: Sequence[Any]) -> list[Message]:
    out = []
    for row in session.rows(sql, params):
        labels = sorted(label for label in (row.pop("label_list") or "").split(",") if label)
        out.append(Message.from_bead(row, labels))
    return out


def mailbox_query(columns: str = _COLS, *, unread: bool = False) -> str:
    """SQL selecting ``columns`` of one mailbox's mail (not archived); its one ``?`` is the address.

    Led by the assignee index (``status <> 'closed'`` is deliberately not indexable).
    """
    sql = f"SELECT {columns} FROM issues WHERE assignee = ? AND status <> 'closed' AND {_IS_MESSAGE}"
    return sql + (f" AND {_IS_UNREAD}" if unread else "")


def inbox(session, address: str, *, unread: bool = False, limit: int | None = None) -> list[Message]:
    """Mail in ``address``'s mailbox (not archived), newest first; ``unread`` leaves out read mail."""
    sql = mailbox_query(unread=unread) + f" ORDER BY created_at DESC, {_SEQ} DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _messages(session, sql, (address,))


def unread_count(session, address: str) -> int:
    return int(session.scalar(mailbox_query("COUNT(*)", unread=True), (address,)) or 0)


def thread(session, message_id: str) -> list[Message]:
    """Every message of ``message_id``'s thread, archived ones too, oldest first."""
    label = "thread:" + get_message(session, message_id).thread
    return _messages(
        session,
        f"SELECT {_COLS} FROM issues WHERE id IN (SELECT issue_id FROM labels WHERE label = ?)"
        f" ORDER BY created_at, {_SEQ}",
        (label,),
    )


def mark_read(tx, message_id: str) -> Message:
    get_message(tx, message_id)
    tx.add_label(message_id, READ_LABEL)
    return get_message(tx, message_id)


def mark_unread(tx, message_id: str) -> Message:
    get_message(tx, message_id)
    tx.remove_label(message_id, READ_LABEL)
    return get_message(tx, message_id)


def archive(tx, message_id: str) -> Message:
    """Close the message (it leaves the inbox; its thread keeps it)."""
    if not get_message(tx, message_id).archived:
        tx.close(message_id, "archived")
    return get_message(tx, message_id)


def claim(tx, queue: str, worker: str) -> Message:
    """Take the first unclaimed message of ``queue`` (priority, then age) for ``worker``.

    Safe under concurrency because the select and the labelling happen in one write
    transaction, and the ledger admits one writer at a time.
    """
    check_identity(worker, "worker")
    address = addressing.queue_address(queue)
    row = tx.row(
        mailbox_query("id")
        + " AND NOT EXISTS (SELECT 1 FROM labels c WHERE c.issue_id = issues.id AND c.label LIKE 'claimed-by:%')"
        f" ORDER BY priority, created_at, {_SEQ} LIMIT 1",
        (address,),
    )
    if row is None:
        raise NotFound(f"{address} has no unclaimed messages", f"send work there with: gt mail send {address} -s ...")
    tx.add_label(row["id"], f"claimed-by:{worker}")
    tx.add_label(row["id"], f"claimed-at:{tx.stamp}")
    return get_message(tx, row["id"])


def release(tx, message_id: str, worker: str) -> Message:
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


def notify(ledger, message_ids: Sequence[str], *, tmux=None, window: float = NUDGE_WINDOW) -> list[str]:
    """After commit: nudge each recipient whose tmux session is live, once per burst.

    The nudge is "mail from X: subject" typed into the session (literal send-keys).
    A recipient nudged within ``window`` seconds who still has other unread mail is
    skipped: the earlier nudge covers this mail too. The decision is a lease row per
    recipient taken in one write, so concurrent senders nudge once between them.
    Returns the addresses nudged. Tmux trouble never fails the send.
    """
    if not message_ids:
        return []
    wanted = ledger.read(lambda s: _nudge_candidates(s, message_ids))
    if not wanted:
        return []
    if tmux is None:
        from ..town import town_tmux

        tmux = town_tmux(ledger)
    try:
        live = set(tmux.activity())
    except GtError:
        return []
    wanted = {addr: plan for addr, plan in wanted.items() if plan[0] in live}
    if not wanted:
        return []
    chosen = ledger.write("mail nudge", lambda tx: _take_nudges(tx, wanted, set(message_ids), window))
    done = []
    for address in chosen:
        session, text = wanted[address]
        try:
            tmux.send_text(session, text)
        except GtError:
            continue
        done.append(address)
    return done


def _nudge_candidates(session, message_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """recipient → (tmux session, nudge text) for the unread messages among ``message_ids``."""
    marks = ", ".join("?" * len(message_ids))
    found = _messages(session, f"SELECT {_COLS} FROM issues WHERE id IN ({marks}) ORDER BY {_SEQ}", message_ids)
    by_recipient: dict[str, list[Message]] = {}
    for message in found:
        if not message.read and message.to != message.sender and not addressing.is_queue(message.to):
            by_recipient.setdefault(message.to, []).append(message)
    plans = {}
    for address, messages in by_recipient.items():
        name = addressing.session_for(session, address)
        if name:
            first = messages[0]
            more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
            plans[address] = (name, f"mail from {first.sender}: {first.subject[:120]}{more}")
    return plans


def _take_nudges(tx, wanted: Mapping[str, tuple[str, str]], batch: set[str], window: float) -> list[str]:
    holder = secrets.token_hex(8)
    chosen = []
    for address in wanted:
        lease = f"mail-nudge:{address}"
        current = tx.lease_holder(lease)
        if current and current["expires_at"] > tx.stamp and _unread_besides(tx, address, batch):
            continue
        if current:
            tx.release_lease(lease, current["holder"])
        tx.take_lease(lease, holder, window)
        chosen.append(address)
    return chosen


def _unread_besides(session, address: str, batch: set[str]) -> bool:
    ids = {m.id for m in inbox(session, address, unread=True, limit=len(batch) + 1)}
    return bool(ids - batch)
