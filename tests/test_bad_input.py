"""Bad input to the town, bead, import and export verbs, and a broken ledger: each is one clear line.

Every case runs the real CLI against a real town and asserts: a non-zero exit, no traceback,
a first line "gt: …" that says what is wrong, and nothing written (the ledger and the files
as they were before).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import FIXTURE, MYSQL, _mysql_admin
from gastown_tui.errors import InvalidInput
from gastown_tui.tomlfile import read_toml

_DOLTLITE_MAGIC = b"CTLD"
GOOD_ISSUE = {"id": "bd-a1", "title": "T", "status": "open", "priority": 1, "issue_type": "task"}


@dataclass
class Env:
    tmp: Path
    town: Path
    databases: list[str] = field(default_factory=list)

    def export_file(self, *lines: dict | str, name: str = "issues.jsonl") -> str:
        path = self.tmp / name
        path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
        return str(path)

    def point_ledger_at(self, url: str) -> None:
        text = (self.town / "town.toml").read_text()
        start = text.index("url = ")
        end = text.index("\n", start)
        (self.town / "town.toml").write_text(text[:start] + f"url = {json.dumps(url)}" + text[end:])

    def mysql_database(self) -> str:
        """A database with no tables (dropped after the test)."""
        name = "gt_test_" + uuid.uuid4().hex[:12]
        self.databases.append(name)
        conn = _mysql_admin()
        conn.cursor().execute(f"CREATE DATABASE `{name}`")
        conn.close()
        return name


def _issue(**changes) -> dict:
    return {**GOOD_ISSUE, **changes}


def _backup_with_bad_issue_line(env: Env) -> list[str]:
    folder = env.tmp / "backup"
    shutil.copytree(FIXTURE, folder)
    lines = (folder / "issues.jsonl").read_text().splitlines()
    lines[2] = json.dumps({**json.loads(lines[2]), "priority": "high"})
    (folder / "issues.jsonl").write_text("\n".join(lines) + "\n")
    return ["import", str(folder)]


def _non_utf8_export(env: Env) -> list[str]:
    path = env.tmp / "issues.jsonl"
    path.write_bytes(json.dumps(GOOD_ISSUE).encode() + b'\n{"id": "bd-a2", "title": "caf\xe9"}\n')
    return ["import", str(path)]


def _garbage_ledger(env: Env) -> list[str]:
    (env.town / "ledger.db").write_bytes(b"this is no database\n" * 200)
    return ["bead", "list"]


def _missing_ledger(env: Env) -> list[str]:
    (env.town / "ledger.db").unlink()
    return ["bead", "list"]


def _non_utf8_town_toml(env: Env) -> list[str]:
    (env.town / "town.toml").write_bytes(b'name = "caf\xe9"\n')
    return ["bead", "list"]


def _town_toml_tmp_is_a_folder(env: Env) -> list[str]:
    folder = env.tmp / "existing"
    (folder / "town.toml.tmp").mkdir(parents=True)
    return ["install", str(folder)]


def _mysql_without_tables(env: Env) -> list[str]:
    env.point_ledger_at(f"{MYSQL}/{env.mysql_database()}")
    return ["bead", "list"]


def _mysql_unknown_user(env: Env) -> list[str]:
    env.point_ledger_at(f"mysql://gt_nosuchuser:secret@127.0.0.1:3306/{env.mysql_database()}")
    return ["bead", "list"]


def _mysql_dropped_database(env: Env) -> list[str]:
    env.point_ledger_at(f"{MYSQL}/gt_test_dropped_{uuid.uuid4().hex[:8]}")
    return ["bead", "list"]


def _convoy_add_unknown(env: Env) -> list[str]:
    from gastown_tui.services.convoys import create_convoy
    from gastown_tui.town import Town

    ledger = Town(env.town).ledger
    convoy_id = ledger.write("c", lambda tx: create_convoy(tx, "Batch"))
    ledger.close()
    return ["convoy", "add", convoy_id, "hq-nope1", "hq-nope2"]


# (id, argv or a function making the bad state and returning argv, what the first line says)
Case = tuple[str, Callable[[Env], list[str]], str]
CASES: list[Case] = [
    ("install-newline-url", lambda e: ["install", str(e.tmp / "new"), "--ledger", "led\nger.db"], "control characters"),
    ("install-on-a-file", lambda e: ["install", "/etc/passwd"], "/etc/passwd is a file, not a folder"),
    ("install-in-proc", lambda e: ["install", "/proc/gt-town"], "cannot create the town folder /proc/gt-town"),
    ("demo-in-proc", lambda e: ["demo", "/proc/gt-demo", "--no-tui"], "cannot create the town folder /proc/gt-demo"),
    ("install-unwritable-toml", _town_toml_tmp_is_a_folder, "town.toml.tmp: Is a directory"),
    ("export-onto-a-file", lambda e: ["export", "/etc/passwd"], "/etc/passwd is a file, not a folder"),
    ("export-into-proc", lambda e: ["export", "/proc/gt-x"], "cannot create /proc/gt-x"),
    ("limit-negative", lambda e: ["bead", "list", "--limit", "-1"], "bad --limit -1"),
    ("limit-zero", lambda e: ["bead", "list", "--limit", "0"], "bad --limit 0"),
    ("import-not-utf8", _non_utf8_export, "issues.jsonl:2:30: not UTF-8 text"),
    (
        "import-deps-not-a-list",
        lambda e: ["import", e.export_file(_issue(dependencies=5))],
        ":1:86: dependencies must be a list of objects, not 5",
    ),
    (
        "import-labels-objects",
        lambda e: ["import", e.export_file(_issue(labels=[{"a": 1}]))],
        ':1:86: labels must be a list of strings, not [{"a": 1}]',
    ),
    (
        "import-priority-range",
        lambda e: ["import", e.export_file(GOOD_ISSUE, _issue(priority=9))],
        ":2:49: priority 9 is not 0 to 4",
    ),
    ("import-priority-text", _backup_with_bad_issue_line, 'issues.jsonl:3:1486: priority "high" is not a whole number'),
    (
        "import-bad-id",
        lambda e: ["import", e.export_file(_issue(id="no id here"))],
        ':1:2: malformed bead id "no id here"',
    ),
    ("import-bad-time", lambda e: ["import", e.export_file(_issue(created_at="yesterday"))], "not an ISO-8601 time"),
    ("import-status-number", lambda e: ["import", e.export_file(_issue(status=5))], ":1:31: status 5 is not a string"),
    ("import-status-escape", lambda e: ["import", e.export_file(_issue(status="op\x1b[2Jen"))], ":1:31: bad status"),
    ("import-title-number", lambda e: ["import", e.export_file(_issue(title=7))], ":1:17: title 7 is not a string"),
    ("convoy-create-unknown", lambda e: ["convoy", "create", "B", "hq-nope"], "no bead hq-nope in the ledger"),
    ("convoy-add-unknown", _convoy_add_unknown, "no beads hq-nope1, hq-nope2 in the ledger"),
    ("doltlite-missing", _missing_ledger, "ledger.db is missing"),
    ("doltlite-garbage", _garbage_ledger, "ledger.db is not a ledger (file is not a database)"),
    ("town-toml-not-utf8", _non_utf8_town_toml, "town.toml: not UTF-8 text"),
    ("mysql-no-tables", _mysql_without_tables, "has no schema"),
    ("mysql-unknown-user", _mysql_unknown_user, "access denied to ledger mysql gt_nosuchuser@"),
    ("mysql-dropped-database", _mysql_dropped_database, "does not exist on 127.0.0.1:3306"),
]


def _snapshot(env: Env) -> tuple:
    """The ledger's rows (when it can be read) and every file under the test folder."""
    from gastown_tui.town import Town

    files = {str(p.relative_to(env.tmp)): p.read_bytes() for p in env.tmp.rglob("*") if p.is_file()}
    files.pop("town/.ledger.db-lock", None)  # doltlite's lock comes and goes with connections
    if files.get("town/ledger.db", b"").startswith(_DOLTLITE_MAGIC):
        files["town/ledger.db"] = b"a doltlite file"  # a real ledger's bytes may change on a read
    try:
        ledger = Town(env.town).ledger
        tables = ("issues", "labels", "dependencies", "comments", "events", "config")
        rows = ledger.read(lambda s: [s.rows(f"SELECT * FROM {t} ORDER BY 1") for t in tables])
        ledger.close()
    except Exception:  # a ledger broken on purpose: its file is compared instead
        return None, files
    return rows, files


