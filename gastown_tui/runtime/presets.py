"""Agent runtime presets: the command line each agent CLI takes and how it gets its first prompt.

``prompt`` says how the start-up prompt is delivered:
- ``arg``: appended as the last argument (``claude … "PROMPT"``);
- ``flag``: after ``prompt_flag`` (gemini ``-i PROMPT``, opencode ``--prompt PROMPT``);
- ``type``: typed into the session once the runtime is ready (codex, aider): the screen shows
  ``ready_prefix`` at the start of a line, or ``ready_delay`` seconds have passed.

A town may add or override presets in ``town.toml``::

    [runtimes.myagent]
    command = ["myagent", "--yes"]
    prompt = "arg"

``scripted`` is the package's own agent (no AI). A runtime spec may carry switches for it:
``scripted:hang``, ``scripted:crash``, ``scripted:fail-gates``, ``scripted:conflict``,
``scripted:fast``, ``scripted:ask``, ``scripted:ask-silent`` (combine with commas: ``scripted:conflict,fast``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from ..errors import InvalidInput

if TYPE_CHECKING:
    from ..town import Town

SCRIPTED_SWITCHES = ("hang", "crash", "fail-gates", "conflict", "fast", "ask", "ask-silent")
_KEYS_HINT = "a runtime takes command = [...], prompt = arg|flag|type, prompt_flag, ready_prefix, ready_delay, env"


@dataclass(frozen=True)
class Preset:
    name: str
    command: tuple[str, ...]
    prompt: Literal["arg", "flag", "type"] = "arg"
    prompt_flag: str = ""
    ready_prefix: str = ""
    ready_delay: float = 0.0
    # Pause between typed text and Enter (agents that treat a fast Enter as part of a paste).
    enter_delay: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    def argv(self, prompt: str) -> list[str]:
        """The session's command: an argument list, exec'd directly (no shell ever sees the prompt)."""
        if self.prompt == "arg":
            return [*self.command, prompt]
        if self.prompt == "flag":
            return [*self.command, self.prompt_flag, prompt]
        return list(self.command)


def _scripted() -> tuple[str, ...]:
    return (sys.executable, "-m", "gastown_tui.runtime.scripted")


BUILTIN: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("claude", ("claude", "--dangerously-skip-permissions"), ready_prefix="❯", enter_delay=0.5),
        Preset(
            "codex",
            ("codex", "--dangerously-bypass-approvals-and-sandbox"),
            prompt="type",
            ready_prefix="›",
            ready_delay=3.0,
            enter_delay=0.5,
        ),
        Preset("gemini", ("gemini", "--approval-mode", "yolo"), prompt="flag", prompt_flag="-i", ready_delay=5.0),
        Preset("aider", ("aider", "--yes-always"), prompt="type", ready_prefix=">", ready_delay=5.0, enter_delay=0.2),
        Preset(
            "opencode",
            ("opencode",),
            prompt="flag",
            prompt_flag="--prompt",
            ready_delay=8.0,
            env={"OPENCODE_PERMISSION": '{"*":"allow"}'},
        ),
        Preset("scripted", _scripted()),
    )
}


def resolve(town: Town | None, spec: str) -> Preset:
    """The preset for a runtime spec (``claude``, ``scripted:hang,fast``, or a town-defined name)."""
    name, _, switches = (spec or "").partition(":")
    table = (town.raw.get("runtimes") if town else None) or {}
    if not isinstance(table, dict):
        raise InvalidInput("town.toml: runtimes must be a table of [runtimes.NAME] sections", _KEYS_HINT)
    custom = table.get(name)
    if custom is not None:
        preset = _from_config(name, custom)
    elif name in BUILTIN:
        preset = BUILTIN[name]
    else:
        known = sorted({*BUILTIN, *table})
        raise InvalidInput(f"unknown runtime {spec!r}", "use one of: " + ", ".join(known))
    if not switches:
        return preset
    flags = [s.strip() for s in switches.split(",") if s.strip()]
    if name != "scripted" or any(f not in SCRIPTED_SWITCHES for f in flags):
        raise InvalidInput(
            f"bad runtime switches {switches!r} for {name}",
            "only scripted takes switches: " + ", ".join(SCRIPTED_SWITCHES),
        )
    return replace(preset, command=(*preset.command, *(f"--{f}" for f in flags)))


def _from_config(name: str, raw: object) -> Preset:
    where = f"town.toml [runtimes.{name}]"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be a table", _KEYS_HINT)
    command = raw.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) and c for c in command):
        raise InvalidInput(f"{where}: command must be a non-empty list of strings", 'e.g. command = ["claude"]')
    allowed = {"command", "prompt", "prompt_flag", "ready_prefix", "ready_delay", "enter_delay", "env"}
    unknown = set(raw) - allowed
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}", "keys: " + ", ".join(sorted(allowed))
        )
    prompt = raw.get("prompt", "arg")
    if prompt not in ("arg", "flag", "type") or (prompt == "flag" and not raw.get("prompt_flag")):
        raise InvalidInput(f"{where}: prompt must be arg, flag (with prompt_flag) or type")
    try:
        return Preset(
            name,
            tuple(command),
            prompt=prompt,
            prompt_flag=str(raw.get("prompt_flag", "")),
            ready_prefix=str(raw.get("ready_prefix", "")),
            ready_delay=float(raw.get("ready_delay", 0.0)),
            enter_delay=float(raw.get("enter_delay", 0.0)),
            env={str(k): str(v) for k, v in dict(raw.get("env") or {}).items()},
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{where}: {exc}") from None
