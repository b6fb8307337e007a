"""The Beads ledger on Dolt: one API over an embedded doltlite file or a MySQL-wire server.

``Ledger`` (ledger.py) runs units of work: a ``Session`` reads (reads.py), a ``Tx`` writes
(writes.py). ``default_actor`` lives in ``gastown_tui.addresses`` and ``load_metadata`` in
``fields``; both stay importable from here.
"""

from ..addresses import default_actor
from .fields import load_metadata
from .ledger import Ledger
from .reads import Row, Session
from .writes import Tx

__all__ = ["Ledger", "Row", "Session", "Tx", "default_actor", "load_metadata"]