@pytest.fixture
def env(tmp_path, monkeypatch, gt):
    root = tmp_path / "town"
    assert gt("install", str(root)).code == 0
    monkeypatch.setenv("GT_TOWN", str(root))
    monkeypatch.delenv("GT_ACTOR", raising=False)
    assert gt("bead", "create", "already here", "--label", "keep").code == 0
    made = Env(tmp_path, root)
    yield made
    if made.databases:
        conn = _mysql_admin()
        for name in made.databases:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@pytest.mark.parametrize(("make", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_and_changes_nothing(env, gt, make, says):
    argv = make(env)
    before = _snapshot(env)
    result = gt(*argv)
    assert result.code != 0, result.out
    assert "Traceback" not in result.err
    first = result.err.splitlines()[0]
    assert first.startswith("gt: ") and says in first, result.err
    assert _snapshot(env) == before
    for outside in ("/proc/gt-town", "/proc/gt-demo", "/proc/gt-x"):
        assert not Path(outside).exists()
    assert not (env.tmp / "new").exists()


def test_a_missing_ledger_file_is_not_silently_recreated(env, gt):
    (env.town / "ledger.db").unlink()
    result = gt("bead", "create", "lost?")
    assert result.code == 3 and "is missing" in result.err and "gt import" in result.err
    assert not (env.town / "ledger.db").exists()


def test_a_dropped_database_hint_does_not_send_the_user_to_a_refused_install(env, gt):
    env.point_ledger_at(f"{MYSQL}/gt_test_dropped_{uuid.uuid4().hex[:8]}")
    hint = gt("bead", "list").err.splitlines()[1]
    assert "NEW-FOLDER" in hint and "[ledger] url" in hint


def test_a_handler_os_error_is_one_line(gt, monkeypatch, env):
    """The safety net for files no verb checks yet: ``gt: PATH: reason``, exit 1."""
    import gastown_tui.cli.beads as beads

    def fails(ctx):
        raise PermissionError(13, "Permission denied", "/srv/locked")

    monkeypatch.setattr(beads, "list_beads", fails)
    result = gt("bead", "list")
    assert result.code == 1 and result.err == "gt: /srv/locked: Permission denied\n"


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"name = 'caf\xe9'\n", "not UTF-8 text"), (None, "is a folder, not a TOML file")],
)
def test_read_toml_names_the_file(tmp_path, content, says):
    path = tmp_path / "rig.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(InvalidInput, match=says) as raised:
        read_toml(path)
    assert str(path) in raised.value.message
