"""``gt VERB …`` builds only VERB's module (cli/main.py ``GROUPS``), and still reads as one tree:
``gt --help`` lists every verb, ``gt VERB --help`` all of VERB's, a bad verb names every choice."""

from __future__ import annotations

import argparse
import importlib

import pytest

from gastown_tui.cli import main as cli


def _top_level_verbs(module: str) -> set[str]:
    """The verbs (and aliases) ``module``'s register() adds under ``gt``."""
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(f"gastown_tui.cli.{module}").register(sub, cli._verb_options())
    return set(sub.choices)


@pytest.mark.parametrize("module", list(cli.GROUPS))
def test_each_module_adds_exactly_the_verbs_groups_names(module):
    """A verb added to a module and not to GROUPS (or the other way) fails here, not for a user."""
    assert _top_level_verbs(module) == set(cli.GROUPS[module])


def test_no_verb_is_claimed_by_two_modules():
    verbs = [verb for names in cli.GROUPS.values() for verb in names]
    assert len(verbs) == len(set(verbs))


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["bead", "list"], "beads"),
        (["--json", "export", "out"], "beads"),
        (["--town", "mail", "rig", "list"], "rigs"),  # a town folder named like a verb is --town's value
        (["--to", "hook", "sling", "x"], "polecats"),  # argparse's abbreviation of --town
        (["--town=mail", "mq", "list"], "refinery"),
        (["-V", "tui"], "tui"),
        (["-h", "bead"], None),  # help before the verb: the whole tree
        (["--he", "bead"], None),
        (["nosuch"], None),
        ([], None),
        (["--", "bead"], None),
    ],
)
def test_which_module_a_command_line_needs(argv, module):
    assert cli._verb_group(argv) == module


def test_top_level_help_lists_every_verb(gt):
    for argv in (["--help"], ["-h", "bead"], ["--town", "somewhere", "-h"]):
        result = gt(*argv)
        assert result.code == 0, argv
        for names in cli.GROUPS.values():
            for verb in names:
                assert f"\n    {verb} " in result.out, (argv, verb)


def test_a_verbs_help_lists_all_its_verbs(gt):
    out = gt("bead", "--help").out
    for verb in ("create", "show", "list", "update", "close", "reopen", "dep", "comment", "ready"):
        assert f"\n    {verb} " in out, verb
    assert "usage: gt bead list" in gt("bead", "list", "--help").out


def test_a_bad_verb_names_every_verb_of_the_tree(gt):
    result = gt("nosuch")
    assert result.code == 2 and result.out == ""
    every = ", ".join(repr(verb) for names in cli.GROUPS.values() for verb in names)
    assert result.err.endswith(f"gt: error: argument VERB: invalid choice: 'nosuch' (choose from {every})\n")
    # a town folder that looks like a verb does not hide a bad verb behind it
    shadowed = gt("--town", "bead", "nosuch")
    assert shadowed.code == 2 and shadowed.err.endswith(f"(choose from {every})\n")


def test_without_a_verb_gt_prints_the_whole_tree(gt):
    result = gt()
    assert result.code == 0 and "\n    tui " in result.out and "\n    install " in result.out
