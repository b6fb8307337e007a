"""Screen rules: what each runtime's screen looks like when it waits for a person, works, or idles.

The fallback for agents that do not report their state (no hooks, or hooks that missed an
event): the witness's watch pass reads the captures it already makes and matches the last
lines of the screen (prompts sit at the bottom) against these patterns. Waiting wins over
working, working over idle; a screen that matches nothing says nothing.

The patterns are data: a town adds or replaces them in ``town.toml``::

    [screens.claude]
    waiting = ["Do you want to proceed\\?", "Allow this"]   # replaces the built-in list

``yes_no`` patterns mark a waiting prompt that takes ``y``/``n`` (the TUI offers those keys).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..town import Town

# How many non-blank lines from the bottom of the screen a rule looks at.
TAIL_LINES = 12
KINDS = ("waiting", "working", "idle", "yes_no")


@dataclass(frozen=True)
class ScreenRules:
    waiting: tuple[str, ...] = ()
    working: tuple[str, ...] = ()
    idle: tuple[str, ...] = ()
    yes_no: tuple[str, ...] = (r"\[y/n\]", r"\(y/n\)", r"\(Y\)es/\(N\)o")

    def compiled(self) -> _Compiled:
        return _compile(self)


@dataclass(frozen=True)
class Verdict:
    state: str  # waiting | working | idle
    line: str  # the screen line that matched (the question, for waiting)
    yes_no: bool = False


# Written from each runtime's own prompts (see tests/fixtures/screens/RUNTIME/*.txt).
BUILTIN: dict[str, ScreenRules] = {
    "claude": ScreenRules(
        waiting=(
            r"Do you want to (proceed|make this edit|create|allow)",
            r"Would you like to proceed",
            r"❯\s*1\.\s*Yes",
            r"needs your permission",
        ),
        working=(r"esc to interrupt",),
        idle=(r"^[│>\s]*❯\s*$", r"\? for shortcuts"),
    ),
    "codex": ScreenRules(
        waiting=(r"Would you like to (run|make|apply)", r"Allow command\?", r"Approve\b.*\?", r"›\s*1\.\s*Yes"),
        working=(r"Esc to interrupt", r"Working \(\d+s"),
        idle=(r"^›\s", r"send\s+.*newline"),
    ),
    "gemini": ScreenRules(
        waiting=(r"Allow execution", r"Apply this change\?", r"●\s*(1\.\s*)?Yes, allow once"),
        working=(r"esc to cancel",),
        idle=(r"Type your message",),
    ),
    "aider": ScreenRules(
        waiting=(r"\(Y\)es/\(N\)o", r"\[Yes\]:\s*$"),
        working=(r"Waiting for \S+",),
        idle=(r"^\S*>\s*$",),
    ),
    "opencode": ScreenRules(
        waiting=(r"Permission required", r"Allow (once|always)"),
        working=(r"esc interrupt", r"Working\.\.\."),
        idle=(r"ctrl\+p commands", r"enter send"),
    ),
    "scripted": ScreenRules(
        waiting=(r"\?\s.*\[y/n\]\s*$",),
        working=(r"\[\S+ \d+/\d+\]",),
        idle=(r"^nothing on my hook",),
    ),
}


@dataclass(frozen=True)
class _Compiled:
    waiting: tuple[re.Pattern[str], ...]
    working: tuple[re.Pattern[str], ...]
    idle: tuple[re.Pattern[str], ...]
    yes_no: tuple[re.Pattern[str], ...]


def _compile(rules: ScreenRules) -> _Compiled:
    return _Compiled(*(tuple(re.compile(p) for p in getattr(rules, kind)) for kind in KINDS))


def rules_for(town: Town | None, runtime: str) -> ScreenRules:
    """The rules of a runtime spec (``claude``, ``scripted:ask``): built-in, with town.toml's ``[screens.NAME]``
    lists (checked by ``config.ScreenRulesConfig``) in place of the ones they name. Unknown runtimes get none."""
    name = (runtime or "").partition(":")[0]
    rules = BUILTIN.get(name, ScreenRules())
    override = town.config.screens.get(name) if town is not None and "screens" in town.raw else None
    if override is None:
        return rules
    return replace(rules, **{k: tuple(v) for k, v in asdict(override).items() if v is not None})


def judge(rules: _Compiled, screen: str) -> Verdict | None:
    """What the bottom of ``screen`` (plain text) says the agent is doing, or None when no rule matches."""
    lines = [line.replace("\xa0", " ").rstrip() for line in screen.splitlines()]
    tail = [line for line in lines if line.strip()][-TAIL_LINES:]
    for kind in ("waiting", "working", "idle"):
        # the question is the first waiting line (a menu of answers follows it); else the lowest line
        for line in tail if kind == "waiting" else reversed(tail):
            if any(p.search(line) for p in getattr(rules, kind)):
                question = line.strip(" │|>❯›●") if kind == "waiting" else line.strip()
                yes_no = kind == "waiting" and any(p.search(line) for p in rules.yes_no)
                return Verdict(kind, question[:200], yes_no)
    return None
