"""``gt mail …``: send, read, reply to and archive mail; claim and release queue work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.mail import Message

_PRIORITIES = {"urgent": "0", "high": "1", "normal": "2", "low": "3", "backlog": "4"}


def register(sub, common) -> None:
    mail = add_group(sub, "mail", "messages between agents and the overseer")

    p = add_verb(mail, common, "send", send, "send a message to an address, group, list or queue")
    p.add_argument("address", help="e.g. gastown/witness, gastown/polecats/nux, @town, queue:work, overseer")
    p.add_argument("-s", "--subject", required=True)
    p.add_argument("-m", "--message", default="", help="the body")
    p.add_argument("--priority", default="2", help="0 (urgent) to 4, or urgent/high/normal/low")
    p.add_argument("--type", default="notification", dest="msg_type", help="task, escalation, notification, ...")

    p = add_verb(mail, common, "inbox", inbox, "list a mailbox (default: yours, from GT_ACTOR, else overseer)")
    p.add_argument("address", nargs="?")
    p.add_argument("--unread", action="store_true", help="only unread mail")
    p.add_argument("--limit", type=int)

    p = add_verb(mail, common, "read", read, "show a message and mark it read")
    p.add_argument("id")

    p = add_verb(mail, common, "reply", reply, "answer a message: to its sender, in its thread")
    p.add_argument("id")
    p.add_argument("-m", "--message", required=True, help="the body")
    p.add_argument("-s", "--subject", help="default: Re: the original subject")

    p = add_verb(mail, common, "thread", thread, "every message of a message's thread, oldest first")
    p.add_argument("id")

    p = add_verb(mail, common, "unread", unread, "mark a message unread again")
    p.add_argument("id")

    p = add_verb(mail, common, "archive", archive, "archive a message (it leaves the inbox)")
    p.add_argument("id")

    p = add_verb(mail, common, "claim", claim, "claim the next message of a queue for yourself")
    p.add_argument("queue", help="queue:NAME or NAME")

    p = add_verb(mail, common, "release", release, "put a claimed queue message back")
    p.add_argument("id")


def _line(m: Message) -> str:
    mark = " " if m.read else "●"
    claimed = f"  [claimed by {m.claimed_by}]" if m.claimed_by else ""
    return f"{mark} {m.id:<12} P{m.priority} {m.created_at}  {m.sender:<24} {m.subject}{claimed}"


def _full(m: Message) -> str:
    head = [
        f"{m.id}  {m.subject}",
        f"  from {m.sender}  to {m.to}  P{m.priority}  {m.msg_type}  {m.created_at}",
        f"  {m.thread}" + (f"  reply to {m.reply_to}" if m.reply_to else ""),
    ]
    if m.claimed_by:
        head.append(f"  claimed by {m.claimed_by} at {m.claimed_at}")
    return "\n".join(head) + (f"\n\n{m.body}" if m.body else "")


def _emit_one(ctx, message: Message) -> None:
    ctx.emit(message.as_json(), lambda: _full(message))


def _emit_many(ctx, messages: list[Message], empty: str) -> None:
    ctx.emit([m.as_json() for m in messages], lambda: "\n".join(_line(m) for m in messages) or empty)


def send(ctx) -> None:
    from ..addresses import default_actor
    from ..services import mail

    a = ctx.args
    messages = mail.send(
        ctx.town,
        sender=default_actor(),
        to=a.address,
        subject=a.subject,
        body=a.message,
        priority=_PRIORITIES.get(a.priority, a.priority),
        msg_type=a.msg_type,
        prefix=ctx.town.prefix,
    )
    ctx.emit([m.as_json() for m in messages], lambda: "\n".join(f"sent {m.id} to {m.to}" for m in messages))


def inbox(ctx) -> None:
    from ..addresses import default_actor
    from ..services import addressing, mail

    a = ctx.args
    who = addressing.resolve_mailbox(ctx.town, a.address) if a.address else default_actor()
    _emit_many(ctx, mail.inbox(ctx.town, who, unread=a.unread, limit=a.limit), "no mail")


def read(ctx) -> None:
    from ..services import mail

    _emit_one(ctx, mail.mark_read(ctx.town, ctx.args.id))


def reply(ctx) -> None:
    from ..addresses import default_actor
    from ..services import mail

    a = ctx.args
    _emit_one(ctx, mail.reply(ctx.town, a.id, sender=default_actor(), body=a.message, subject=a.subject))


def thread(ctx) -> None:
    from ..services import mail

    _emit_many(ctx, mail.thread(ctx.town, ctx.args.id), "empty thread")


def unread(ctx) -> None:
    from ..services import mail

    _emit_one(ctx, mail.mark_unread(ctx.town, ctx.args.id))


def archive(ctx) -> None:
    from ..services import mail

    _emit_one(ctx, mail.archive(ctx.town, ctx.args.id))


def claim(ctx) -> None:
    from ..addresses import default_actor
    from ..services import mail

    _emit_one(ctx, mail.claim(ctx.town, ctx.args.queue, default_actor()))


def release(ctx) -> None:
    from ..addresses import default_actor
    from ..services import mail

    _emit_one(ctx, mail.release(ctx.town, ctx.args.id, default_actor()))
