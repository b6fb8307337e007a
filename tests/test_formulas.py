"""Formulas: built-ins validate, each kind of bad formula has its own error, the search path's precedence."""

from __future__ import annotations

import textwrap

import pytest

from gastown_tui.errors import NotFound
from gastown_tui.services import formulas

GOOD = """
formula = "{name}"
description = "Ship {{{{feature}}}}"
[vars.feature]
description = "what to build"
required = true
[vars]
base = "main"
[[steps]]
id = "design"
title = "Design {{{{feature}}}}"
[[steps]]
id = "build"
title = "Build on {{{{base}}}}"
needs = ["design"]
"""


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.formula.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("name", sorted(formulas.catalog()))
def test_every_builtin_formula_validates_and_renders(name):
    formula = formulas.find_formula(name)
    assert formula.name == name and formula.description.strip() and len(formula.steps) >= 3
    required = {k: f"<{k}>" for k, v in formula.vars.items() if v.required}
    values, steps = formula.render(required)
    for step in steps:
        assert step.title.strip() and step.description.strip()
        assert "{{" not in step.title + step.description
    assert set(values) == set(formula.vars)


def test_builtins_include_the_promised_workflows():
    names = set(formulas.catalog())
    assert {"mol-polecat-work", "release", "code-review"} <= names
    work = formulas.find_formula("mol-polecat-work")
    assert work.vars["issue"].required and work.steps[-1].id == "submit"
    assert "gt done" in work.steps[-1].description


BAD = {
    "toml": ('formula = "x"\n[[steps]\nid = "a"\n', "malformed TOML"),
    "duplicate-id": (
        '[[steps]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "a"\ntitle = "again"\n',
        "duplicate step id 'a'",
    ),
    "unknown-need": ('[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["ghost"]\n', "needs unknown step 'ghost'"),
    "cycle": (
        '[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["c"]\n'
        '[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a"]\n'
        '[[steps]]\nid = "c"\ntitle = "C"\nneeds = ["b"]\n',
        "cycle: a → c → b → a",
    ),
    "undefined-var": ('[[steps]]\nid = "a"\ntitle = "Fix {{bug}}"\n', "uses {{bug}}, which is not a declared variable"),
    "schema": ('[[steps]]\nid = "a"\n', "steps.0.title"),
    "name": ('formula = "other"\n[[steps]]\nid = "a"\ntitle = "A"\n', "formula is named 'other'"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_kind_of_bad_formula_has_its_own_error(tmp_path, kind):
    text, message = BAD[kind]
    path = _write(tmp_path, "broken", text)
    with pytest.raises(formulas.FormulaError) as err:
        formulas.load_formula(path)
    assert err.value.kind == kind
    assert message in err.value.message
    assert err.value.message.startswith(str(path))  # the error names the file
    assert err.value.hint


def test_variables_required_unknown_default_and_shorthand(tmp_path):
    formula = formulas.load_formula(_write(tmp_path, "ship", GOOD.format(name="ship")))
    with pytest.raises(formulas.FormulaError) as err:
        formula.render({})
    assert err.value.kind == "missing-var" and "'feature'" in err.value.message and "--var feature=" in err.value.hint
    with pytest.raises(formulas.FormulaError) as err:
        formula.render({"feature": "x", "colour": "red"})
    assert err.value.kind == "unknown-var"
    values, steps = formula.render({"feature": "login"})
    assert values == {"feature": "login", "base": "main"}
    assert [s.title for s in steps] == ["Design login", "Build on main"]
    assert formulas.parse_vars(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}


def test_search_path_later_folders_win(tmp_path):
    from gastown_tui.town import Town

    (tmp_path / "town.toml").write_text('name = "t"\n')
    town = Town(tmp_path)
    _write(tmp_path / "formulas", "release", GOOD.format(name="release"))
    _write(tmp_path / "formulas", "ship", GOOD.format(name="ship"))
    _write(tmp_path / "gastown" / "formulas", "ship", GOOD.format(name="ship").replace("Design", "Sketch"))
    assert formulas.find_formula("release").source.endswith("gastown_tui/formulas/release.formula.toml")
    assert formulas.find_formula("release", town).source == str(tmp_path / "formulas" / "release.formula.toml")
    assert formulas.find_formula("ship", town).steps[0].title.startswith("Design")
    assert formulas.find_formula("ship", town, "gastown").steps[0].title.startswith("Sketch")
    found = formulas.catalog(town, "gastown")
    assert formulas.origin(found["ship"], town) == "gastown"
    assert formulas.origin(found["release"], town) == "town"
    assert formulas.origin(found["code-review"], town) == "builtin"
    with pytest.raises(NotFound, match="no formula named 'nope'"):
        formulas.find_formula("nope", town)


def test_cli_formula_list_show_validate(town, gt, tmp_path):
    listed = gt("formula", "list", "--json")
    assert listed.code == 0
    assert {"mol-polecat-work", "release", "code-review"} <= {r["name"] for r in listed.json()}
    shown = gt("formula", "show", "release")
    assert shown.code == 0 and "version" in shown.out and "needs changelog, bump-version" in shown.out
    assert gt("formula", "validate").code == 0

    _write(town.root / "formulas", "loop", BAD["cycle"][0])
    bad = gt("formula", "validate", "--json")
    assert bad.code == 1
    by_name = {r["formula"]: r for r in bad.json()}
    assert by_name["release"]["ok"] is True
    loop = [r for r in bad.json() if not r["ok"]]
    assert len(loop) == 1 and loop[0]["kind"] == "cycle" and "loop.formula.toml" in loop[0]["error"]
    # a broken town formula is reported, and does not hide the others
    rows = {r["name"]: r for r in gt("formula", "list", "--json").json()}
    assert "cycle" in rows["loop"]["error"] and rows["release"]["error"] is None
    one = gt("formula", "validate", str(_write(tmp_path, "dup", BAD["duplicate-id"][0])))
    assert one.code == 1 and "duplicate step id" in one.out


def test_a_folder_given_as_a_formula_is_a_clear_error(gt, tmp_path):
    folder = tmp_path / "looks-like.formula.toml"
    folder.mkdir()
    res = gt("formula", "show", str(folder))
    assert res.code != 0 and "Is a directory" in res.err and "Traceback" not in res.err
