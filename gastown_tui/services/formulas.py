"""Formulas: TOML workflow templates (Gas Town's shape), parsed, validated and rendered.

A formula file holds ``formula`` (its name; defaults to the file name, which must
match it), ``description``, ``version``, ``[vars.NAME]`` (description, required,
default — or the shorthand ``NAME = "default"``) and ``[[steps]]`` (id, title,
description, needs). ``{{NAME}}`` in titles and descriptions is replaced by the
variable's value.

Formulas are looked up by file name along a search path — the built-ins shipped
in the package, then ``TOWN/formulas``, then ``TOWN/RIG/formulas`` — and a later
folder wins on a name clash. Looking one up parses only its own file, so a broken
formula elsewhere never stops the others from working.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..checked import Invalid, build, rule
from ..errors import InvalidInput, NotFound
from ..ledger import fields

if TYPE_CHECKING:
    from ..town import Town

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "formulas"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
_SUFFIXES = (".formula.toml", ".toml")


class FormulaError(InvalidInput):
    """A formula that cannot be used. ``kind`` names the problem: toml, schema, name,
    duplicate-id, unknown-need, cycle, undefined-var, unknown-var, missing-var."""

    def __init__(self, kind: str, message: str, hint: str = ""):
        super().__init__(message, hint)
        self.kind = kind


@dataclass
class FormulaVar:
    description: str = ""
    required: bool = False
    default: str | None = None


@dataclass
class FormulaStep:
    id: str = field(metadata=rule(check=lambda value: fields.check_name(value, "step id")))
    title: str
    description: str = ""
    needs: list[str] = field(default_factory=list)
    # Gas Town's step hints, kept so its formula files load unchanged.
    parallel: bool = False
    interactive: bool = False
    acceptance: str = ""


@dataclass
class Formula:
    name: str = field(metadata=rule(keys=("formula", "name")))
    steps: list[FormulaStep] = field(metadata=rule(min_length=1))
    description: str = ""
    version: int = 1
    type: Literal["workflow"] = "workflow"
    pour: bool = False
    agent: str = ""
    review_only: bool = False
    vars: dict[str, FormulaVar] = field(default_factory=dict)
    source: str = field(default="", init=False)  # the file it was read from, set by parse_formula

    def values(self, given: dict[str, str]) -> dict[str, str]:
        """Every variable's value: given, else its default; a required one missing is an error."""
        unknown = sorted(set(given) - set(self.vars))
        if unknown:
            declared = ", ".join(self.vars) or "none"
            raise FormulaError(
                "unknown-var",
                f"{self.source}: formula {self.name} has no variable {unknown[0]!r}",
                f"its variables are: {declared}",
            )
        out: dict[str, str] = {}
        for name, var in self.vars.items():
            if name in given:
                out[name] = given[name]
            elif var.required:
                raise FormulaError(
                    "missing-var",
                    f"{self.source}: required variable {name!r} of formula {self.name} not given",
                    f"pass --var {name}=VALUE" + (f" ({var.description})" if var.description else ""),
                )
            else:
                out[name] = var.default or ""
        return out

    def render(self, given: dict[str, str]) -> tuple[dict[str, str], list[FormulaStep]]:
        """The variable values and the steps with ``{{var}}`` replaced."""
        values = self.values(given)
        steps = [replace(s, title=fill(s.title, values), description=fill(s.description, values)) for s in self.steps]
        return values, steps


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by its value (unknown names left as they are)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def formula_name(path: Path) -> str:
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def parse_formula(text: str, source: str, expected_name: str | None = None) -> Formula:
    """Parse and validate one formula; every problem is a FormulaError naming ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormulaError("toml", f"{source}: malformed TOML: {exc}", "fix the file's syntax") from None
    if expected_name and "formula" not in data and "name" not in data:
        data["formula"] = expected_name
    if isinstance(data.get("vars"), dict):  # ``name = "default"`` is short for ``[vars.name] default = "default"``
        data["vars"] = {k: {"default": v} if isinstance(v, str) else v for k, v in data["vars"].items()}
    try:
        formula = build(Formula, data)
    except Invalid as exc:
        raise FormulaError("schema", f"{source}: {exc.describe()}", "fix the file and retry") from None
    except InvalidInput as exc:  # a step id's check
        raise FormulaError("schema", f"{source}: {exc.message}", exc.hint) from None
    formula.source = source
    _check(formula, expected_name)
    return formula


def _check(formula: Formula, expected_name: str | None) -> None:
    src = formula.source
    try:
        fields.check_name(formula.name, "formula name")
    except InvalidInput as exc:
        raise FormulaError("name", f"{src}: {exc.message}", exc.hint) from None
    if expected_name and formula.name != expected_name:
        raise FormulaError(
            "name",
            f"{src}: formula is named {formula.name!r} but its file says {expected_name!r}",
            f"rename the file to {formula.name}.formula.toml or set formula = {expected_name!r}",
        )
    ids: set[str] = set()
    for step in formula.steps:
        if step.id in ids:
            raise FormulaError("duplicate-id", f"{src}: duplicate step id {step.id!r}", "give every step its own id")
        ids.add(step.id)
    for step in formula.steps:
        for need in step.needs:
            if need not in ids:
                raise FormulaError(
                    "unknown-need",
                    f"{src}: step {step.id!r} needs unknown step {need!r}",
                    "needs must name ids of other steps in the formula: " + ", ".join(sorted(ids)),
                )
    cycle = _find_cycle({s.id: s.needs for s in formula.steps})
    if cycle:
        raise FormulaError(
            "cycle", f"{src}: steps form a cycle: {' → '.join(cycle)}", "remove one of these needs to break it"
        )
    for where, text in [("description", formula.description)] + [
        (f"step {s.id!r}", s.title + "\n" + s.description) for s in formula.steps
    ]:
        for match in _PLACEHOLDER.finditer(text):
            if match.group(1) not in formula.vars:
                raise FormulaError(
                    "undefined-var",
                    f"{src}: {where} uses {{{{{match.group(1)}}}}}, which is not a declared variable",
                    f"declare it under [vars.{match.group(1)}]",
                )


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the needs graph as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


def load_formula(path: Path) -> Formula:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path} does not exist", "list formulas with: gt formula list") from None
    except UnicodeDecodeError:
        raise FormulaError("toml", f"{path}: not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}", "give a formula name or a .toml file") from None
    return parse_formula(text, str(path), formula_name(path))


def search_path(town: Town | None = None, rig: str | None = None) -> list[Path]:
    """Folders searched for formulas, lowest precedence first."""
    dirs = [BUILTIN_DIR]
    if town is not None:
        dirs.append(town.root / "formulas")
        if rig:
            dirs.append(town.rig_dir(fields.check_name(rig, "rig name")) / "formulas")
    return dirs


def catalog(town: Town | None = None, rig: str | None = None) -> dict[str, Path]:
    """Formula name → the file that wins for it, sorted by name."""
    found: dict[str, Path] = {}
    for folder in search_path(town, rig):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[formula_name(path)] = path
    return dict(sorted(found.items()))


def find_formula(name: str, town: Town | None = None, rig: str | None = None) -> Formula:
    """A formula by name (along the search path) or by the path of a .toml file."""
    if name.endswith(".toml"):
        return load_formula(Path(name))
    path = catalog(town, rig).get(name)
    if path is None:
        raise NotFound(f"no formula named {name!r}", "list formulas with: gt formula list")
    return load_formula(path)


def origin(path: Path, town: Town | None) -> str:
    """Where a formula file comes from: builtin, town or the rig's name."""
    if path.parent == BUILTIN_DIR:
        return "builtin"
    if town is not None and path.parent == town.root / "formulas":
        return "town"
    return path.parent.parent.name


def parse_vars(pairs: list[str]) -> dict[str, str]:
    """``--var k=v`` options as a dict."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"bad --var {pair!r}", "write it as --var NAME=VALUE")
        out[key.strip()] = value
    return out
