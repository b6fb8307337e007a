"""Entry point of ``gt``: builds the verb tree, runs one verb, turns user errors into one line.

Verb groups live in sibling modules, each with ``register(sub, common)``; they
import services only inside their handlers so that ``gt hook`` and ``gt bead
create`` start in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules under gastown_tui.cli that add verbs, in the order of ``gt --help``.
GROUPS = (
    "town",
    "beads",
    "mail",
    "convoys",
    "formulas",
    "rigs",
    "polecats",
    "witness",
    "refinery",
    "daemon",
    "tui",
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--town", help="town folder (default: $GT_TOWN, else search upwards for town.toml)")
    common.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser = argparse.ArgumentParser(
        prog="gt",
        description="Gas Town: run a town of AI coding agents. `gastown-tui` opens the terminal UI.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in GROUPS:
        importlib.import_module(f"{__package__}.{name}").register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..errors import GtError

    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # let the verb's own parser say it, with the verb's usage line
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.verb is None else 2
    from .context import Context

    ctx = Context(args)
    try:
        result = handler(ctx)
    except GtError as exc:
        print(f"gt: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  → {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the user named cannot be used; the sites that know better say more
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"gt: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
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
    parser = sub.add_parser(name, help=help_text, description=help_text)
    group = parser.add_subparsers(dest=f"{name}_verb", metavar="VERB")
    parser.set_defaults(handler=lambda ctx: (parser.print_help(), 2)[1])
    return group
