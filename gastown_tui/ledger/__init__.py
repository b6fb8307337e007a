"""The Beads ledger on Dolt: one API over an embedded doltlite file or a MySQL-wire server."""

from .ledger import Ledger, Session, Tx, default_actor, load_metadata

__all__ = ["Ledger", "Session", "Tx", "default_actor", "load_metadata"]
