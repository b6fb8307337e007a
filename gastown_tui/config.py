"""Validated configuration files: ``town.toml`` (and, later, ``rig.toml``).

pydantic does the checking; every error names the file and the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

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


class ScreenRulesConfig(BaseModel):
    """``[screens.RUNTIME]``: regular expressions that replace a runtime's built-in screen rules
    (``runtime/screens.py``); a list left out keeps the built-in one."""

    model_config = ConfigDict(extra="forbid")
    waiting: list[str] | None = None
    working: list[str] | None = None
    idle: list[str] | None = None
    yes_no: list[str] | None = None

    @field_validator("waiting", "working", "idle", "yes_no")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        import re

        for pattern in value or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return value


class AttentionConfig(BaseModel):
    """``[attention]``: how the TUI tells a person that an agent waits for them."""

    model_config = ConfigDict(extra="forbid")
    bell: bool = True
    # A desktop notification through notify-send, where it exists.
    notify_send: bool = False


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
    screens: dict[str, ScreenRulesConfig] = Field(default_factory=dict)
    attention: AttentionConfig = Field(default_factory=AttentionConfig)


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

    @field_validator("default_branch", "push_branch")
    @classmethod
    def _branch(cls, value: str, info: ValidationInfo) -> str:
        from .vcs.git import check_branch

        return check_branch(value) if value or info.field_name == "default_branch" else value

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
    # Where landed work goes: the origin's branch of that name (default: default_branch). "merge"
    # pushes the gated target there; "pr" pushes each polecat's branch and opens a pull request (gh).
    push_branch: str = ""
    merge_strategy: Literal["merge", "pr"] = "merge"
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
    # An agent waiting for a person this long is reported to the overseer (once per wait).
    wait_mail_after: float = Field(default=600, gt=0)

    @property
    def landing_branch(self) -> str:
        """The origin's branch that receives landed work."""
        return self.push_branch or self.default_branch

    @property
    def gate_width(self) -> int:
        """How many stacks the refinery gates at once (``gate_parallelism``, or the cores up to 4)."""
        return self.gate_parallelism or max(1, min(os.cpu_count() or 1, 4))
