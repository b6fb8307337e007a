"""The gt verbs for towns and beads, as a person or an agent types them."""

from __future__ import annotations

import json
import os

from conftest import FIXTURE, run_gt


def test_bead_lifecycle_through_the_cli(town, gt):
    created = gt("bead", "create", "Fix login", "-d", "it breaks", "--priority", "1", "--label", "auth")
    assert created.code == 0, created.err
    bead_id = created.out.strip()
    assert bead_id.startswith("hq-")
    shown = gt("bead", "show", bead_id, "--json").json()
    assert shown["title"] == "Fix login" and shown["labels"] == ["auth"] and shown["priority"] == 1
    assert gt("bead", "update", bead_id, "--status", "in_progress", "--assignee", "gastown/polecats/nux").code == 0
    listed = gt("bead", "list", "--json", "--assignee", "gastown/polecats/nux").json()
    assert [b["id"] for b in listed] == [bead_id] and listed[0]["status"] == "in_progress"
    assert gt("bead", "comment", bead_id, "looking at it").code == 0
    assert gt("bead", "close", bead_id, "--reason", "fixed").code == 0
    assert gt("bead", "list", "--json").json() == []
    assert gt("bead", "list", "--all", "--json").json()[0]["close_reason"] == "fixed"


def test_dependencies_and_ready(town, gt):
    a = gt("bead", "create", "A").out.strip()
    b = gt("bead", "create", "B").out.strip()
    assert gt("bead", "dep", "add", b, a).code == 0
    ready = [r["id"] for r in gt("bead", "ready", "--json").json()]
    assert ready == [a]
    child = gt("bead", "create", "step", "--parent", a, "--json").json()
    assert child["id"] == f"{a}.1"


def test_user_mistakes_are_one_line_errors(town, gt):
    cases = [
        (("bead", "show", "hq-zzzz"), "no bead 'hq-zzzz'"),
        (("bead", "create", "x", "--type", "saga"), "unknown bead type 'saga'"),
        (("bead", "create", "x", "--priority", "9"), "bad priority '9'"),
        (("bead", "list", "--status", "nope"), "unknown status 'nope'"),
        (("bead", "update", "hq-zzzz", "--status", "closed"), "no bead 'hq-zzzz'"),
        (("bead", "dep", "add", "hq-zzzz", "hq-yyyy"), "no bead 'hq-zzzz'"),
    ]
    for argv, message in cases:
        result = gt(*argv)
        assert result.code != 0, argv
        assert message in result.err, (argv, result.err)
        assert "Traceback" not in result.err
    assert gt("bead", "list", "--all", "--json").json() == []


def test_no_town_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv("GT_TOWN", raising=False)
    result = run_gt("bead", "list", cwd=str(tmp_path), env={"GT_TOWN": ""})
    assert result.code == 1
    assert result.err.splitlines()[0] == "gt: not inside a Gas Town town"
    assert "gt install PATH" in result.err


def test_town_is_found_by_walking_up(town, tmp_path):
    deep = town.root / "some" / "where"
    deep.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "GT_TOWN"}
    env["GT_TOWN"] = ""
    made = run_gt("bead", "create", "from below", cwd=str(deep), env=env)
    assert made.code == 0, made.err
    assert run_gt("bead", "show", made.out.strip(), "--town", str(town.root), "--json").json()["title"] == "from below"


def test_import_export_and_history_verbs(town, gt, tmp_path):
    imported = gt("import", str(FIXTURE), "--json")
    assert imported.code == 0 and imported.json()["issues"] == 677
    assert gt("export", str(tmp_path / "out")).code == 0
    assert (tmp_path / "out" / "events.jsonl").read_text().count("\n") == 3667
    bead_id = gt("bead", "create", "Tracked").out.strip()
    gt("bead", "update", bead_id, "--title", "Tracked well")
    history = gt("history", bead_id, "--json")
    if town.ledger.is_dolt:
        entries = history.json()
        assert [e["change"] for e in entries] == ["modified", "added"]
        assert entries[0]["fields"]["title"] == {"old": "Tracked", "new": "Tracked well"}
        assert entries[0]["message"] == f"gt bead update: {bead_id} [by overseer]"
        assert entries[0]["author"] == "overseer"
    else:
        assert history.code == 1 and "history needs a Dolt ledger" in history.err


def test_unreachable_server_is_a_clear_error(tmp_path):
    result = run_gt("install", str(tmp_path / "t"), "--ledger", "mysql://root@127.0.0.1:1/gt")
    assert result.code == 3
    assert "unavailable" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "t").exists()


def test_install_refuses_bad_input(tmp_path):
    assert "bad bead prefix" in run_gt("install", str(tmp_path / "a"), "--prefix", "Bad Prefix").err
    assert "unknown ledger URL" in run_gt("install", str(tmp_path / "b"), "--ledger", "ftp://x/y").err
    ok = run_gt("install", str(tmp_path / "c"))
    assert ok.code == 0
    again = run_gt("install", str(tmp_path / "c"))
    assert again.code == 1 and "already a town" in again.err


def test_text_output_never_prints_terminal_escapes(town, gt, tmp_path):
    """Typed text is cleaned on the way in; imported data is kept, but printed without its escapes."""
    typed = gt("bead", "create", "t\x1b[31mred\x07").out.strip()
    assert gt("bead", "show", typed, "--json").json()["title"] == "t[31mred"
    export = tmp_path / "issues.jsonl"
    raw = {
        "id": "hq-esc1",
        "title": "evil\x1b]0;owned\x07\ntitle",
        "description": "body\x1b[2J\nsecond\tline",
        "labels": ["ok"],
        "comments": [{"author": "x\x1b[1m", "text": "hi\x07", "created_at": "2026-01-01T00:00:00Z"}],
    }
    export.write_text(json.dumps(raw) + "\n")
    assert gt("import", str(export)).code == 0
    assert gt("bead", "show", "hq-esc1", "--json").json()["title"] == raw["title"]  # data is data
    for argv in (("bead", "list"), ("bead", "show", "hq-esc1"), ("bead", "ready")):
        out = gt(*argv).out
        assert "\x1b" not in out and "\x07" not in out, argv
        assert "evil␛]0;owned␇ title" in out  # shown, inert
    shown = gt("bead", "show", "hq-esc1").out
    assert "body␛[2J\nsecond\tline" in shown and "— x␛[1m at" in shown and "\nhi␇" in shown


