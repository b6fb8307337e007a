"""The Beads ledger on Dolt: one API over an embedded doltlite file or a MySQL-wire server.

``Ledger`` (ledger.py) runs units of work: a ``Session`` reads (reads.py), a ``Tx`` writes
(writes.py). ``default_actor`` lives in ``gastown_tui.addresses`` and ``load_metadata`` in
``fields``; both stay importable from here. ``Tx`` is imported on first use: a process that
only reads (``gt bead list``) does not load the write machinery.
"""

from typing import TYPE_CHECKING, Any

from ..addresses import default_actor
from .fields import load_metadata
from .ledger import Ledger
from .reads import Row, Session

if TYPE_CHECKING:
    from .writes import Tx

__all__ = ["Ledger", "Row", "Session", "Tx", "default_actor", "load_metadata"]


def __getattr__(name: str) -> Any:
    if name == "Tx":
        from .writes import Tx

        return Tx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
