"""The overseer's inbox: unread first marker, sender, subject, type and age."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text

from .. import actions
from .ages import age
from .keyed_table import Column, KeyedTable

if TYPE_CHECKING:  # the services load in the first ledger read's worker, not before the first paint
    from ...services.mail import Message
    from ...services.townview import TownSnapshot


class MailInbox(actions.ScreenActions, KeyedTable):
    BINDINGS = actions.bindings("mail")
    COLUMNS = (
        Column("Message", 12),
        Column(" ", 1),
        Column("From", 16, drop=1),
        Column("Subject", 16, flex=True),
        Column("Type", 12, drop=3),
        Column("Age", 4, drop=2),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.messages: dict[str, Message] = {}

    @property
    def selected(self) -> Message | None:
        key = self.selected_key
        return self.messages.get(key) if key else None

    def show(self, snapshot: TownSnapshot, now: dt.datetime) -> None:
        self.messages = {m.id: m for m in snapshot.inbox}
        self.sync({m.id: self._cells(m, now) for m in snapshot.inbox})
        self.border_subtitle = f"{snapshot.unread} unread of {len(snapshot.inbox)}{self.filter_note}"

    def tick(self, now: dt.datetime) -> None:
        self.refresh_column("Age", lambda key: age(self.messages[key].created_at, now))

    def _cells(self, message: Message, now: dt.datetime) -> tuple:
        weight = "" if message.read else "bold"
        return (
            Text(message.id, style=weight),
            "" if message.read else "●",
            message.sender,
            Text(message.subject, style=weight),
            message.msg_type,
            age(message.created_at, now),
        )
