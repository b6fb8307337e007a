"""Where a rig lives and what its ``rig.toml`` says: the part of rigs that polecats, the witness and
the refinery need, below ``rigs.py`` (which adds, lists with polecats, and removes rigs).

Layout (shared contract)::

    TOWN/RIG/rig.toml        validated RigConfig
    TOWN/RIG/.repo.git       bare clone of SOURCE; the target branch lives here
    TOWN/RIG/polecats/NAME/  polecat worktrees (branch polecat/NAME/BEAD)
    TOWN/RIG/refinery/       the refinery's worktree (detached at the default branch)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput, NotFound
from ..ledger import fields

if TYPE_CHECKING:
    from ..config import RigConfig
    from ..town import Town

RIG_FILE = "rig.toml"


@dataclass(frozen=True)
class RigPaths:
    root: Path
    config: Path
    repo: Path
    polecats: Path
    refinery: Path

    def polecat(self, name: str) -> Path:
        return self.polecats / fields.check_name(name, "polecat name")


def rig_paths(town: Town, name: str) -> RigPaths:
    root = town.rig_dir(fields.check_name(name, "rig name"))
    return RigPaths(root, root / RIG_FILE, root / ".repo.git", root / "polecats", root / "refinery")


def rig_bead_id(town: Town, name: str) -> str:
    """The rig's bead in the ledger (``{townprefix}-rig-{name}``)."""
    return f"{town.prefix}-rig-{name}"


def load_rig(town: Town, name: str) -> RigConfig:
    from ..config import RigConfig, load_model  # agent-facing verbs that never read a rig skip it

    paths = rig_paths(town, name)
    if not paths.config.is_file():
        raise NotFound(f"no rig {name!r} in {town.root}", "list rigs with: gt rig list")
    config = load_model(RigConfig, paths.config)
    if config.name != name:
        raise InvalidInput(
            f"{paths.config}: name = {config.name!r}, but the rig's folder is {name!r}",
            f'set name = "{name}" in that file (a rig is named by its folder)',
        )
    return config


def list_rigs(town: Town) -> list[RigConfig]:
    return [load_rig(town, p.parent.name) for p in sorted(town.root.glob(f"*/{RIG_FILE}"))]
