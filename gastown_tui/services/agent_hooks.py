"""The runtimes' own hook mechanisms, wired to ``gt agent state`` when a polecat's session starts.

- **Claude Code**: hooks in the worktree's ``.claude/settings.local.json`` (the local project
  settings, kept out of git through the repository's ``info/exclude``). Followed: the Claude Code
  hooks reference (docs.anthropic.com/en/docs/claude-code/hooks, as published late 2025: events
  ``Notification`` with ``message`` and ``notification_type`` such as ``permission_prompt`` /
  ``idle_prompt``, ``PermissionRequest``, ``UserPromptSubmit``, ``PreToolUse``, ``PostToolUse``,
  ``Stop``; the payload is JSON on the command's stdin with ``hook_event_name``). Mapping: a
  permission request or a notification other than ``idle_prompt`` → waiting (its message is the
  question); prompt submitted or a tool used → working; stop or ``idle_prompt`` → idle.
- **Codex**: its ``notify`` setting (developers.openai.com/codex config reference, 2025: an argv
  run with one JSON argument, ``type: agent-turn-complete``), given as ``-c notify=[...]`` on the
  command line. Codex reports only the end of a turn (→ idle); its approval prompts are caught by
  the screen rules (``runtime/screens.py``).
- Other runtimes have no hooks here: the screen rules watch them.

``gt agent hook RUNTIME`` reads the payload and calls ``agent_state.report`` (``reported_by: hook``).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

SETTINGS = Path(".claude") / "settings.local.json"
# Claude Code event → state (Notification is decided by its notification_type).
_CLAUDE = {
    "PermissionRequest": "waiting",
    "UserPromptSubmit": "working",
    "PreToolUse": "working",
    "PostToolUse": "working",
    "Stop": "idle",
}
_TOOL_EVENTS = ("PreToolUse", "PostToolUse", "PermissionRequest")


def gt_program() -> str:
    """The ``gt`` next to this Python (the session's PATH has it too; an absolute path cannot miss)."""
    return str(Path(sys.executable).with_name("gt"))


def hook_command(runtime: str) -> list[str]:
    return [gt_program(), "agent", "hook", runtime]


def claude_settings(existing: dict | None = None) -> dict:
    """``existing`` settings with our hooks in place of any earlier ones of ours (others' are kept)."""
    settings = dict(existing or {})
    command = shlex.join(hook_command("claude"))
    hooks = {k: [g for g in v if not _ours(g)] for k, v in dict(settings.get("hooks") or {}).items()}
    for event in ("Notification", *_CLAUDE):
        group: dict = {"hooks": [{"type": "command", "command": command, "timeout": 10}]}
        if event in _TOOL_EVENTS:
            group = {"matcher": "*", **group}
        hooks.setdefault(event, []).append(group)
    settings["hooks"] = hooks
    return settings


def _ours(group: object) -> bool:
    return isinstance(group, dict) and any(
        isinstance(h, dict) and " agent hook " in str(h.get("command", "")) for h in group.get("hooks") or ()
    )


def install(runtime: str, worktree: Path, git_dir: Path | None = None) -> tuple[str, ...]:
    """Wire ``runtime``'s hooks for a session in ``worktree``; returns extra command-line arguments for it.
    ``git_dir`` (the repository's common dir) gets the settings file in its ``info/exclude``."""
    name = runtime.partition(":")[0]
    if name == "claude":
        path = worktree / SETTINGS
        existing = {}
        if path.is_file():
            try:
                existing = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                existing = {}  # not ours to repair: replaced by a valid file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(claude_settings(existing), indent=2) + "\n", encoding="utf-8")
        if git_dir is not None:
            _exclude(git_dir, SETTINGS.as_posix())
        return ()
    if name == "codex":
        return ("-c", "notify=" + json.dumps(hook_command("codex")))
    return ()


def _exclude(git_dir: Path, pattern: str) -> None:
    exclude = git_dir / "info" / "exclude"
    lines = exclude.read_text(encoding="utf-8").splitlines() if exclude.is_file() else []
    if f"/{pattern}" not in lines:
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text("\n".join([*lines, f"/{pattern}"]) + "\n", encoding="utf-8")


def from_payload(runtime: str, payload: dict) -> tuple[str, str] | None:
    """(state, reason) a runtime's hook payload reports, or None for an event that says nothing."""
    if runtime == "claude":
        event = str(payload.get("hook_event_name", ""))
        if event == "Notification":
            if payload.get("notification_type") == "idle_prompt":
                return "idle", ""
            return "waiting", str(payload.get("message") or "needs your attention")
        if event == "PermissionRequest":
            tool = payload.get("tool_name") or "a tool"
            return "waiting", f"permission to use {tool}: " + _brief(payload.get("tool_input"))
        state = _CLAUDE.get(event)
        return (state, "") if state else None
    if runtime == "codex":
        kind = str(payload.get("type", ""))
        if kind == "agent-turn-complete":
            return "idle", ""
        if kind in ("approval-requested", "user-input-requested"):
            return "waiting", str(payload.get("message") or kind.replace("-", " "))
        return None
    return None


def _brief(tool_input: object) -> str:
    if isinstance(tool_input, dict):
        value = tool_input.get("command") or tool_input.get("file_path") or json.dumps(tool_input)
        return str(value)[:200]
    return ""
