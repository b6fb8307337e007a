"""The Ledger: every bead, dependency, label, comment and event, behind one API.

Reads and writes run as units of work (``Ledger.read(fn)`` / ``Ledger.write(verb, fn,
actor)``) so that a busy or lost database can be retried as a whole: a write unit is one
transaction and, on a Dolt backend, one Dolt commit inside it, whose message names the verb,
the actor and the beads it touched. ``fn`` gets a ``Session`` (reads.py) or a ``Tx``
(writes.py); connections and retries are in connections.py, the two databases in backends.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..addresses import default_actor
from ..errors import GtError
from .backends import Backend, backend_for
from .connections import Connections
from .reads import Session
from .urls import LedgerURL

if TYPE_CHECKING:
    from .writes import Tx  # imported by write(): a read-only process never loads it

T = TypeVar("T")
U = TypeVar("U", bound=Session)


class Ledger:
    """A connection to one ledger; safe to share between threads (one DB connection per thread)."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.connections = Connections(backend)

    @classmethod
    def open(cls, url: str, base: str | None = None) -> Ledger:
        return cls(backend_for(LedgerURL.parse(url, base)))

    @property
    def is_dolt(self) -> bool:
        return self.backend.is_dolt

    def describe(self) -> str:
        return self.backend.describe()

    def create(self) -> None:
        """Create the database (server) and the tables; safe to repeat."""
        if self.backend.dialect == "mysql":
            self.connections.retry(self.backend.create_database)
        self.connections.retry(lambda: self.backend.create_schema(self.connections.get(create=True)))

    def close(self) -> None:
        self.connections.close_all()

    # -- units of work ----------------------------------------------------
    def _unit(
        self,
        fn: Callable[[U], T],
        begin: Callable[[Any], None],
        make: Callable[[Any], U],
        commit_msg: Callable[[U], tuple[str, str] | None],
    ) -> T:
        def attempt() -> tuple[T, U]:
            conn = self.connections.get()
            cur = conn.cursor()
            try:
                begin(cur)
                unit = make(cur)
                result = fn(unit)
                msg = commit_msg(unit)
                if msg and self.backend.is_dolt:
                    self.backend.dolt_commit(cur, *msg)
                conn.commit()
                return result, unit
            except BaseException:
                try:
                    conn.rollback()
                except Exception:
                    self.connections.drop()
                raise

        result, unit = self.connections.retry(attempt)
        for callback in getattr(unit, "after", ()):  # a Tx's follow-ups
            with contextlib.suppress(GtError):  # the write stands; a failed follow-up (a nudge) is no error
                callback()
        return result

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` against one consistent view of the ledger."""
        return self._unit(fn, self.backend.begin_read, lambda cur: Session(self, cur), lambda session: None)

    def write(self, verb: str, fn: Callable[[Tx], T], actor: str | None = None) -> T:
        """Run ``fn(tx)`` as one transaction (and one Dolt commit). Retried whole on transient errors."""
        from .writes import Tx

        who = actor or default_actor()

        def message(tx: Tx) -> tuple[str, str] | None:
            if not tx.touched:
                return None
            shown = ", ".join(tx.touched[:20]) + (f" (+{len(tx.touched) - 20} more)" if len(tx.touched) > 20 else "")
            return f"gt {verb}: {shown} [by {who}]", who

        return self._unit(fn, self.backend.begin_write, lambda cur: Tx(self, cur, who), message)

    # -- read shortcuts -----------------------------------------------------
    def get(self, bead_id: str) -> dict[str, Any]:
        return self.read(lambda session: session.get(bead_id))

    def find(self, bead_id: str) -> dict[str, Any] | None:
        return self.read(lambda session: session.find(bead_id))

    def list_beads(self, **filters: Any) -> list[dict[str, Any]]:
        return self.read(lambda session: session.list_beads(**filters))

    def events_since(self, last_id: int, limit: int = 1000) -> list[dict[str, Any]]:
        return self.read(lambda session: session.events_since(last_id, limit))
