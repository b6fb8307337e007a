"""The two ways to reach a ledger: an embedded doltlite file, or a MySQL-wire server.

Both speak DB-API; this module hides what differs between them — how to connect,
how a write transaction starts, how a Dolt commit is made, which errors are worth
retrying — so that ``Ledger`` writes its SQL once (with ``?`` placeholders).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from ..errors import GtError, InvalidInput, LedgerRefused, LedgerUnavailable
from . import beads_schema, schema, views
from .urls import LedgerURL

_RESTORE_HINT = (
    "restore the ledger from a backup (gt install NEW-FOLDER, then gt import BACKUP there), "
    "or point town.toml's [ledger] url at the right ledger"
)


class Backend:
    """What differs between backends. Subclasses fill in the details."""

    dialect = ""
    is_dolt = False
    insert_ignore = ""
    tables_sql = ""  # the names among {marks} that are tables or views of this database
    commit_sql = ""

    def __init__(self, url: LedgerURL):
        self.url = url

    def describe(self) -> str:
        return self.url.describe()

    @property
    def has_datetimes(self) -> bool:
        """Whether beads' DATETIME columns are DATETIME (MySQL), not text as written (SQLite)."""
        return self.dialect == "mysql"

    def connect(self, create: bool = False):
        """A new connection; ``create`` (only when making the ledger) may make what is missing."""
        raise NotImplementedError

    def user_error(self, exc: BaseException) -> GtError | None:
        """The clear error to show for a non-transient failure the user can act on (else None: a bug)."""
        return None

    def begin_write(self, cur) -> None:
        raise NotImplementedError

    def begin_read(self, cur) -> None:
        """Reads see one consistent snapshot."""

    def dolt_commit(self, cur, message: str, author: str) -> None:
        """Commit the transaction's changes to Dolt history (inside the transaction)."""
        try:
            cur.execute(self.sql(self.commit_sql), (message, _author(author)))
        except Exception as exc:
            if not _nothing_to_commit(exc):
                raise

    def sql(self, text: str) -> str:
        return text

    def upsert(self, table: str, columns: list[str], key: str) -> str:
        """Insert a row, or update the one with its ``key`` in place (not REPLACE: on MySQL that
        deletes the row first, and beads' foreign keys would take its labels and logs with it)."""
        names, marks = ", ".join(f"`{c}`" for c in columns), ", ".join("?" * len(columns))
        return f"INSERT INTO {table} ({names}) VALUES ({marks}) " + self.upsert_tail(
            [c for c in columns if c != key], key
        )

    def upsert_tail(self, columns: list[str], key: str) -> str:
        raise NotImplementedError

    def is_transient(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def is_disconnect(self, exc: BaseException) -> bool:
        return False

    def create_schema(self, conn) -> None:
        """beads' tables as bd makes them (unless the database has them: one bd made), then this
        project's own tables and views beside them."""
        if "issues" not in self._tables(conn):  # refuses another layout before anything is written
            self.make_beads_tables(conn)
        self._add_own(conn)

    def make_beads_tables(self, conn) -> None:
        raise NotImplementedError

    def ensure_project_tables(self, conn) -> None:
        """A ledger made before one of this project's own tables or views existed gets it when first
        opened (beads' tables are never altered; a database without an ``issues`` table is left alone)."""
        found = self._tables(conn)
        if "issues" in found and not (
            found >= {*schema.project_tables(self.dialect), *views.VIEWS} and self._views_current(conn)
        ):
            self._add_own(conn)

    def _views_current(self, conn) -> bool:
        """Do the views have this release's columns (else they are made again)?"""
        cur = conn.cursor()
        try:
            cur.execute(views.PROBE)
            cur.fetchall()
            return True
        except Exception:  # the driver's "no such column" (sqlite3 and pymysql name it differently)
            return False
        finally:
            conn.rollback()

    def _add_own(self, conn) -> None:
        cur = conn.cursor()
        for stmt in [*schema.project_statements(self.dialect), *views.statements(self.dialect)]:
            cur.execute(stmt)
        conn.commit()

    def present(self, conn, names: tuple[str, ...]) -> set[str]:
        """Which of ``names`` are tables or views of this database (nothing refused)."""
        cur = conn.cursor()
        cur.execute(self.sql(self.tables_sql.format(marks=", ".join("?" * len(names)))), names)
        found = {row[0] for row in cur.fetchall()}
        conn.commit()
        return found

    def _tables(self, conn) -> set[str]:
        """Which of the tables and views that matter here the database has. A ledger an earlier
        gastown-tui made (its own tables, not beads'), or one of a newer beads, is refused."""
        found = self.present(conn, ("issues", "schema_migrations", *schema.project_tables(self.dialect), *views.VIEWS))
        if is_pre_beads(found):
            raise LedgerRefused(
                f"{self.describe()} is in the layout of an earlier gastown-tui, not beads' schema: "
                "run gt ledger upgrade to move it (it was left unchanged)",
                "the upgrade keeps everything, and the old tables too; gt ledger upgrade --dry-run shows what moves",
            )
        cur = conn.cursor()
        version = beads_schema.current_version(cur, "schema_migrations") if "schema_migrations" in found else 0
        conn.commit()
        if version > beads_schema.latest():
            raise LedgerRefused(
                f"{self.describe()} has beads' schema version {version}, newer than the "
                f"{beads_schema.latest()} of beads {beads_schema.RELEASE} that this gastown-tui knows; "
                "it was left unchanged",
                "use a gastown-tui that knows that beads release",
            )
        return found


def is_pre_beads(found: set[str]) -> bool:
    """Whether a database holding the tables ``found`` is in the layout an earlier gastown-tui made
    (its own ``issues``…: see pre_beads.py); beads' has ``schema_migrations``."""
    return "issues" in found and "schema_migrations" not in found


def _nothing_to_commit(exc: Exception) -> bool:
    """A write unit that changed no row (e.g. re-adding a label) makes no Dolt commit."""
    return "nothing to commit" in str(exc).lower()


def _author(actor: str) -> str:
    safe = re.sub(r"[<>\n]", "_", actor) or "gastown"
    return f"{safe} <{re.sub(r'[^A-Za-z0-9._-]', '.', safe)}@gastown.local>"


class DoltliteBackend(Backend):
    """An embedded ledger: one doltlite file (SQLite API, Dolt storage and history)."""

    dialect = "sqlite"
    is_dolt = True
    insert_ignore = "INSERT OR IGNORE"
    tables_sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ({marks})"
    commit_sql = "SELECT dolt_commit('-A', '-m', ?, '--author', ?)"

    def connect(self, create: bool = False):
        from .embedded import load_sqlite

        sqlite3 = load_sqlite()
        path = self.url.path
        if not os.path.isdir(os.path.dirname(path) or "."):
            raise LedgerUnavailable(
                f"ledger folder {os.path.dirname(path)!r} does not exist",
                "check the town path or run gt install",
            )
        # mode=rw: a missing ledger is an error, not silently a new empty one.
        uri = f"file:{quote(os.path.abspath(path))}?mode={'rwc' if create else 'rw'}"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.OperationalError as exc:
            if not create and not os.path.exists(path):
                raise LedgerUnavailable(f"ledger file {path} is missing", _RESTORE_HINT) from None
            raise LedgerUnavailable(
                f"cannot open ledger file {path}: {exc}", "check that the file and its folder are readable and writable"
            ) from None
        return _SqliteConnection(conn)

    def user_error(self, exc: BaseException) -> GtError | None:
        from .embedded import load_sqlite

        sqlite3 = load_sqlite()
        if not isinstance(exc, sqlite3.DatabaseError):
            return None
        text = str(exc)
        if "no such table" in text:
            return LedgerUnavailable(f"ledger {self.describe()} has no schema ({text})", _RESTORE_HINT)
        if "not a database" in text or "malformed" in text:
            return LedgerUnavailable(f"ledger file {self.url.path} is not a ledger ({text})", _RESTORE_HINT)
        if "readonly" in text or "unable to open" in text or "disk i/o" in text.lower():
            return LedgerUnavailable(
                f"cannot use ledger file {self.url.path}: {text}", "check the file's permissions and the disk"
            )
        return None

    def begin_write(self, cur) -> None:
        cur.execute("BEGIN IMMEDIATE")

    def upsert_tail(self, columns: list[str], key: str) -> str:
        return f"ON CONFLICT(`{key}`) DO UPDATE SET " + ", ".join(f"`{c}` = excluded.`{c}`" for c in columns)

    def begin_read(self, cur) -> None:
        cur.execute("BEGIN")

    def is_transient(self, exc: BaseException) -> bool:
        from .embedded import load_sqlite

        sqlite3 = load_sqlite()
        text = str(exc).lower()
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

    def make_beads_tables(self, conn) -> None:
        cur = conn.cursor()
        cur.execute("BEGIN")
        for stmt in schema.beads_statements():
            cur.execute(stmt)
        conn.commit()

    def create_schema(self, conn) -> None:
        super().create_schema(conn)
        cur = conn.cursor()
        (count,) = cur.execute("SELECT COUNT(*) FROM dolt_status").fetchone()
        if count:
            self.dolt_commit(cur, "gt install: ledger schema", "gastown")


class _SqliteConnection:
    """sqlite3 in autocommit mode, with explicit BEGIN/COMMIT like a DB-API connection."""

    def __init__(self, conn):
        self._conn = conn

    def cursor(self):
        return self._conn.cursor()

    def commit(self):
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")

    def rollback(self):
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def close(self):
        self._conn.close()


_MYSQL_TRANSIENT = {1205, 1213, 2003, 2006, 2013, 2014, 2055, 4031}
_MYSQL_DISCONNECT = {2003, 2006, 2013, 2014, 2055, 4031}
# Seconds to reach the server and for each read of its greeting and login: a server that is down,
# or a host that takes the connection and says nothing, is given up on at once (the Ledger retries
# within its own time budget). Queries then get READ_TIMEOUT.
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 60


class MysqlBackend(Backend):
    """A ledger on a MySQL-wire server: a Dolt sql-server (with history) or e.g. MariaDB."""

    dialect = "mysql"
    insert_ignore = "INSERT IGNORE"
    tables_sql = (
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ({marks})"
    )
    commit_sql = "CALL DOLT_COMMIT('-A', '-m', ?, '--author', ?)"

    def __init__(self, url: LedgerURL):
        super().__init__(url)
        self.is_dolt = False

    def _raw_connect(self, database: str | None):
        import pymysql

        conn = pymysql.connect(
            host=self.url.host,
            port=self.url.port,
            user=self.url.user,
            password=self.url.password,
            database=database,
            charset="utf8mb4",
            autocommit=False,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=CONNECT_TIMEOUT,
            write_timeout=READ_TIMEOUT,
        )
        conn._read_timeout = READ_TIMEOUT  # pymysql has no public setter; it applies this on the next read
        return conn

    def user_error(self, exc: BaseException) -> GtError | None:
        import pymysql

        if not isinstance(exc, pymysql.err.MySQLError) or not exc.args:
            return None
        code, text = exc.args[0], str(exc.args[-1])
        where = f"{self.url.host}:{self.url.port}"
        if code == 1049:
            return LedgerUnavailable(
                f"database {self.url.database!r} does not exist on {where} (dropped or renamed?)",
                "point town.toml's [ledger] url at the right database, or recreate it empty with "
                "gt install NEW-FOLDER --ledger URL and load a backup with gt import",
            )
        if code == 1146:
            return LedgerUnavailable(f"ledger {self.describe()} has no schema ({text})", _RESTORE_HINT)
        if code in (1044, 1045, 1698):
            return LedgerUnavailable(
                f"access denied to ledger {self.describe()} ({text})",
                "check the user and password in the ledger URL (town.toml's [ledger] url)",
            )
        if code in (1406, 1292, 3140, 4025):  # too long for its column, not a time, not JSON, a CHECK
            return InvalidInput(
                f"a value does not fit ledger {self.describe()} ({text}); nothing was written",
                "beads' schema sets the columns' types and sizes: shorten or correct the value",
            )
        return None

    def connect(self, create: bool = False):
        conn = self._raw_connect(self.url.database)
        cur = conn.cursor()
        try:
            cur.execute("SELECT dolt_version()")
            self.is_dolt = True
        except Exception:
            self.is_dolt = False
        conn.rollback()
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return conn

    def create_database(self) -> None:
        conn = self._raw_connect(None)
        try:
            conn.cursor().execute(
                f"CREATE DATABASE IF NOT EXISTS `{self.url.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
            conn.commit()
        finally:
            conn.close()

    def make_beads_tables(self, conn) -> None:
        beads_schema.migrate(conn, self.is_dolt)

    def create_schema(self, conn) -> None:
        super().create_schema(conn)
        cur = conn.cursor()
        if self.is_dolt:
            cur.execute("CALL DOLT_COMMIT('-A', '-m', 'gt install: ledger schema', '--allow-empty')")

    def begin_write(self, cur) -> None:
        # One writer at a time: event ids then become visible in the order they were
        # assigned, so followers of the events feed never skip a row.
        cur.execute("START TRANSACTION")
        cur.execute("SELECT id FROM gt_write_lock WHERE id = 1 FOR UPDATE")

    def begin_read(self, cur) -> None:
        cur.execute("START TRANSACTION READ ONLY")

    def upsert_tail(self, columns: list[str], key: str) -> str:
        return "ON DUPLICATE KEY UPDATE " + ", ".join(f"`{c}` = VALUES(`{c}`)" for c in columns)

    def sql(self, text: str) -> str:
        return text.replace("%", "%%").replace("?", "%s")

    def is_transient(self, exc: BaseException) -> bool:
        import pymysql

        if isinstance(exc, pymysql.err.InterfaceError):
            return True
        return isinstance(exc, pymysql.err.OperationalError) and bool(exc.args) and exc.args[0] in _MYSQL_TRANSIENT

    def is_disconnect(self, exc: BaseException) -> bool:
        import pymysql

        if isinstance(exc, pymysql.err.InterfaceError):
            return True
        return isinstance(exc, pymysql.err.OperationalError) and bool(exc.args) and exc.args[0] in _MYSQL_DISCONNECT


def backend_for(url: LedgerURL) -> Backend:
    return DoltliteBackend(url) if url.scheme == "doltlite" else MysqlBackend(url)
