"""Where a reader reads: in the town's ledger (its own read), or in a session the caller holds open.

Mail, convoys and molecules have one reader per record, and ``read(where, fn)`` lets it serve
both kinds of caller: the CLI and the TUI pass the ``Town``; a larger read (the town view, a
witness patrol) or a write that checks what it is about to change passes its open session or
transaction, so the record comes from the same consistent picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..ledger import Session

if TYPE_CHECKING:
    from ..town import Town

T = TypeVar("T")


def read(where: Town | Session, fn: Callable[[Session], T]) -> T:
    """``fn`` on ``where`` if it is an open session (or transaction), else in a read of the town's ledger."""
    if isinstance(where, Session):
        return fn(where)
    return where.ledger.read(fn)
