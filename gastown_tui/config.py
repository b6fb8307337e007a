"""Validated configuration files: ``town.toml`` (and, later, ``rig.toml``).

pydantic does the checking; every error names the file and the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import GtError, InvalidInput
from .ledger import fields
from .tomlfile import read_toml


class LedgerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = "doltlite:ledger.db"


class MailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Named distribution lists: ``gt mail send ops …`` reaches every member.
    lists: dict[str, list[str]] = Field(default_factory=dict)


class _NamedConfig(BaseModel):
    """A config with a ``name`` (it becomes paths and session names) and a bead ``prefix``."""

    kind: ClassVar[str] = "name"

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str) -> str:
        return fields.check_name(value, f"{cls.kind} name")

    @field_validator("prefix", check_fields=False)
    @classmethod
    def _prefix(cls, value: str) -> str:
        return fields.check_prefix(value)


class TownConfig(_NamedConfig):
    kind: ClassVar[str] = "town"
    model_config = ConfigDict(extra="allow")
    name: str
    prefix: str = "hq"
    ledger: LedgerConfig = Field(default_factory=LedgerConfig)
    default_runtime: str = "claude"
    # Who gets the witness's escalations: the human by default; "mayor/" when a mayor agent runs.
    escalate_to: str = "overseer"
    mail: MailConfig = Field(default_factory=MailConfig)


def describe_validation_error(path: Path, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{where}: {err['msg']}")
    return f"{path}: " + "; ".join(problems)


def load_model(model: type[BaseModel], path: Path, data: dict[str, Any] | None = None) -> Any:
    """``path`` (or its already-read ``data``) validated as ``model``; every error names the file."""
    raw = read_toml(path) if data is None else data
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(path, exc), "fix the file and retry") from None
    except GtError as exc:  # raised by a field check (names, prefixes, branches)
        raise InvalidInput(f"{path}: {exc.message}", exc.hint or "fix the file and retry") from None


class Gate(BaseModel):
    """One verification command of the refinery, run as an argument list (never through a shell)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    command: list[str] = Field(min_length=1)
    timeout: float = Field(default=300, gt=0)


class RigConfig(_NamedConfig):
    """``TOWN/RIG/rig.toml``."""

    kind: ClassVar[str] = "rig"

    @field_validator("default_branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        from .vcs.git import check_branch

        return check_branch(value)

    model_config = ConfigDict(extra="forbid")
    name: str
    prefix: str
    source: str
    default_branch: str = "main"
    runtime: str = "claude"
    max_polecats: int = Field(default=25, ge=1, le=200)
    merge_policy: Literal["approve", "auto"] = "approve"
    batch_size: int = Field(default=4, ge=1, le=64)
    gates: list[Gate] = Field(default_factory=list)
    # Stacks of a batch gated at once, each in its own worktree; 0 = the number of cores, at most 4.
    gate_parallelism: int = Field(default=0, ge=0, le=16)
    # Re-runs of a red gate on the same commit before its MR is convicted (a pass then = flaky).
    gate_retries: int = Field(default=1, ge=0, le=5)
    # An MR left out of more than this many batches (while ready) goes to the front regardless of score.
    starvation_passes: int = Field(default=5, ge=1)
    # The daemon slings ready beads of open convoys to polecats, up to max_polecats at once
    # (what Gas Town's mayor does by hand; on in the demo).
    auto_sling: bool = False
    # Witness thresholds (seconds).
    stall_after: float = Field(default=900, gt=0)
    max_restarts: int = Field(default=3, ge=0)
    # Times the witness sends a failed, conflicting or rejected merge request back to its polecat
    # before escalating it instead.
    max_rework: int = Field(default=3, ge=0)

    @property
    def gate_width(self) -> int:
        """How many stacks the refinery gates at once (``gate_parallelism``, or the cores up to 4)."""
        return self.gate_parallelism or max(1, min(os.cpu_count() or 1, 4))
