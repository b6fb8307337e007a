"""``gt rig add|list|show|remove``."""

from __future__ import annotations

import dataclasses
import shlex

from .main import add_group, add_verb


def register(sub, common) -> None:
    rig = add_group(sub, "rig", "add, list, show and remove rigs (git repositories the town works on)")
    p = add_verb(rig, common, "add", add, "clone a repository into the town as a rig")
    p.add_argument("name", help="letters, digits, - and _")
    p.add_argument("source", help="git URL or path to a local repository")
    p.add_argument("--prefix", help="bead prefix of the rig (default: derived from the name, gastown → gt)")
    p.add_argument(
        "--branch",
        help="target branch (default: the repository's default; a checkout on a feature branch gives its mainline)",
    )
    p.add_argument("--runtime", help="default agent runtime of the rig (default: the town's)")
    p.add_argument(
        "--merge-strategy",
        choices=("merge", "pr"),
        default="merge",
        help="merge: push the gated target to the origin; pr: push each branch and open a pull request (gh)",
    )
    p.add_argument("--no-gates", action="store_true", help="do not propose a gate from the repository's test layout")
    add_verb(rig, common, "list", list_rigs, "the town's rigs")
    p = add_verb(rig, common, "show", show, "one rig's settings and polecats")
    p.add_argument("name")
    p = add_verb(rig, common, "sync", sync, "push the town's merged work to the rig's origin now (after a held push)")
    p.add_argument("name")
    p = add_verb(rig, common, "remove", remove, "kill a rig's sessions and delete its folder (beads are kept)")
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help="even with hooked work (it goes back to open)")


def add(ctx) -> None:
    from ..services.refinery.pushstate import lands_at
    from ..services.rigs import add_rig, rig_paths
    from ..vcs.git import redact
    from ..vcs.remote import checkout_of

    a = ctx.args
    config = add_rig(
        ctx.town, a.name, a.source, prefix=a.prefix, branch=a.branch, runtime=a.runtime,
        merge_strategy=a.merge_strategy, gates=not a.no_gates,
    )  # fmt: skip
    paths = rig_paths(ctx.town, config.name)
    lines = [
        f"Rig {config.name} added (prefix {config.prefix}, branch {config.default_branch}, runtime {config.runtime})",
        f"  at {paths.root}",
    ]
    if config.gates:
        gate = config.gates[0]
        lines.append(f"  gate {gate.name}: {shlex.join(gate.command)} — proposed from the repository; "
                     f"change or remove its [[gates]] in {paths.config}")  # fmt: skip
    else:
        lines.append(f"  no gate: anything merges — add a [[gates]] test command to {paths.config}")
    lines.append(f"  merged work goes to {lands_at(config)}")
    checkout = checkout_of(config.source, config.landing_branch) if config.merge_strategy == "merge" else None
    if checkout:
        lines.append(f"  {config.landing_branch} is checked out in {checkout.worktree}: it moves with each merge "
                     f"while the tree is clean; with uncommitted edits the push waits for: gt rig sync {config.name}")  # fmt: skip
    lines.append(f"  next: gt sling BEAD {config.name}")
    ctx.emit({**dataclasses.asdict(config), "source": redact(config.source)}, "\n".join(lines))


def list_rigs(ctx) -> None:
    from ..display import inert
    from ..services.rigs import ledger_only_rigs, rig_summary
    from ..services.rigs import list_rigs as all_rigs

    rows = [rig_summary(ctx.town, config) for config in all_rigs(ctx.town)]
    lines = [
        f"{r['name']:<16} {r['prefix']:<6} {r['default_branch']:<10} {r['runtime']:<10} "
        f"polecats {r['polecats']} (working {r['working']})"
        for r in rows
    ]
    remote = ledger_only_rigs(ctx.town)
    for r in remote:
        lines.append(f"{inert(r['name']):<16} {inert(r['prefix']):<6} not on this machine (known from the ledger)")
        for a in r["agents"]:
            hook = f"  {inert(a['hook_bead'])} {inert(a['hook_title'])}" if a["hook_bead"] else ""
            lines.append(f"  {inert(a['address']):<30} {inert(a['state']):<9}{hook}")
    ctx.emit(rows + remote, "\n".join(lines) or "No rigs yet (gt rig add NAME GIT-URL).")


def show(ctx) -> None:
    from ..services.polecats import json_rows, list_polecats
    from ..services.refinery.pushstate import forge_problem, lands_at, rig_push
    from ..services.rigs import load_rig, rig_summary

    config = load_rig(ctx.town, ctx.args.name)
    data = rig_summary(ctx.town, config)
    data["push_problem"] = forge_problem(config) or ctx.town.ledger.read(
        lambda s: rig_push(s, ctx.town, config.name)
    ).explain(config.name)
    data["polecat_list"] = json_rows(ctx.town, list_polecats(ctx.town, config.name))

    def text() -> str:
        lines = [
            f"{config.name}  (prefix {config.prefix}, bead {data['bead']})",
            f"  source {data['source']}  branch {config.default_branch}  runtime {config.runtime}",
            f"  merge policy {config.merge_policy}, batch {config.batch_size}, max polecats {config.max_polecats}",
            "  gates: " + (", ".join(g.name for g in config.gates) or "none"),
            f"  merged work goes to {lands_at(config)}",
        ]
        if data["push_problem"]:
            lines.append(f"  ! {data['push_problem']}")
        for p in data["polecat_list"]:
            lines.append(f"  {p['name']:<12} {p['state']:<9} {p['hook_bead']}")
        return "\n".join(lines)

    ctx.emit(data, text)


def sync(ctx) -> None:
    from ..services.refinery.sync import sync as sync_rig

    landing = sync_rig(ctx.town, ctx.args.name)
    if landing is None:
        ctx.emit({"rig": ctx.args.name, "landing": None}, "Nothing to push.")
        return
    ctx.emit({"rig": ctx.args.name, "landing": landing.to_json()}, f"{ctx.args.name}: {landing.text()}")


def remove(ctx) -> None:
    from ..services.rigs import remove_rig

    remove_rig(ctx.town, ctx.args.name, force=ctx.args.force)
    ctx.emit({"removed": ctx.args.name}, f"Rig {ctx.args.name} removed.")
