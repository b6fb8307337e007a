"""Entry point of ``gt``: builds the verb tree, runs one verb, turns user errors into one line.

Verb groups live in sibling modules, each with ``register(sub, common)``; they
import services only inside their handlers so that ``gt hook`` and ``gt bead
create`` start in a few tens of milliseconds. ``gt VERB …`` imports and builds only
the module of VERB (``GROUPS``); help, no verb or any usage error builds them all.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import sys
from collections.abc import Iterable

# Modules under gastown_tui.cli that add verbs, in the order of ``gt --help``, each with the
# top-level verbs its ``register`` adds (tests/test_cli_lazy.py holds the two in step). Sub-verbs
# (``gt rig sync``) need no entry: they come with their group's module.
GROUPS: dict[str, tuple[str, ...]] = {
    "town": ("install",),
    "ledger": ("ledger",),
    "beads": ("bead", "import", "export", "history"),
    "mail": ("mail",),
    "convoys": ("convoy",),
    "formulas": ("formula", "mol"),
    "rigs": ("rig",),
    "polecats": ("sling", "hook", "prime", "done", "nudge", "polecat"),
    "agent": ("agent",),
    "witness": ("witness",),
    "refinery": ("mq", "refinery"),
    "daemon": ("daemon", "demo"),
    "tui": ("tui",),
}
_MODULE_OF = {verb: module for module, verbs in GROUPS.items() for verb in verbs}


class _UsageError(Exception):
    """A bad command line, raised instead of argparse's print-and-exit so that --json can shape it."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _UsageError(self, message)


class _Version(argparse.Action):
    """``--version``; the package metadata is read only when asked (it costs startup time)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("gastown-tui")
        except PackageNotFoundError:
            shown = "(version unknown: not installed)"
        print(f"gt {shown}")
        parser.exit()


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    """--town and --json. The copy under each verb and group has no defaults (SUPPRESS): left out
    there, it keeps what was given before the verb (``gt --json bead list``); given there, it wins."""
    no_default = {"default": argparse.SUPPRESS} if suppress else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--town", help="town folder (default: $GT_TOWN, else search upwards for town.toml)", **no_default
    )
    common.add_argument("--json", action="store_true", help="machine-readable JSON output", **no_default)
    return common


@functools.cache
def _verb_options() -> argparse.ArgumentParser:
    return _common_options(suppress=True)


def build_parser(groups: Iterable[str] = GROUPS) -> argparse.ArgumentParser:
    """The ``gt`` parser with the verbs of ``groups`` (modules of ``GROUPS``; default all)."""
    parser = _Parser(
        prog="gt",
        description="Gas Town: run a town of AI coding agents. `gastown-tui` opens the terminal UI.",
        parents=[_common_options(suppress=False)],
    )
    parser.add_argument("-V", "--version", action=_Version, help="print gt's version and exit")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in groups:
        importlib.import_module(f"{__package__}.{name}").register(sub, _verb_options())
    return parser


def _verb_group(argv: list[str]) -> str | None:
    """The module of the verb ``argv`` names, or None where the whole tree is needed: no known
    verb, or help asked for before it (``gt -h bead``). The word after ``--town`` is its value."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return None
        if not word.startswith("-"):
            return _MODULE_OF.get(word)
        if word.startswith("--") and len(word) > 2 and "--help".startswith(word):
            return None
        if not word.startswith("--") and "h" in word:
            return None
        if len(word) > 2 and "--town".startswith(word):  # argparse takes --to for --town
            next(words, None)
    return None


def _parse(argv: list[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """Parse with only the invoked verb's module; anything that does not go through (usage errors,
    no verb) is parsed again with every verb, so help and errors are those of the whole tree."""
    group = _verb_group(argv)
    if group is not None:
        parser = build_parser((group,))
        with contextlib.suppress(_UsageError):
            args = _parse_with(parser, argv)
            if getattr(args, "handler", None) is not None:
                return parser, args
    parser = build_parser()
    return parser, _parse_with(parser, argv)


def _parse_with(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    if extra:  # let the verb's own parser say it, with the verb's usage line
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _wants_json(argv: list[str]) -> bool:
    """--json anywhere among the options (before a ``--``), for errors met before parsing is done."""
    return "--json" in (argv[: argv.index("--")] if "--" in argv else argv)


def fail(message: str, hint: str = "", code: int = 1, as_json: bool = False) -> int:
    """Report an error on stderr: ``gt: message`` and ``  → hint``, or one JSON object under --json."""
    if as_json:
        print(json.dumps({"error": message, "hint": hint or None}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"gt: {message}", file=sys.stderr)
        if hint:
            print(f"  → {hint}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    from ..errors import GtError

    argv = sys.argv[1:] if argv is None else argv
    try:
        parser, args = _parse(argv)
    except _UsageError as exc:
        if _wants_json(argv):
            return fail(exc.message, f"see: {exc.parser.prog} --help", 2, as_json=True)
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
        return 2
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.verb is None else 2
    from .context import Context

    ctx = Context(args)
    try:
        result = handler(ctx)
    except GtError as exc:
        return fail(exc.message, exc.hint, exc.exit_code, ctx.json)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the user named cannot be used; the sites that know better say more
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}", as_json=ctx.json)
    return int(result or 0)


def run() -> None:
    sys.exit(main())


def add_verb(sub, common, name: str, handler, help_text: str, aliases: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """A verb with the common options (--town, --json) and its handler attached."""
    parser = sub.add_parser(name, help=help_text, description=help_text, parents=[common], aliases=list(aliases))
    parser.set_defaults(handler=handler, parser=parser)
    return parser


def add_group(sub, name: str, help_text: str):
    """A verb group (``gt bead …``); returns its sub-verb collection."""
    parser = sub.add_parser(name, help=help_text, description=help_text, parents=[_verb_options()])
    group = parser.add_subparsers(dest=f"{name}_verb", metavar="VERB")
    parser.set_defaults(handler=lambda ctx: (parser.print_help(), 2)[1])
    return group