def test_list_limit_must_be_positive(town, gt):
    for n in range(3):
        gt("bead", "create", f"b{n}")
    assert len(gt("bead", "list", "--limit", "2", "--json").json()) == 2
    refused = gt("bead", "list", "--limit", "-1")
    assert refused.code == 2 and refused.err.startswith("gt: bad --limit -1")


def test_a_stray_argument_is_reported_by_the_verb_itself(town, gt):
    res = gt("bead", "list", "stray")
    assert res.code == 2
    assert "usage: gt bead list" in res.err and "gt bead list: error: unrecognized arguments: stray" in res.err


def test_a_bad_prefix_in_town_toml_is_named_with_the_file(town, gt):
    text = town.file.read_text()
    town.file.write_text(text.replace('prefix = "hq"', 'prefix = "BAD PREFIX"'))
    res = gt("bead", "create", "x")
    assert res.code == 2 and f"{town.file}: bad bead prefix 'BAD PREFIX'" in res.err


def test_json_records_are_keyed_by_the_ledger_columns(town, gt):
    """--json gives a bead's columns by name (plus, for show, what was read with it)."""
    from gastown_tui.ledger.schema import COMMENT_FIELDS, DEPENDENCY_FIELDS, ISSUE_FIELDS

    a = gt("bead", "create", "A", "--json").json()
    assert list(a) == list(ISSUE_FIELDS)
    b = gt("bead", "create", "B", "--label", "x").out.strip()
    assert gt("bead", "dep", "add", b, a["id"]).code == 0
    assert gt("bead", "comment", b, "hi").code == 0
    shown = gt("bead", "show", b, "--json").json()
    assert list(shown) == [*ISSUE_FIELDS, "labels", "dependencies", "dependents", "comments"]
    assert shown["labels"] == ["x"] and shown["dependents"] == []
    assert list(shown["dependencies"][0]) == list(DEPENDENCY_FIELDS) and shown["dependencies"][0]["type"] == "blocks"
    assert list(shown["comments"][0]) == list(COMMENT_FIELDS) and shown["comments"][0]["text"] == "hi"
    for argv in (("bead", "list"), ("bead", "ready"), ("bead", "update", b, "--title", "B2"), ("bead", "reopen", b)):
        out = gt(*argv, "--json").json()
        assert list(out[0] if isinstance(out, list) else out) == list(ISSUE_FIELDS), argv
    closed = gt("bead", "close", b, "--json").json()
    assert list(closed) == list(ISSUE_FIELDS) and closed["status"] == "closed"


def test_a_bead_made_for_a_rig_takes_its_prefix_and_an_unknown_rig_is_one_line(town, gt, tmp_path):
    from polecat_support import add_rig

    config = add_rig(town, tmp_path, "calc")
    made = gt("bead", "create", "Add division", "--rig", "calc")
    assert made.code == 0, made.err
    assert made.out.strip().startswith(f"{config.prefix}-") and config.prefix != "hq"
    wrong = gt("bead", "create", "Lost", "--rig", "nosuch")
    assert wrong.code != 0 and "no rig 'nosuch'" in wrong.err and "Traceback" not in wrong.err
    assert [b["title"] for b in gt("bead", "list", "--type", "task", "--json").json()] == ["Add division"]


def test_bead_list_shows_what_bd_list_shows_by_default(town, gt):
    """beads v1.0.5 ``bd list``: open work, wisps included; closed and pinned beads only with --all
    (or --status); infra (agent, rig, role, message), gates and templates only when included or typed."""
    made = {}
    for name, title, columns in (
        ("work", "Open work", {}),
        ("wisp", "A wisp", {"ephemeral": 1}),
        ("done", "Done", {"status": "closed"}),
        ("agent", "Polecat nux", {"issue_type": "agent"}),
        ("rig", "Rig gastown", {"issue_type": "rig"}),
        ("gate", "Await CI", {"issue_type": "gate"}),
        ("template", "Proto", {"is_template": 1}),
        ("pin", "Reference", {"pinned": 1}),
        ("hooked", "Hooked work", {"status": "hooked", "pinned": 1}),
    ):
        made[name] = town.ledger.write("c", lambda tx, t=title, c=columns: tx.create(t, **c))

    def listed(*flags: str) -> set[str]:
        result = gt("bead", "list", *flags, "--json")
        assert result.code == 0, result.err
        return {name for name, bead in made.items() if bead in {b["id"] for b in result.json()}}

    assert listed() == {"work", "wisp"}
    assert listed("--include-infra") == {"work", "wisp", "agent", "rig"}
    assert listed("--type", "agent") == {"agent"}
    assert listed("--include-gates") == {"work", "wisp", "gate"}
    assert listed("--type", "gate") == {"gate"}
    assert listed("--include-templates") == {"work", "wisp", "template"}
    assert listed("--all") == {"work", "wisp", "done", "pin", "hooked"}
    assert listed("--status", "hooked") == {"hooked"}  # bd keeps a legacy pinned flag on hooked beads
    assert listed("--all", "--include-infra", "--include-gates", "--include-templates") == set(made)
