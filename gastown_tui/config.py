"""Validated configuration files: ``town.toml`` and ``rig.toml``.

``checked.build`` does the checking; every error names the file and the field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from .checked import Invalid, build, rule
from .errors import GtError, InvalidInput
from .ledger import fields
from .tomlfile import read_toml


@dataclass
class LedgerConfig:
    url: str = "doltlite:ledger.db"


@dataclass
class MailConfig:
    # Named distribution lists: ``gt mail send ops …`` reaches every member.
    lists: dict[str, list[str]] = field(default_factory=dict)


def _patterns(value: list[str]) -> list[str]:
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return value


_PATTERNS = rule(check=_patterns)


@dataclass
class ScreenRulesConfig:
    """``[screens.RUNTIME]``: regular expressions that replace a runtime's built-in screen rules
    (``runtime/screens.py``); a list left out keeps the built-in one."""

    waiting: list[str] | None = field(default=None, metadata=_PATTERNS)
    working: list[str] | None = field(default=None, metadata=_PATTERNS)
    idle: list[str] | None = field(default=None, metadata=_PATTERNS)
    yes_no: list[str] | None = field(default=None, metadata=_PATTERNS)


@dataclass
class AttentionConfig:
    """``[attention]``: how the TUI tells a person that an agent waits for them."""

    bell: bool = True
    # A desktop notification through notify-send, where it exists.
    notify_send: bool = False


def _name_rule(kind: str) -> dict[str, Any]:
    """A ``name`` becomes paths and session names."""
    return rule(check=lambda value: fields.check_name(value, f"{kind} name"))


_PREFIX = rule(check=fields.check_prefix)


@dataclass
class TownConfig:
    OTHER_KEYS: ClassVar[bool] = True  # [runtimes.*] and the like are read from town.raw
    name: str = field(metadata=_name_rule("town"))
    prefix: str = field(default="hq", metadata=_PREFIX)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    default_runtime: str = "claude"
    # Who gets the witness's escalations: the human by default; "mayor/" when a mayor agent runs.
    escalate_to: str = "overseer"
    mail: MailConfig = field(default_factory=MailConfig)
    screens: dict[str, ScreenRulesConfig] = field(default_factory=dict)
    attention: AttentionConfig = field(default_factory=AttentionConfig)


def load_model(model: type, path: Path, data: dict[str, Any] | None = None) -> Any:
    """``path`` (or its already-read ``data``) validated as ``model``; every error names the file."""
    raw = read_toml(path) if data is None else data
    try:
        return build(model, raw)
    except Invalid as exc:
        raise InvalidInput(f"{path}: {exc.describe()}", "fix the file and retry") from None
    except GtError as exc:  # raised by a field check (names, prefixes, branches)
        raise InvalidInput(f"{path}: {exc.message}", exc.hint or "fix the file and retry") from None


@dataclass
class Gate:
    """One verification command of the refinery, run as an argument list (never through a shell)."""

    name: str
    command: list[str] = field(metadata=rule(min_length=1))
    timeout: float = field(default=300, metadata=rule(gt=0))


def _branch(value: str) -> str:
    from .vcs.git import check_branch

    return check_branch(value)


def _branch_or_empty(value: str) -> str:
    return _branch(value) if value else value


@dataclass
class RigConfig:
    """``TOWN/RIG/rig.toml``."""

    name: str = field(metadata=_name_rule("rig"))
    prefix: str = field(metadata=_PREFIX)
    source: str
    default_branch: str = field(default="main", metadata=rule(check=_branch))
    runtime: str = "claude"
    max_polecats: int = field(default=25, metadata=rule(ge=1, le=200))
    merge_policy: Literal["approve", "auto"] = "approve"
    batch_size: int = field(default=4, metadata=rule(ge=1, le=64))
    gates: list[Gate] = field(default_factory=list)
    # Where landed work goes: the origin's branch of that name (default: default_branch). "merge"
    # pushes the gated target there; "pr" pushes each polecat's branch and opens a pull request (gh).
    push_branch: str = field(default="", metadata=rule(check=_branch_or_empty))
    merge_strategy: Literal["merge", "pr"] = "merge"
    # Stacks of a batch gated at once, each in its own worktree; 0 = the number of cores, at most 4.
    gate_parallelism: int = field(default=0, metadata=rule(ge=0, le=16))
    # Re-runs of a red gate on the same commit before its MR is convicted (a pass then = flaky).
    gate_retries: int = field(default=1, metadata=rule(ge=0, le=5))
    # An MR left out of more than this many batches (while ready) goes to the front regardless of score.
    starvation_passes: int = field(default=5, metadata=rule(ge=1))
    # The daemon slings ready beads of open convoys to polecats, up to max_polecats at once
    # (what Gas Town's mayor does by hand; on in the demo).
    auto_sling: bool = False
    # Witness thresholds (seconds).
    stall_after: float = field(default=900, metadata=rule(gt=0))
    max_restarts: int = field(default=3, metadata=rule(ge=0))
    # Times the witness sends a failed, conflicting or rejected merge request back to its polecat
    # before escalating it instead.
    max_rework: int = field(default=3, metadata=rule(ge=0))
    # An agent waiting for a person this long is reported to the overseer (once per wait).
    wait_mail_after: float = field(default=600, metadata=rule(gt=0))

    @property
    def landing_branch(self) -> str:
        """The origin's branch that receives landed work."""
        return self.push_branch or self.default_branch

    @property
    def gate_width(self) -> int:
        """How many stacks the refinery gates at once (``gate_parallelism``, or the cores up to 4)."""
        return self.gate_parallelism or max(1, min(os.cpu_count() or 1, 4))
