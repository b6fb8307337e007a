"""Loading doltlite: Dolt's engine behind Python's ``sqlite3`` module.

``import doltlite`` must come before ``sqlite3`` (else it re-executes the
interpreter with LD_PRELOAD). In-process it marks os.environ as bootstrapped;
that marker would make every child process (gt calls in agent sessions, gates,
the scripted runtime) skip loading the library and fail with "file is not a
database", so it is dropped unless the library really is preloaded.
"""

from __future__ import annotations

import os

_MARKER = "_DOLTLITE_BOOTSTRAPPED"


def load_sqlite():
    """The sqlite3 module, backed by doltlite."""
    # isort: off
    import doltlite  # noqa: F401
    import sqlite3

    # isort: on
    if "doltlite" not in os.environ.get("LD_PRELOAD", ""):
        os.environ.pop(_MARKER, None)
    return sqlite3
