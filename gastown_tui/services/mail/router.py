"""Sending mail: one bead per mailbox an address reaches, then a nudge into live sessions.

``send_in`` and ``reply_in`` write inside the caller's transaction (the refinery, the witness
and convoy landings mail as part of their own writes); the package's ``send`` and ``reply``
are the same with a transaction of their own. Once a send commits, each recipient with a
live tmux session is nudged (``notify``), once per burst.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from ...errors import GtError, InvalidInput
from ...ledger import fields
from .. import addressing
from .records import MESSAGE_LABEL, Message, get_message, inbox, messages

MESSAGE_TYPES = ("task", "escalation", "scavenge", "notification", "reply")
# A recipient nudged this recently, with that mail still unread, is not nudged again.
NUDGE_WINDOW = 5.0


def new_thread() -> str:
    return "thread-" + secrets.token_hex(6)


def check_identity(who: str, what: str = "sender") -> str:
    """A sender or worker becomes a label: it must be non-empty, without spaces or commas."""
    if not who or any(ch.isspace() or ch == "," for ch in who) or len(who) > 200:
        raise InvalidInput(
            f"bad {what} {who!r}", "identities are addresses such as gastown/polecats/nux (see GT_ACTOR)"
        )
    return who


def send_in(
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


def reply_in(tx, message_id: str, *, sender: str, body: str, subject: str | None = None) -> str:
    """Answer a message: to its sender, same thread, ``Re:`` subject. Returns the new id."""
    original = get_message(tx, message_id)
    if subject is None:
        subject = original.subject if original.subject.lower().startswith("re:") else f"Re: {original.subject}"
    return send_in(
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
        from ...town import town_tmux

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
    by_recipient: dict[str, list[Message]] = {}
    for message in messages(session, message_ids):
        if not message.read and message.to != message.sender and not addressing.is_queue(message.to):
            by_recipient.setdefault(message.to, []).append(message)
    plans = {}
    for address, unread in by_recipient.items():
        # an agent waiting for a person is not typed into (it would answer the question): its mail waits
        name = addressing.session_for(session, address, unless_waiting=True)
        if name:
            first = unread[0]
            more = f" (+{len(unread) - 1} more)" if len(unread) > 1 else ""
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
