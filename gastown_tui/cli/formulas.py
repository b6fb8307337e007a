"""``gt formula list|show|validate`` and ``gt mol pour|status|next|step done``: workflows from formulas."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import GtError
from .main import add_group, add_verb

if TYPE_CHECKING:
    from ..services.molecules import Step

_MARKS = {"done": "✓", "in_progress": "▶", "ready": "○", "blocked": "·"}


def register(sub, common) -> None:
    formula = add_group(sub, "formula", "workflow templates (built-in, town and rig formulas)")
    p = add_verb(formula, common, "list", formula_list, "the formulas you can pour")
    p.add_argument("--rig", help="include this rig's formulas")
    p = add_verb(formula, common, "show", formula_show, "a formula's variables and steps")
    p.add_argument("name", help="formula name or path of a .toml file")
    p.add_argument("--rig", help="look in this rig's formulas too")
    p = add_verb(formula, common, "validate", formula_validate, "check formulas (all of them without NAME)")
    p.add_argument("names", nargs="*", metavar="NAME", help="formula names or paths of .toml files")
    p.add_argument("--rig", help="look in this rig's formulas too")

    mol = add_group(sub, "mol", "molecules: formulas poured into the ledger, worked step by step")
    p = add_verb(mol, common, "pour", mol_pour, "create a molecule (one child bead per step)")
    p.add_argument("formula", help="formula name or path of a .toml file")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="repeatable")
    p.add_argument("--rig", help="create the beads under this rig's prefix (and use its formulas)")
    p.add_argument("--assignee")
    p.add_argument("--wisp", action="store_true", help="ephemeral: never leaves the ledger on export")
    p = add_verb(mol, common, "status", mol_status, "a molecule's steps and their state")
    p.add_argument("id")
    p = add_verb(mol, common, "next", mol_next, "the steps ready now (default: the molecule on your hook)")
    p.add_argument("id", nargs="?")
    step = add_group(mol, "step", "work on one step")
    p = add_verb(step, common, "done", step_done, "close a step (the molecule closes with its last one)")
    p.add_argument("step_id")
    p.add_argument("--reason", default="step done")


def _town_or_none(ctx):
    """Formulas work outside a town (built-ins only) unless a town was asked for."""
    try:
        return ctx.town
    except GtError:
        if ctx.args.town:
            raise
        return None


def formula_list(ctx) -> None:
    from ..services import formulas

    town = _town_or_none(ctx)
    rows = []
    for name, path in formulas.catalog(town, ctx.args.rig).items():
        row: dict[str, Any] = {"name": name, "source": formulas.origin(path, town), "path": str(path)}
        try:
            f = formulas.load_formula(path)
            summary = f.description.strip().splitlines()[0] if f.description.strip() else ""
            row.update(version=f.version, steps=len(f.steps), description=summary, error=None)
        except GtError as exc:
            row.update(version=None, steps=0, description="", error=exc.message)
        rows.append(row)

    def text() -> str:
        return "\n".join(
            f"{r['name']:<24} {r['source']:<8} "
            + (
                f"INVALID: {r['error']}"
                if r["error"]
                else f"v{r['version']:<3} {r['steps']:>2} steps  {r['description']}"
            )
            for r in rows
        )

    ctx.emit(rows, text)


def formula_show(ctx) -> None:
    from ..services import formulas

    f = formulas.find_formula(ctx.args.name, _town_or_none(ctx), ctx.args.rig)
    data = {k: v for k, v in dataclasses.asdict(f).items() if k != "source"} | {"path": f.source}

    def text() -> str:
        lines = [f"{f.name} v{f.version}  ({f.source})", ""]
        if f.description.strip():
            lines += [f.description.strip(), ""]
        if f.vars:
            lines.append("variables:")
            for name, var in f.vars.items():
                what = "required" if var.required else f"default {var.default or ''!r}"
                lines.append(f"  {name:<18} {what:<20} {var.description}")
            lines.append("")
        lines.append("steps:")
        for number, step in enumerate(f.steps, 1):
            needs = f"  (needs {', '.join(step.needs)})" if step.needs else ""
            lines.append(f"  {number}. {step.id}: {step.title}{needs}")
        return "\n".join(lines)

    ctx.emit(data, text)


def formula_validate(ctx) -> int:
    from ..services import formulas

    town = _town_or_none(ctx)
    if ctx.args.names:
        targets = list(ctx.args.names)
    else:
        targets = [str(p) for p in formulas.catalog(town, ctx.args.rig).values()]
    results = []
    for target in targets:
        try:
            f = formulas.find_formula(target, town, ctx.args.rig)
            results.append({"formula": f.name, "path": f.source, "ok": True, "error": None, "kind": None})
        except GtError as exc:
            kind = getattr(exc, "kind", "not-found")
            results.append({"formula": target, "path": target, "ok": False, "error": exc.message, "kind": kind})

    ctx.emit(
        results,
        lambda: (
            "\n".join(f"ok    {r['formula']}" if r["ok"] else f"BAD   {r['error']}" for r in results) or "no formulas"
        ),
    )
    return 0 if all(r["ok"] for r in results) else 1


def mol_pour(ctx) -> None:
    from ..services import formulas, molecules

    a = ctx.args
    formula = formulas.find_formula(a.formula, ctx.town, a.rig)
    variables = formulas.parse_vars(a.var)
    mol = molecules.pour(ctx.town, formula, variables, rig=a.rig, assignee=a.assignee, wisp=a.wisp)
    ctx.emit(mol.as_json(), lambda: f"poured {formula.name} as {mol.id} ({mol.total} steps)\n" + _steps_text(mol.steps))


def mol_status(ctx) -> None:
    from ..services import molecules

    mol = molecules.status(ctx.town, ctx.args.id)
    ctx.emit(
        mol.as_json(),
        lambda: (
            f"{mol.id}  {mol.formula or mol.title}  [{mol.status}]  "
            f"{mol.done}/{mol.total} steps done\n" + _steps_text(mol.steps)
        ),
    )


def mol_next(ctx) -> None:
    from ..addresses import default_actor
    from ..services import molecules

    mol_id = ctx.args.id or molecules.hooked_molecule(ctx.town, default_actor())
    ready = molecules.next_steps(ctx.town, mol_id)
    ctx.emit([st.as_json() for st in ready], lambda: _steps_text(ready) if ready else f"nothing ready in {mol_id}")


def step_done(ctx) -> None:
    from ..services import molecules

    a = ctx.args
    result = molecules.complete_step(ctx.town, a.step_id, a.reason)

    def text() -> str:
        lines = [f"closed {a.step_id}"]
        if result.molecule_closed:
            lines.append(f"molecule {result.molecule} complete")
        elif result.next:
            lines.append("next:\n" + _steps_text(result.next))
        lines += [f"🚚 convoy {c} landed" for c in result.landed]
        return "\n".join(lines)

    ctx.emit(result.as_json(), text)


def _steps_text(steps: Sequence[Step]) -> str:
    return "\n".join(
        f"  {_MARKS.get(st.state, '?')} {st.id:<16} {st.state:<11} {st.title}"
        + (f"  @{st.assignee}" if st.assignee else "")
        for st in steps
    )
