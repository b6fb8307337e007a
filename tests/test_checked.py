"""rig.toml, town.toml and formulas checked without pydantic: each problem named with its place, all at once."""

from __future__ import annotations

import pytest

from gastown_tui.config import Gate, RigConfig, TownConfig, load_model
from gastown_tui.errors import InvalidInput
from gastown_tui.services import formulas

RIG = 'name = "calc"\nprefix = "ca"\nsource = "/src"\n'


def _rig_error(tmp_path, text: str) -> str:
    path = tmp_path / "rig.toml"
    path.write_text(RIG + text)
    with pytest.raises(InvalidInput) as raised:
        load_model(RigConfig, path)
    assert raised.value.message.startswith(f"{path}: ")
    return raised.value.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('max_polecats = "30"', "max_polecats: should be a whole number, not '30'"),
        ("max_polecats = true", "max_polecats: should be a whole number, not True"),
        ("max_polecats = 0", "max_polecats: should be greater than or equal to 1, not 0"),
        ("batch_size = 65", "batch_size: should be less than or equal to 64, not 65"),
        ("stall_after = 0", "stall_after: should be greater than 0, not 0"),
        ('merge_policy = "yolo"', "merge_policy: should be one of 'approve', 'auto', not 'yolo'"),
        ("auto_sling = 1", "auto_sling: should be true or false, not 1"),
        ("colour = 1", "colour: not a known setting"),
        ('gates = "make"', "gates: should be a list, not 'make'"),
        ('[[gates]]\nname = "t"\ncommand = []', "gates.0.command: should have at least 1 item"),
        ('[[gates]]\nname = "t"\ncommand = ["x", 2]', "gates.0.command.1: should be a string, not 2"),
        ('[[gates]]\ncommand = ["x"]\ntimeout = -1', "gates.0.name: required, but missing; gates.0.timeout:"),
        ('push_branch = "-x"', "push_branch: bad branch name '-x'"),
    ],
)
def test_each_bad_rig_setting_is_named_with_its_place(tmp_path, text, says):
    assert says in _rig_error(tmp_path, text)


def test_every_problem_is_reported_at_once(tmp_path):
    message = _rig_error(tmp_path, "max_polecats = 0\nbatch_size = 0\nnope = 1")
    assert "max_polecats:" in message and "batch_size:" in message and "nope: not a known setting" in message


def test_a_good_rig_toml_gives_typed_values_and_defaults(tmp_path):
    path = tmp_path / "rig.toml"
    path.write_text(RIG + 'stall_after = 60\n[[gates]]\nname = "t"\ncommand = ["make", "test"]\n')
    config = load_model(RigConfig, path)
    assert config.stall_after == 60.0 and isinstance(config.stall_after, float)
    assert config.gates == [Gate(name="t", command=["make", "test"], timeout=300)]
    assert (config.max_polecats, config.merge_policy, config.landing_branch) == (25, "approve", "main")


def test_town_toml_keeps_other_tables_and_checks_its_own(tmp_path):
    path = tmp_path / "town.toml"
    path.write_text('name = "t"\n[runtimes.cat]\ncommand = ["cat"]\n[mail.lists]\nops = ["a/", 3]\n')
    with pytest.raises(InvalidInput, match=r"town.toml: mail.lists.ops.1: should be a string, not 3"):
        load_model(TownConfig, path)
    path.write_text('name = "t"\nprefix = "Bad!"\n')
    with pytest.raises(InvalidInput, match=r"town.toml: prefix: bad bead prefix 'Bad!'") as raised:
        load_model(TownConfig, path)
    assert "lower-case" in raised.value.hint  # the check's own hint is kept


def test_a_formula_step_with_a_bad_id_is_a_schema_error_naming_the_file(tmp_path):
    path = tmp_path / "x.formula.toml"
    path.write_text('[[steps]]\nid = "no spaces"\ntitle = "T"\n')
    with pytest.raises(formulas.FormulaError) as raised:
        formulas.load_formula(path)
    assert raised.value.kind == "schema" and raised.value.message.startswith(f"{path}: steps.0.id: bad step id")


def test_a_formula_takes_its_name_from_formula_or_name(tmp_path):
    text = '{key} = "ship"\n[[steps]]\nid = "a"\ntitle = "A"\n'
    for key in ("formula", "name"):
        assert formulas.parse_formula(text.format(key=key), "ship.toml").name == "ship"
    with pytest.raises(formulas.FormulaError, match="source: not a known setting"):
        formulas.parse_formula('source = "x"\n' + text.format(key="name"), "ship.toml")
