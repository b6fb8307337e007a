"""``gt ledger upgrade``: a ledger in the layout of an earlier gastown-tui (pre_beads.py) moved into
beads' schema in place, without loss; safe to kill at any moment, and to run again.

The old tables are read in one transaction, and written to the town as the backup folder that
version's ``gt export`` wrote (a copy to keep). A new ledger is made beside the old one (a file next
to it, or a database next to it on the same server); the old records are imported into it by the
ordinary import (transfer.py), each in the shape it was first imported in (pre_beads.py), and what
an export does not carry (the town's config, leases, kept files) is copied as it is. Only then does
the new ledger take the old one's place, in one atomic step:

- a doltlite file: renamed over the old one, which stays (hard-linked) as ``NAME.pre-beads``;
- a database: one ``RENAME TABLE`` moves the old tables to ``gt_pre_beads_*`` and the new ones in;
  beads' views and this project's are then made there, and the staging database dropped.

Before that step the old ledger is untouched (a new run starts over); after it the ledger is
beads' (a new run finishes what is left and changes nothing else).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import Conflict, LedgerUnavailable
from . import beads_schema, pre_beads, views
from .backends import Backend, backend_for, is_pre_beads
from .connections import Connections
from .ledger import Ledger
from .shapes import IMPORTED_CONFIG
from .transfer import import_records
from .urls import LedgerURL

EXPORT_DIR = "pre-beads-export"
KEPT_PREFIX = "gt_pre_beads_"
ACTOR = "gt ledger upgrade"


def upgrade(backend: Backend, town: Path, dry_run: bool = False) -> dict[str, Any]:
    """Upgrade the ledger ``backend`` reaches; the export folder goes in the ``town`` folder."""
    place = _File(backend) if backend.dialect == "sqlite" else _Database(backend)
    with _only_one(town, dry_run):
        conn = Connections(backend).retry(backend.connect)
        try:
            found = backend.present(conn, (*pre_beads.TABLES, "schema_migrations"))
            report: dict[str, Any] = {"ledger": backend.describe(), "kept": place.kept(), "beads": beads_schema.RELEASE}
            if not is_pre_beads(found):
                if "issues" not in found:
                    raise LedgerUnavailable(f"{backend.describe()} holds no ledger", "check town.toml's [ledger] url")
                if not dry_run:
                    place.finish(conn)  # what a run stopped after its swap left to do
                return {**report, "state": "current"}
            old = pre_beads.read(backend, conn, found)
            report.update(counts=old.counts(), export=str(town / EXPORT_DIR))
            if dry_run:
                return {**report, "state": "dry-run"}
            folder = _export(old, town / EXPORT_DIR)
            records = old.backup(folder)  # checked: a record this version cannot hold stops here
            place.clear(conn)
            _stage(place, conn, old, records)
            place.swap(conn, found)
            place.finish(conn)
            return {**report, "state": "upgraded"}
        finally:
            with contextlib.suppress(Exception):
                conn.close()


def _stage(place: _File | _Database, conn, old: pre_beads.OldLedger, records) -> None:
    """The new ledger, complete, beside the old one (nothing of it left when this fails)."""
    staged = Ledger(backend_for(place.stage_url()))
    try:
        staged.create()
        import_records(staged, records, "the ledger of an earlier gastown-tui", actor=ACTOR)
        staged.write("ledger upgrade", lambda tx: _carry(tx, old), actor=ACTOR)
    except BaseException:
        staged.close()
        with contextlib.suppress(Exception):
            place.clear(conn)
        raise
    staged.close()


@contextlib.contextmanager
def _only_one(town: Path, dry_run: bool):
    """One upgrade of a town at a time: a lock file in the town while it runs (a dry run changes
    nothing, and needs none)."""
    if dry_run:
        yield
        return
    path = town / ".gt-ledger-upgrade.lock"
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("another gt ledger upgrade of this town is running", "wait for it to finish") from None
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def _export(old: pre_beads.OldLedger, folder: Path) -> Path:
    """The old ledger as its export folder, written beside and then renamed into place."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    old.write_folder(partial)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def _carry(tx, old: pre_beads.OldLedger) -> None:
    """The town's own state an export does not carry, as the old ledger had it: every config row
    (the export gives only what imports gave), leases, and the kept files and imported-config marks."""
    backend = tx.ledger.backend
    for row in old.tables["config"]:
        tx.execute(backend.upsert("config", ["key", "value"], "key"), (row["key"], row["value"]))
    tx.execute("DELETE FROM gt_extras WHERE tbl IN ('file', ?)", (IMPORTED_CONFIG,))
    tx.cur.executemany(
        backend.sql("INSERT INTO gt_extras (tbl, rkey, body) VALUES (?, ?, ?)"),
        [(r["tbl"], r["rkey"], r["body"]) for r in old.extras("file", IMPORTED_CONFIG)],
    )
    tx.cur.executemany(
        backend.sql(backend.upsert("gt_leases", ["name", "holder", "expires_at"], "name")),
        [(r["name"], r["holder"], r["expires_at"]) for r in old.tables["gt_leases"]],
    )
    tx.touched.append("the town's config, leases and kept files")


