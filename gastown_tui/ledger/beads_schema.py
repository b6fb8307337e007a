"""beads' own schema, made the way ``bd`` makes it: its migration files, run in order.

The files under ``beads_sql/migrations`` are beads' own, unchanged, at the release named in
``beads_sql/SOURCE.md`` (MIT, see ``beads_sql/LICENSE.beads``). As beads' runner does
(``internal/storage/schema/schema.go``), each source has a cursor table (``schema_migrations``
for the main files, ``ignored_schema_migrations`` for ``ignored/``) that gets one row per file
applied, so ``bd`` sees its schema as up to date.

On a Dolt server every statement runs as written. A MySQL-wire server that is not Dolt
(MariaDB, MySQL) lacks three things the files use, and only there are they adapted:

- Dolt's system tables and procedures (``dolt_ignore``, ``dolt_nonlocal_tables``,
  ``CALL DOLT_COMMIT``): what they say is about Dolt's history, so the statement is skipped;
- a CHECK constraint on a column that a cascading foreign key also changes (refused with
  error 1901 by MariaDB, 3823 by MySQL): ``ck_*_one_target``, which says a dependency names
  exactly one target; the constraint is left out (this project's writes keep that rule);
- a generated column over such a column: the stored ``depends_on_id`` that migrations 0041
  (ignored 0003) add and 0043 (ignored 0005) drop again is added as a plain column in between;
- ``WITH RECURSIVE … UPDATE``: written as ``UPDATE … WHERE id IN (WITH RECURSIVE … SELECT …)``.

So a new ledger ends with the same tables, columns, keys and indexes as on Dolt, less those
CHECK constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

RELEASE = "v1.0.5"
# The cursor tables and the last version of each source at RELEASE.
SOURCES = (("migrations", "schema_migrations"), ("migrations/ignored", "ignored_schema_migrations"))

_DOLT_ONLY = re.compile(r"\bdolt_ignore\b|\bdolt_nonlocal_tables\b|^\s*CALL\s+DOLT_", re.IGNORECASE)
_INLINE_CHECK = re.compile(r",\s*CONSTRAINT\s+ck_\w+\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
_ADD_CHECK = re.compile(r"^\s*SET\s+@sql\s*=.*\bADD\s+CONSTRAINT\s+ck_\w+\s+CHECK\b", re.IGNORECASE | re.DOTALL)
_GENERATED = re.compile(r"\s+AS\s+\(COALESCE\([^()]*\)\)\s+STORED", re.IGNORECASE)
_CTE_UPDATE = re.compile(r"^\s*(WITH\s+RECURSIVE\b.*?)\n(UPDATE\s+\w+\s+SET\b.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(folder: str) -> list[Migration]:
    """The ``*.up.sql`` files of one source, in version order."""
    root = resources.files(__package__).joinpath("beads_sql", *folder.split("/"))
    found = [
        Migration(int(entry.name.split("_", 1)[0]), entry.name, entry.read_text(encoding="utf-8"))
        for entry in root.iterdir()
        if entry.name.endswith(".up.sql")
    ]
    return sorted(found, key=lambda m: m.version)


def default_config() -> dict[str, str]:
    """The config rows beads' SQL seeds (migration 0016: compaction settings), key → value."""
    (seed,) = [m for m in migrations("migrations") if m.name == "0016_default_config.up.sql"]
    return dict(re.findall(r"\('([^']*)',\s*'([^']*)'\)", seed.sql))


def latest(folder: str = "migrations") -> int:
    return migrations(folder)[-1].version


def statements(sql: str) -> list[str]:
    """One file's statements: ``--`` comments dropped, split on ``;`` outside quotes."""
    out: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            current.append(ch)
            if ch == quote:
                if sql[i + 1 : i + 2] == quote:  # '' inside a string
                    current.append(quote)
                    i += 1
                else:
                    quote = ""
        elif ch in "'`\"":
            quote = ch
            current.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif ch == ";":
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current).strip())
    return [s for s in out if s]


def adapt(statement: str, is_dolt: bool) -> str | None:
    """The statement as this server can run it (None: skip it); unchanged on Dolt."""
    if is_dolt:
        return statement
    if _DOLT_ONLY.search(statement):
        return None
    if _ADD_CHECK.match(statement):
        return "SET @sql = 'SELECT 1'"  # the PREPARE that follows must not run the previous @sql
    statement = _GENERATED.sub(" NULL", _INLINE_CHECK.sub("", statement))
    cte = _CTE_UPDATE.match(statement)
    if cte:
        with_part, update = cte.groups()
        statement = re.sub(r"\(\s*SELECT\s+id\s+FROM\s+reachable", lambda m: f"({with_part}\n{m.group(0)[1:]}", update)
    return statement


def cursor_ddl(table: str) -> str:
    """beads' bootstrap of a cursor table (``bootstrapSQL``; main migration 0032 drops ``applied_at``)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (\n\tversion INT PRIMARY KEY,\n"
        "\tapplied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP\n)"
    )


def current_version(cur, table: str) -> int:
    cur.execute(f"SELECT COALESCE(MAX(version), 0) FROM {table}")
    return int(cur.fetchone()[0])


def migrate(conn, is_dolt: bool) -> int:
    """Bring the database on ``conn`` up to RELEASE as bd does; returns how many files ran."""
    cur = conn.cursor()
    ran = 0
    for folder, table in SOURCES:
        cur.execute(cursor_ddl(table))
        done = current_version(cur, table)
        for migration in migrations(folder):
            if migration.version <= done:
                continue
            for statement in statements(migration.sql):
                runnable = adapt(statement, is_dolt)
                if runnable is not None:
                    cur.execute(runnable)
            cur.execute(f"INSERT IGNORE INTO {table} (version) VALUES (%s)", (migration.version,))
            ran += 1
        if is_dolt and folder == "migrations":
            cur.execute("REPLACE INTO dolt_ignore VALUES ('ignored_schema_migrations', true)")
    conn.commit()
    return ran
