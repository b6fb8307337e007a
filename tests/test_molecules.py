"""Molecules on both backends: pouring, the ready set step by step, the hook, wisps, bad formulas."""

from __future__ import annotations

import json

import pytest

from gastown_tui.errors import Conflict
from gastown_tui.services import convoys, formulas, molecules

NUX = "gastown/polecats/nux"
DIAMOND = """
formula = "diamond"
description = "Ship {{feature}}"
[vars.feature]
required = true
[vars.base]
default = "main"
[[steps]]
id = "plan"
title = "Plan {{feature}}"
description = "Write down how {{feature}} will work."
[[steps]]
id = "backend"
title = "Backend for {{feature}}"
needs = ["plan"]
[[steps]]
id = "frontend"
title = "Frontend for {{feature}}"
needs = ["plan"]
[[steps]]
id = "integrate"
title = "Integrate on {{base}}"
needs = ["backend", "frontend"]
[[steps]]
id = "ship"
title = "Ship it"
needs = ["integrate"]
"""


@pytest.fixture
def diamond():
    return formulas.parse_formula(DIAMOND, "diamond.formula.toml", "diamond")


def _ready(ledger, mol_id):
    return sorted(st.step for st in ledger.read(lambda s: molecules.next_steps(s, mol_id)))


def _done(ledger, mol_id, step):
    step_id = next(st.id for st in ledger.read(lambda s: molecules.steps(s, mol_id)) if st.step == step)
    return ledger.write("step done", lambda tx: molecules.complete_step_in(tx, step_id))


def test_pour_makes_a_molecule_with_one_child_per_step(ledger, diamond):
    mol_id = ledger.write("pour", lambda tx: molecules.pour_in(tx, diamond, {"feature": "login"}, assignee=NUX))
    mol = ledger.get(mol_id)
    assert mol["issue_type"] == "molecule" and mol["mol_type"] == "work" and mol["assignee"] == NUX
    assert ledger.read(lambda s: s.labels(mol_id)) == ["gt:molecule"]
    status = ledger.read(lambda s: molecules.status(s, mol_id))
    assert status.formula == "diamond" and status.variables == {"feature": "login", "base": "main"}
    assert mol["description"].endswith("Ship login")
    steps = status.steps
    assert [st.id for st in steps] == [f"{mol_id}.{n}" for n in range(1, 6)]
    assert [st.step for st in steps] == ["plan", "backend", "frontend", "integrate", "ship"]
    assert steps[0].title == "Plan login" and steps[0].description == "Write down how login will work."
    assert steps[3].title == "Integrate on main"
    assert all(st.assignee == NUX for st in steps)
    parents = ledger.read(lambda s: s.dependencies(steps[1].id, "parent-child"))
    assert [d["depends_on_id"] for d in parents] == [mol_id]
    assert sorted(steps[3].needs) == sorted([steps[1].id, steps[2].id])
    as_json = status.as_json()  # what gt mol status --json prints: the bead's columns and these
    assert (as_json["id"], as_json["vars"], as_json["done"], as_json["total"]) == (mol_id, status.variables, 0, 5)
    assert as_json["steps"][3]["needs"] == list(steps[3].needs) and as_json["steps"][0]["state"] == "ready"


def test_diamond_gives_the_right_ready_set_at_each_step(ledger, diamond):
    mol_id = ledger.write("pour", lambda tx: molecules.pour_in(tx, diamond, {"feature": "login"}))
    assert _ready(ledger, mol_id) == ["plan"]
    states = {st.step: st.state for st in ledger.read(lambda s: molecules.steps(s, mol_id))}
    assert states == {
        "plan": "ready",
        "backend": "blocked",
        "frontend": "blocked",
        "integrate": "blocked",
        "ship": "blocked",
    }

    _done(ledger, mol_id, "plan")
    assert _ready(ledger, mol_id) == ["backend", "frontend"]
    _done(ledger, mol_id, "frontend")
    assert _ready(ledger, mol_id) == ["backend"]
    _done(ledger, mol_id, "backend")
    assert _ready(ledger, mol_id) == ["integrate"]
    _done(ledger, mol_id, "integrate")
    assert _ready(ledger, mol_id) == ["ship"]
    assert ledger.get(mol_id)["status"] == "open"
    result = _done(ledger, mol_id, "ship")
    assert result.molecule_closed is True
    assert _ready(ledger, mol_id) == []
    assert ledger.get(mol_id)["status"] == "closed"


def test_current_step_and_blocked_steps_are_refused(ledger, diamond):
    mol_id = ledger.write("pour", lambda tx: molecules.pour_in(tx, diamond, {"feature": "x"}))
    assert ledger.read(lambda s: molecules.current_step(s, mol_id))["step"] == "plan"
    with pytest.raises(Conflict, match="still needs"):
        ledger.write("done", lambda tx: molecules.complete_step_in(tx, f"{mol_id}.4"))
    assert ledger.get(f"{mol_id}.4")["status"] == "open"
    _done(ledger, mol_id, "plan")
    ledger.write("start", lambda tx: tx.update(f"{mol_id}.3", status="in_progress"))
    current = ledger.read(lambda s: molecules.current_step(s, mol_id))
    assert current["step"] == "frontend" and current["state"] == "in_progress"


def test_a_convoy_tracking_a_molecule_lands_with_its_last_step(ledger):
    small = formulas.parse_formula('[[steps]]\nid = "only"\ntitle = "Do it"\n', "one.toml", "one")
    mol_id = ledger.write("pour", lambda tx: molecules.pour_in(tx, small))
    cid = ledger.write("convoy", lambda tx: convoys.create_convoy(tx, "Mol", [mol_id]))
    result = ledger.write("done", lambda tx: molecules.complete_step_in(tx, f"{mol_id}.1"))
    assert result.molecule_closed and result.landed == (cid,)


