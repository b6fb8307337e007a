"""Screen rules per runtime preset, on captured-pane fixtures (tests/fixtures/screens/RUNTIME/STATE.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from polecat_support import lite_town_fixture  # noqa: F401 (fixture)

from gastown_tui.errors import InvalidInput
from gastown_tui.runtime.presets import BUILTIN as PRESETS
from gastown_tui.runtime.screens import BUILTIN, judge, rules_for

SCREENS = Path(__file__).parent / "fixtures" / "screens"
STATES = ("waiting", "working", "idle")


def test_every_runtime_preset_has_rules_and_a_fixture_of_each_state():
    assert set(BUILTIN) == set(PRESETS)
    for runtime in PRESETS:
        assert sorted(p.stem for p in (SCREENS / runtime).glob("*.txt")) == sorted(STATES), runtime


@pytest.mark.parametrize("runtime", sorted(PRESETS))
@pytest.mark.parametrize("state", STATES)
def test_a_captured_screen_is_judged_by_its_runtimes_rules(runtime, state):
    screen = (SCREENS / runtime / f"{state}.txt").read_text(encoding="utf-8")
    verdict = judge(rules_for(None, runtime).compiled(), screen)
    assert verdict is not None and verdict.state == state, (runtime, state, verdict)


def test_the_question_is_the_waiting_line_and_yes_no_prompts_are_told_apart():
    scripted = judge(BUILTIN["scripted"].compiled(), (SCREENS / "scripted" / "waiting.txt").read_text())
    assert scripted.line == "? Write scripted/gt-abc.md and commit it? [y/n]" and scripted.yes_no
    claude = judge(BUILTIN["claude"].compiled(), (SCREENS / "claude" / "waiting.txt").read_text())
    assert claude.line.startswith("Do you want to proceed?") and not claude.yes_no


def test_a_runtime_without_rules_says_nothing_and_a_blank_screen_neither():
    assert judge(rules_for(None, "myagent").compiled(), "Do you want to proceed? [y/n]") is None
    assert judge(BUILTIN["claude"].compiled(), "\n\n") is None


def test_town_toml_replaces_the_lists_it_names(lite_town):
    with open(lite_town.file, "a") as fh:
        fh.write('\n[screens.claude]\nwaiting = ["Shall I go on\\\\?"]\n')
    lite_town.__dict__.pop("raw", None)
    rules = rules_for(lite_town, "claude")
    assert rules.waiting == ("Shall I go on\\?",) and rules.working == BUILTIN["claude"].working
    assert judge(rules.compiled(), "│ Shall I go on? │").state == "waiting"
    assert judge(rules.compiled(), (SCREENS / "claude" / "waiting.txt").read_text()) is None


def test_a_bad_pattern_in_town_toml_is_a_clear_error(lite_town):
    with open(lite_town.file, "a") as fh:
        fh.write('\n[screens.codex]\nwaiting = ["(unclosed"]\n')
    lite_town.__dict__.pop("raw", None)
    with pytest.raises(InvalidInput, match=r"screens.codex.waiting.*bad regular expression"):
        rules_for(lite_town, "codex")
