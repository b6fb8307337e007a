"""``gt ledger upgrade``: a ledger an earlier gastown-tui made (its own tables, before beads' schema)
is refused with the way forward, and moved into beads' schema in place without loss, on both
backends. The ledgers are real ones that version made (tests/fixtures/pre-beads, see its README),
and what that version showed and exported of them is what this one must show and export after."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from pymysql.constants import CLIENT

from conftest import GT, MYSQL, run_gt
from gastown_tui.ledger import fields

PRE = Path(__file__).resolve().parent / "fixtures" / "pre-beads"
OLD_URL = "mysql://root@127.0.0.1:3306/gt_prebeads_fx"
# Issue columns beads' schema moved: the old layout's crystallizes and quality_score are gone,
# beads' no_history and started_at are new. At their defaults they say nothing.
MOVED = {"crystallizes": 0, "quality_score": None, "no_history": 0, "started_at": None}
SHOWN_TIMES = ("created_at", "updated_at", "closed_at", "defer_until", "due_at", "last_activity")


def _admin():
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True, client_flag=CLIENT.MULTI_STATEMENTS)


@dataclass
class OldTown:
    root: Path
    kind: str
    database: str | None

    @property
    def expected(self) -> Path:
        return PRE / self.kind / "expected"

    @property
    def stage(self) -> str:
        return f"{self.database}_gt_upgrading" if self.database else str(self.root / "ledger.db.upgrading")


@pytest.fixture(params=["doltlite", "mariadb"])
def old_town(request, tmp_path, monkeypatch):
    """A copy of the fixture town of that backend, its ledger in the old layout."""
    root = tmp_path / "town"
    shutil.copytree(PRE / request.param / "town", root)
    subprocess.run(["git", "init", "-q", "--bare", str(root / "gastown" / ".repo.git")], check=True)  # the rig's clone
    database = None
    if request.param == "mariadb":
        database = "gt_test_" + uuid.uuid4().hex[:12]
        conn = _admin()
        cur = conn.cursor()
        cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        cur.execute(f"USE `{database}`")
        cur.execute((PRE / "mariadb" / "dump.sql").read_text(encoding="utf-8"))
        while cur.nextset():
            pass
        conn.close()
        toml = root / "town.toml"
        toml.write_text(toml.read_text().replace(OLD_URL, f"{MYSQL}/{database}"))
    monkeypatch.setenv("GT_TOWN", str(root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    yield OldTown(root, request.param, database)
    if database:
        cur = _admin().cursor()
        for name in (database, f"{database}_gt_upgrading"):
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _state(town: OldTown) -> dict:
    """Everything an upgrade could change: the town's files (not lock files) and, on MariaDB, the
    databases of the test with every table's checksum."""
    files = {
        str(p.relative_to(town.root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(town.root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    if not town.database:
        return {"files": files}
    cur = _admin().cursor()
    cur.execute("SHOW DATABASES LIKE %s", (f"{town.database}%",))
    databases = sorted(row[0] for row in cur.fetchall())
    cur.execute(f"SHOW FULL TABLES FROM `{town.database}`")
    tables = sorted(row[0] for row in cur.fetchall())
    cur.execute("CHECKSUM TABLE " + ", ".join(f"`{town.database}`.`{t}`" for t in tables))
    return {"files": files, "databases": databases, "checksums": sorted(cur.fetchall())}


def _refused(result) -> None:
    """Refused in one line that says what the ledger is and what to do, and a hint."""
    assert result.code == 3, result
    lines = result.err.splitlines()
    assert len(lines) == 2 and "Traceback" not in result.err
    assert "layout of an earlier gastown-tui" in lines[0] and "run gt ledger upgrade" in lines[0]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _folder_record(table: str, record: dict) -> dict:
    """A backup record, less what beads' schema moved (MOVED at their defaults); ``no_history``
    is one of beads' flag columns now, written 1 where the old layout kept the file's ``true``."""
    if table != "issues":
        return record
    out = {k: v for k, v in record.items() if not (k in MOVED and v == MOVED[k])}
    if out.get("no_history") is not None:
        out["no_history"] = bool(out["no_history"])
    return out


def _assert_exports_equal(town: OldTown, gt, tmp_path: Path) -> None:
    """This version's exports of the upgraded ledger hold every record the old version exported:
    the single file exactly; the folder less MOVED, its logs in time order (this version's order)."""
    assert gt("export", "--format", "jsonl", tmp_path / "now.jsonl").code == 0
    assert _records(tmp_path / "now.jsonl") == _records(town.expected / "issues.jsonl")
    assert gt("export", tmp_path / "now").code == 0
    for table in ("issues", "dependencies", "labels", "comments", "events", "config"):
        now = [_folder_record(table, r) for r in _records(tmp_path / "now" / f"{table}.jsonl")]
        then = [_folder_record(table, r) for r in _records(town.expected / "folder" / f"{table}.jsonl")]
        if table in ("comments", "events"):
            now, then = (sorted(rows, key=lambda r: json.dumps(r, sort_keys=True)) for rows in (now, then))
        assert now == then, table
    assert (tmp_path / "now" / "manifest.json").read_text() == (town.expected / "folder" / "manifest.json").read_text()


def _shown_bead(bead: dict) -> dict:
    """A bead as ``--json`` shows it, less MOVED; times as instants to the second (a MySQL ledger
    lists DATETIMEs in UTC; export and show give the times as written)."""
    out = {k: v for k, v in bead.items() if k not in MOVED}
    for key in ("dependencies", "dependents"):  # this version also shows beads' edge data
        if key in out:
            out[key] = [{k: v for k, v in d.items() if k not in ("metadata", "thread_id")} for d in out[key]]
    for key in SHOWN_TIMES:
        if out.get(key):
            out[key] = int(fields.instant(out[key]))
    if "comments" in out:
        out["comments"] = [{**c, "id": str(c["id"])} for c in out["comments"]]
    return out


def _assert_shown_equal(town: OldTown, gt) -> None:
    """What the old version showed of the ledger, this version shows of the upgraded one."""
    for command, then in json.loads((town.expected / "shown.json").read_text()).items():
        # the old ``bead list --all`` listed every bead; this version lists as bd list does
        asked = command + (
            " --include-infra --include-gates --include-templates" if command == "bead list --all" else ""
        )
        result = gt("--json", *asked.split())
        assert result.code == 0, (command, result)
        now = result.json()
        if command.startswith("bead list"):
            now, then = [_shown_bead(b) for b in now], [_shown_bead(b) for b in then]
        elif command.startswith("bead show"):
            now, then = _shown_bead(now), _shown_bead(then)
        elif command.startswith("mq list"):  # an MR's score grows with its age
            now, then = ([{k: v for k, v in mr.items() if k != "score"} for mr in rows] for rows in (now, then))
        if command.startswith("bead"):
            for bead_now, bead_then in zip(
                *((now, then) if command.startswith("bead list") else ([now], [then])), strict=False
            ):
                if bead_then["content_hash"] == "":  # left empty then; an import now works out bd's
                    assert len(bead_now["content_hash"]) in (0, 64)
                    bead_now["content_hash"] = ""
        assert now == then, command


def test_an_old_ledger_is_refused_with_the_way_forward_and_left_as_it_was(old_town, gt, tmp_path):
    before = _state(old_town)
    for argv in (["bead", "list"], ["mail", "inbox"], ["convoy", "list"], ["rig", "list"], ["export", tmp_path / "x"]):
        _refused(gt(*argv))
    _refused(run_gt("bead", "show", "hq-rig-gastown"))
    assert _state(old_town) == before


def test_a_dry_run_says_what_would_move_and_changes_nothing(old_town, gt):
    before = _state(old_town)
    result = gt("ledger", "upgrade", "--dry-run")
    assert result.code == 0, result
    assert (
        "would move 20 issues, 8 dependencies, 23 labels, 6 comments, 44 events, 4 config rows, 28 kept extras, 1 leases"
        in result.out
    )
    assert "Nothing was changed" in result.out
    report = gt("--json", "ledger", "upgrade", "--dry-run").json()
    assert report["state"] == "dry-run" and report["counts"]["gt_leases"] == 1
    assert _state(old_town) == before
    _refused(gt("bead", "list"))


def test_upgrade_keeps_everything_the_old_version_showed_and_exported(old_town, gt, tmp_path):
    result = gt("ledger", "upgrade")
    assert result.code == 0, result
    kept = old_town.database and f"tables gt_pre_beads_* in database {old_town.database}"
    assert f"the earlier ledger is kept as {kept or old_town.root / 'ledger.db.pre-beads'}" in result.out
    assert f"a backup folder in {old_town.root / 'pre-beads-export'}" in result.out
    _assert_exports_equal(old_town, gt, tmp_path)
    _assert_shown_equal(old_town, gt)
    # the kept backup folder is the old version's export (its backup_state.json: only as imported)
    for name in os.listdir(old_town.expected / "folder"):
        if name != "backup_state.json":
            got = (old_town.root / "pre-beads-export" / name).read_text()
            assert got == (old_town.expected / "folder" / name).read_text(), name
    # the town's own state: the lease and its config
    assert old_town.root.joinpath("town.toml").exists()
    from gastown_tui.town import Town

    ledger = Town(old_town.root).ledger
    assert ledger.read(lambda s: s.lease_holder("refinery:gastown"))["holder"] == "me"
    assert ledger.read(lambda s: s.config("issue_prefix")) == "hq"
    ledger.close()
    _assert_old_ledger_kept(old_town)


def _assert_old_ledger_kept(town: OldTown) -> None:
    if town.database is None:  # the very file the fixture is
        kept = town.root / "ledger.db.pre-beads"
        assert kept.read_bytes() == (PRE / "doltlite" / "town" / "ledger.db").read_bytes()
        assert not Path(town.stage).exists()
        return
    cur = _admin().cursor()
    cur.execute(f"SELECT COUNT(*) FROM `{town.database}`.gt_pre_beads_issues")
    assert cur.fetchone()[0] == 20
    cur.execute(f"SELECT COUNT(*) FROM `{town.database}`.gt_pre_beads_gt_extras")
    assert cur.fetchone()[0] == 28
    cur.execute("SHOW DATABASES LIKE %s", (town.stage,))
    assert not cur.fetchall()


def test_upgraded_tables_are_those_of_a_new_ledger(old_town, gt, tmp_path):
    """The swap leaves beads' tables and views, and this project's, as a new ledger has them."""
    from gastown_tui.town import install

    assert gt("ledger", "upgrade").code == 0
    fresh_url = f"{MYSQL}/{old_town.database}_fresh" if old_town.database else None
    fresh = install(str(tmp_path / "fresh"), fresh_url)
    try:
        if old_town.database:
            assert _mysql_ddl(old_town.database) == _mysql_ddl(f"{old_town.database}_fresh")
        else:
            assert _sqlite_ddl(old_town.root / "ledger.db") == _sqlite_ddl(tmp_path / "fresh" / "ledger.db")
    finally:
        fresh.ledger.close()
        if fresh_url:
            _admin().cursor().execute(f"DROP DATABASE `{old_town.database}_fresh`")


def _mysql_ddl(database: str) -> dict[str, str]:
    cur = _admin().cursor()
    cur.execute(f"SHOW FULL TABLES FROM `{database}`")
    ddl = {}
    for name, kind in cur.fetchall():
        if not name.startswith("gt_pre_beads_"):
            cur.execute(f"SHOW CREATE {'VIEW' if kind == 'VIEW' else 'TABLE'} `{database}`.`{name}`")
            text = cur.fetchone()[1].replace(f"`{database}`.", "")
            ddl[name] = " ".join(part for part in text.split() if not part.startswith("AUTO_INCREMENT="))
    return ddl


def _sqlite_ddl(path: Path) -> dict[str, str]:
    from gastown_tui.ledger.embedded import load_sqlite

    conn = load_sqlite().connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    conn.close()
    return dict(rows)


def test_upgrading_again_changes_nothing(old_town, gt):
    assert gt("ledger", "upgrade").code == 0
    before = _state(old_town)
    again = gt("ledger", "upgrade")
    assert again.code == 0 and "is in beads' schema (v1.0.5): nothing to upgrade" in again.out
    assert _state(old_town) == before


def test_a_run_stopped_after_its_swap_is_finished_by_the_next(old_town, gt, tmp_path, monkeypatch):
    """A run stopped right after its swap (as by a kill there: the finishing step never runs) leaves
    beads' ledger in place, the staging one beside it and, on MariaDB, no views yet; the next run
    finishes that and changes nothing else."""
    from gastown_tui.ledger import upgrade

    place = upgrade._Database if old_town.database else upgrade._File
    with monkeypatch.context() as patched:
        patched.setattr(place, "finish", lambda self, conn: _stop())
        with pytest.raises(_Stopped):
            gt("ledger", "upgrade")
    assert _staging(old_town) == bool(old_town.database)  # a doltlite stage is the ledger now
    if old_town.database:
        cur = _admin().cursor()
        cur.execute(f"SHOW FULL TABLES FROM `{old_town.database}` WHERE Table_type = 'VIEW'")
        assert not cur.fetchall()
    else:
        Path(old_town.stage).write_bytes(b"half made")  # as a run killed while staging leaves it
    again = gt("ledger", "upgrade")
    assert again.code == 0 and "nothing to upgrade" in again.out
    _assert_old_ledger_kept(old_town)
    _assert_exports_equal(old_town, gt, tmp_path)
    if old_town.database:
        assert _mysql_ddl(old_town.database).keys() >= {"ready_issues", "blocked_issues", "gt_issues"}


class _Stopped(BaseException):
    """A process stopped at that point (not an error anything handles)."""


def _stop():
    raise _Stopped


def test_a_killed_upgrade_leaves_the_old_ledger_or_the_new_one_and_can_be_run_again(old_town, gt, tmp_path):
    before = _state(old_town)
    env = {**os.environ, "GT_TOWN": str(old_town.root)}
    proc = subprocess.Popen([GT, "ledger", "upgrade"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _staging(old_town) and proc.poll() is None:  # the new ledger is being made beside the old
        assert time.monotonic() < deadline, "no staging ledger appeared"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    listing = gt("bead", "list")
    if listing.code == 3:  # killed before its swap: the old ledger as it was, refused as before
        _refused(listing)
        after = _state(old_town)
        if old_town.database:
            assert after["checksums"] == before["checksums"]
        else:
            assert after["files"]["ledger.db"] == before["files"]["ledger.db"]
    else:  # it had finished: the new one, whole
        assert listing.code == 0
    result = gt("ledger", "upgrade")
    assert result.code == 0, result
    _assert_exports_equal(old_town, gt, tmp_path)
    _assert_old_ledger_kept(old_town)


def _staging(town: OldTown) -> bool:
    if town.database is None:
        return Path(town.stage).exists()
    cur = _admin().cursor()
    cur.execute("SHOW DATABASES LIKE %s", (town.stage,))
    return bool(cur.fetchall())


def test_an_upgrade_that_fails_midway_leaves_the_old_ledger_as_it_was(old_town, gt):
    """A value beads' schema cannot hold (an assignee over its VARCHAR(255)) fails the import into
    the staging database, after it was made: the old ledger stays, the staging one goes."""
    if old_town.database is None:
        pytest.skip("SQLite keeps text of any length: the kill test covers doltlite")
    cur = _admin().cursor()
    cur.execute(f"UPDATE `{old_town.database}`.issues SET assignee = %s WHERE id = 'hq-rig-gastown'", ("x" * 300,))
    before = _state(old_town)
    result = gt("ledger", "upgrade")
    assert result.code == 2 and "does not fit" in result.err and "Traceback" not in result.err
    after = _state(old_town)
    assert after["checksums"] == before["checksums"] and after["databases"] == before["databases"]
    _refused(gt("bead", "list"))


def test_the_tui_on_an_old_ledger_says_to_upgrade_and_reads_the_town_once_it_is(tmp_path, monkeypatch):
    """The TUI does not crash: its banner gives the one line, and the upgrade (run beside it) clears it."""
    import asyncio

    from tui_support import async_wait_for, frozen_clock

    from gastown_tui.town import Town
    from gastown_tui.tui.app import GastownApp
    from gastown_tui.tui.screens.town import TownScreen
    from gastown_tui.tui.widgets.status_banner import StatusBanner

    root = tmp_path / "town"
    shutil.copytree(PRE / "doltlite" / "town", root)
    monkeypatch.setenv("GT_TOWN", str(root))

    async def flow():
        app = GastownApp(Town(root), clock=frozen_clock)
        async with app.run_test(size=(160, 48)) as pilot:
            await async_wait_for(lambda: isinstance(app.screen, TownScreen), what="town screen")
            banner = app.screen.query_one(StatusBanner)
            await async_wait_for(lambda: "run gt ledger upgrade" in str(banner.render()), what="the upgrade line")
            assert "unreachable" not in str(banner.render())  # it answered: it is refused, not away
            assert app.is_running
            result = await asyncio.to_thread(run_gt, "ledger", "upgrade")
            assert result.code == 0, result
            await async_wait_for(lambda: not banner.display, timeout=30, what="banner to clear")
            await async_wait_for(lambda: app.screen.snapshot is not None, what="the town read")
            await pilot.press("q")

    asyncio.run(flow())


def test_a_ledger_from_before_the_gt_tables_upgrades_too(tmp_path, monkeypatch, gt):
    """The first layout had no gt_extras nor gt_leases (that version made them when it opened one)."""
    from gastown_tui.ledger.embedded import load_sqlite

    root = tmp_path / "town"
    shutil.copytree(PRE / "doltlite" / "town", root)
    monkeypatch.setenv("GT_TOWN", str(root))
    conn = load_sqlite().connect(root / "ledger.db", isolation_level=None)
    for table in ("gt_extras", "gt_leases"):
        conn.execute(f"DROP TABLE {table}")
    conn.close()
    assert gt("ledger", "upgrade").code == 0
    every = ("--all", "--include-infra", "--include-gates", "--include-templates")
    shown = {b["id"]: b for b in gt("--json", "bead", "list", *every).json()}
    assert len(shown) == 20 and shown["gt-p7k"]["status"] == "hooked"  # the polecat's work, on its hook
    assert gt("--json", "mail", "inbox", "gastown/witness").json()[0]["title"] == "Hello"