def test_missing_variable_creates_nothing(ledger, diamond):
    before = ledger.read(lambda s: s.last_event_id())
    with pytest.raises(formulas.FormulaError) as err:
        ledger.write("pour", lambda tx: molecules.pour_in(tx, diamond, {}))
    assert err.value.kind == "missing-var"
    assert ledger.read(lambda s: s.last_event_id()) == before
    assert ledger.list_beads(include_closed=True) == []


def test_town_pour_status_and_complete_step(town, diamond):
    mol = molecules.pour(town, diamond, {"feature": "search"}, assignee=NUX)
    assert mol.id.startswith("hq-") and (mol.done, mol.total) == (0, 5) and mol == molecules.status(town, mol.id)
    assert [st.step for st in molecules.next_steps(town, mol.id)] == ["plan"]
    done = molecules.complete_step(town, f"{mol.id}.1")
    assert (done.step, done.molecule, done.molecule_closed, done.landed) == (f"{mol.id}.1", mol.id, False, ())
    assert [st.step for st in done.next] == ["backend", "frontend"]
    assert done.as_json()["next"] == [st.as_json() for st in molecules.next_steps(town, mol.id)]
    town.ledger.write("sling", lambda tx: tx.update(mol.id, status="hooked", assignee=NUX))
    assert molecules.hooked_molecule(town, NUX) == mol.id


def _write_formula(town, text, folder=None):
    target = (folder or town.root) / "formulas"
    target.mkdir(parents=True, exist_ok=True)
    (target / "diamond.formula.toml").write_text(text)


def test_cli_pour_status_next_and_step_done(town, gt, monkeypatch):
    _write_formula(town, DIAMOND)
    poured = gt("mol", "pour", "diamond", "--var", "feature=search", "--json")
    assert poured.code == 0, poured.err
    mol_id = poured.json()["id"]
    assert mol_id.startswith("hq-") and poured.json()["total"] == 5

    assert [st["id"] for st in gt("mol", "next", mol_id, "--json").json()] == [f"{mol_id}.1"]
    blocked = gt("mol", "step", "done", f"{mol_id}.2")
    assert blocked.code != 0 and "still needs" in blocked.err
    done = gt("mol", "step", "done", f"{mol_id}.1", "--json")
    assert done.code == 0 and [st["step"] for st in done.json()["next"]] == ["backend", "frontend"]
    text = gt("mol", "status", mol_id).out
    assert "1/5 steps done" in text and "✓" in text and "Backend for search" in text

    # without an id, `gt mol next` reads the molecule on the caller's hook
    nothing = gt("mol", "next")
    assert nothing.code != 0 and "nothing on the hook" in nothing.err
    town.ledger.write("sling", lambda tx: tx.update(mol_id, status="hooked", assignee=NUX))
    monkeypatch.setenv("GT_ACTOR", NUX)
    assert sorted(st["step"] for st in gt("mol", "next", "--json").json()) == ["backend", "frontend"]

    missing = gt("mol", "pour", "diamond")
    assert missing.code != 0 and "required variable 'feature'" in missing.err and "--var feature=" in missing.err
    unknown = gt("mol", "pour", "no-such-formula")
    assert unknown.code != 0 and "no formula named" in unknown.err
    assert len(town.ledger.list_beads(issue_type="molecule", include_closed=True)) == 1


def test_cli_pour_into_a_rig_uses_its_prefix_and_formulas(town, gt):
    rig = town.root / "gastown"
    rig.mkdir()
    (rig / "rig.toml").write_text('name = "gastown"\nprefix = "gt"\nsource = "/nowhere"\n')
    _write_formula(town, DIAMOND.replace("Ship it", "Ship from town"))
    _write_formula(town, DIAMOND.replace("Ship it", "Ship from rig"), rig)
    poured = gt("mol", "pour", "diamond", "--rig", "gastown", "--var", "feature=f", "--json")
    assert poured.code == 0, poured.err
    assert poured.json()["id"].startswith("gt-")
    assert poured.json()["steps"][-1]["title"] == "Ship from rig"


def test_wisps_leave_the_ledger_on_export_only_when_asked(town, gt, tmp_path):
    kept = gt("mol", "pour", "release", "--var", "version=1.0", "--json").json()["id"]
    wisp = gt("mol", "pour", "release", "--var", "version=2.0", "--wisp", "--json").json()
    assert "-wisp-" in wisp["id"] and wisp["ephemeral"] == 1
    assert all(st["ephemeral"] == 1 for st in wisp["steps"])
    assert [st["state"] for st in wisp["steps"]][:2] == ["ready", "blocked"]

    everything = tmp_path / "all"
    assert gt("export", str(everything)).code == 0  # a backup keeps every bead, wisps too (issue 16)
    assert wisp["id"] in (everything / "issues.jsonl").read_text()

    out = tmp_path / "backup"
    done = gt("export", str(out), "--no-wisps")
    assert done.code == 0 and f"{1 + len(wisp['steps'])} wisps left out (--no-wisps)" in done.out
    issues = [json.loads(line)["id"] for line in (out / "issues.jsonl").read_text().splitlines()]
    deps = [json.loads(line) for line in (out / "dependencies.jsonl").read_text().splitlines()]
    assert kept in issues and f"{kept}.6" in issues
    assert not [i for i in issues if i.startswith(wisp["id"])]
    assert not [d for d in deps if wisp["id"] in d["issue_id"] or wisp["id"] in d["depends_on_id"]]
    assert any(d["issue_id"] == f"{kept}.2" and d["type"] == "blocks" for d in deps)
