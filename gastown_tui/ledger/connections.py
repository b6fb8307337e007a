"""The ledger's database connections (one per thread) and the retry policy of its units of work.

A busy database is retried ``RETRY_ATTEMPTS`` times with backoff; a refused or lost connection is
dropped, reopened and retried for at most ``RECONNECT_BUDGET`` seconds, so that a server that is
down is said so within ~2 s. Whatever stays wrong becomes ``LedgerUnavailable``, or the backend's
clear error for a user's mistake.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import LedgerUnavailable
from .backends import Backend

T = TypeVar("T")

RETRY_ATTEMPTS = 10
# Seconds a unit of work may spend retrying a refused or lost connection (a busy database is
# retried RETRY_ATTEMPTS times instead).
RECONNECT_BUDGET = 1.0


class Connections:
    """DB-API connections to one backend, one per thread (pymysql's are not shareable), closed together."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._local = threading.local()
        self._open: list[Any] = []
        self._lock = threading.Lock()

    def get(self, create: bool = False) -> Any:
        """This thread's connection, opened on first use (``create``: the database may be made)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.backend.connect(create)
            if not create:
                try:
                    self.backend.ensure_project_tables(conn)
                except BaseException:
                    with contextlib.suppress(Exception):
                        conn.close()
                    raise
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def drop(self) -> None:
        """Forget and close this thread's connection (it was lost, or left in a bad state)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._open:
                    self._open.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def close_all(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    def retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` retrying transient failures with backoff; then fail clearly."""
        delay, start = 0.02, time.monotonic()
        for attempt in range(RETRY_ATTEMPTS):
            try:
                return fn()
            except Exception as exc:
                if not self.backend.is_transient(exc):
                    clear = self.backend.user_error(exc)
                    if clear is not None:
                        raise clear from None
                    raise
                pause = delay * (1 + random.random())
                lost = self.backend.is_disconnect(exc)
                if lost:
                    self.drop()
                if attempt == RETRY_ATTEMPTS - 1 or (lost and time.monotonic() + pause - start > RECONNECT_BUDGET):
                    raise LedgerUnavailable(
                        f"ledger {self.backend.describe()} unavailable: {exc}",
                        "check that the database is running and reachable, then retry",
                    ) from None
                time.sleep(pause)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")