class _File:
    """A doltlite ledger: the new file is made beside it, then renamed over it."""

    def __init__(self, backend: Backend):
        self.path = Path(backend.url.path)
        self.stage = self.path.with_name(self.path.name + ".upgrading")

    def kept(self) -> str:
        return str(self.path.with_name(self.path.name + ".pre-beads"))

    def stage_url(self) -> LedgerURL:
        return LedgerURL("doltlite", path=str(self.stage))

    def clear(self, conn) -> None:
        """What an earlier run left half made."""
        for left in (self.stage, self.stage.with_name(f".{self.stage.name}-lock")):
            with contextlib.suppress(FileNotFoundError):
                left.unlink()

    def swap(self, conn, found: set[str]) -> None:
        conn.close()
        kept = Path(self.kept())
        with contextlib.suppress(FileNotFoundError):
            kept.unlink()
        try:
            os.link(self.path, kept)
        except OSError:  # a file system without hard links
            shutil.copy2(self.path, kept)
        os.replace(self.stage, self.path)
        _sync(self.path.parent)

    def finish(self, conn) -> None:
        self.clear(conn)


class _Database:
    """A ledger on a MySQL-wire server: the new tables are made in a staging database beside it."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.db = backend.url.database
        self.stage = f"{self.db[:48]}_gt_upgrading"

    def kept(self) -> str:
        return f"tables {KEPT_PREFIX}* in database {self.db}"

    def stage_url(self) -> LedgerURL:
        return dataclasses.replace(self.backend.url, database=self.stage)

    def clear(self, conn) -> None:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{self.stage}`")

    def swap(self, conn, found: set[str]) -> None:
        """One RENAME TABLE: atomic, so the database holds the old tables or the new ones, never half."""
        cur = conn.cursor()
        self._check_moves(cur)
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (self.stage,),
        )
        new = sorted(row[0] for row in cur.fetchall())
        moves = [(self.db, t, self.db, KEPT_PREFIX + t) for t in pre_beads.TABLES if t in found]
        moves += [(self.stage, t, self.db, t) for t in new]
        cur.execute("RENAME TABLE " + ", ".join(f"`{a}`.`{b}` TO `{c}`.`{d}`" for a, b, c, d in moves))

    def _check_moves(self, cur) -> None:
        """That this server moves a table between databases with RENAME TABLE (MariaDB and MySQL do;
        a server that refuses it, or renames in place, is found out on an empty table first)."""
        import pymysql

        probe = "gt_upgrade_probe"
        cur.execute(f"CREATE TABLE IF NOT EXISTS `{self.stage}`.`{probe}` (id INT)")
        with contextlib.suppress(pymysql.err.MySQLError):
            cur.execute(f"RENAME TABLE `{self.stage}`.`{probe}` TO `{self.db}`.`{probe}`")
        cur.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s AND table_schema IN (%s, %s)",
            (probe, self.db, self.stage),
        )
        landed = {row[0] for row in cur.fetchall()}
        for database in (self.db, self.stage):
            cur.execute(f"DROP TABLE IF EXISTS `{database}`.`{probe}`")
        if landed != {self.db}:
            self.clear(cur.connection)
            raise LedgerUnavailable(
                f"{self.backend.describe()}: this server does not move tables between databases "
                "(RENAME TABLE), which gt ledger upgrade needs; nothing was changed",
                "copy the database to a MariaDB or MySQL server, upgrade it there, and copy it back",
            )

    def finish(self, conn) -> None:
        """beads' views (as the staging database has them: a view made by a migration keeps the
        columns its table had then) and this project's tables and views, then no staging database."""
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (self.stage,))
        if not cur.fetchone()[0]:
            return
        cur.execute(
            "SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = %s",
            (self.stage,),
        )
        for name, definition in cur.fetchall():
            if name not in views.VIEWS:  # this project's are made below, as every open makes them
                cur.execute(f"CREATE OR REPLACE VIEW `{name}` AS {definition.replace(f'`{self.stage}`.', '')}")
        conn.commit()
        upgraded = Ledger(self.backend)
        try:
            upgraded.create()
        finally:
            upgraded.close()
        self.clear(conn)


def _sync(folder: Path) -> None:
    """The rename reaches the disk before the upgrade says it is done."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
