"""Options every verb takes (--town, --json) wherever they stand; --version; errors as JSON under --json."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from conftest import run_gt
from gastown_tui.town import install


@pytest.fixture
def towns(tmp_path, monkeypatch):
    """Two doltlite towns, one bead each; no GT_TOWN, and the current folder in no town."""
    monkeypatch.delenv("GT_TOWN", raising=False)
    monkeypatch.delenv("GT_ACTOR", raising=False)
    monkeypatch.chdir(tmp_path)
    made = {}
    for name in ("a", "b"):
        town = install(str(tmp_path / name), prefix=f"t{name}")
        town.ledger.write("c", lambda tx, n=name: tx.create(f"bead of {n}", prefix=f"t{n}"))
        town.ledger.close()
        made[name] = str(town.root)
    return made


def _titles(result) -> list[str]:
    assert result.code == 0, result.err
    return [b["title"] for b in result.json()]


def test_town_and_json_before_the_verb(gt, towns):
    assert _titles(gt("--town", towns["a"], "--json", "bead", "list")) == ["bead of a"]
    assert _titles(gt("--json", "bead", "list", "--town", towns["b"])) == ["bead of b"]
    assert _titles(gt("--town", towns["a"], "bead", "list", "--json")) == ["bead of a"]
    rigs = gt("--json", "rig", "list", "--town", towns["a"])
    assert rigs.code == 0 and rigs.json() == []


def test_the_verbs_own_option_wins(gt, towns):
    assert _titles(gt("--town", towns["a"], "bead", "list", "--town", towns["b"], "--json")) == ["bead of b"]


def test_options_between_a_group_and_its_verb(gt, towns):
    assert _titles(gt("bead", "--json", "--town", towns["a"], "list")) == ["bead of a"]
    assert _titles(gt("--town", towns["a"], "bead", "--town", towns["b"], "list", "--json")) == ["bead of b"]


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = run_gt(flag)
    assert result.code == 0 and result.err == ""
    assert result.out == f"gt {importlib.metadata.version('gastown-tui')}\n"


def _json_error(result) -> dict:
    assert result.code != 0 and result.out == ""
    assert "Traceback" not in result.err
    return json.loads(result.err)


@pytest.mark.parametrize("where", ["before", "after"])
def test_errors_under_json_are_one_json_object_on_stderr(gt, towns, where):
    argv = ["bead", "show", "ta-nope", "--town", towns["a"]]
    argv = ["--json", *argv] if where == "before" else [*argv, "--json"]
    result = gt(*argv)
    assert result.code == 1
    assert _json_error(result) == {
        "error": "no bead 'ta-nope' in the ledger",
        "hint": "list beads with: gt bead list --all",
    }


def test_a_missing_town_under_json(gt, towns):
    error = _json_error(gt("--json", "bead", "list"))
    assert error["error"] == "not inside a Gas Town town" and "gt install" in error["hint"]


def test_a_usage_error_under_json(gt, towns):
    result = gt("--json", "bead", "list", "--bogus", "--town", towns["a"])
    assert result.code == 2
    error = _json_error(result)
    assert error["error"] == "unrecognized arguments: --bogus" and error["hint"] == "see: gt bead list --help"
    missing = gt("bead", "show", "--json")
    assert missing.code == 2 and "required: id" in _json_error(missing)["error"]


def test_plain_errors_stay_one_line(gt, towns):
    result = gt("bead", "show", "ta-nope", "--town", towns["a"])
    assert result.code == 1
    assert result.err == "gt: no bead 'ta-nope' in the ledger\n  → list beads with: gt bead list --all\n"
    usage = gt("bead", "list", "--bogus")
    assert usage.code == 2 and usage.err.startswith("usage: gt bead list")
    assert usage.err.endswith("gt bead list: error: unrecognized arguments: --bogus\n")
