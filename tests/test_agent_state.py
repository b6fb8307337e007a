"""Agents report their state: ``gt agent state``, and the runtimes' hooks wired at session start, run
as the runtime runs them (claude: the settings' command with the JSON payload on stdin; codex: its
notify argv with the JSON as last argument)."""

from __future__ import annotations

import json
import subprocess
import sys

from polecat_support import (  # noqa: F401 (fixtures)
    add_rig,
    agent_fields,
    git,
    lite_town_fixture,
    new_bead,
    tmux_server,
    wait_for,
)

from conftest import run_gt
from gastown_tui.services import polecats
from gastown_tui.services.agent_hooks import SETTINGS

AGENT = "gt-gastown-polecat-furiosa"
ADDRESS = "gastown/polecats/furiosa"


def _runtime(town, name: str, program: str, prompt: str = "arg") -> None:
    """A stand-in for a runtime that cannot run here (no claude/codex binary): same preset name, so the
    session start wires that runtime's hooks; the program just stays alive (and records its argv)."""
    command = json.dumps([sys.executable, "-c", program])
    with open(town.file, "a") as fh:
        fh.write(f'\n[runtimes.{name}]\ncommand = {command}\nprompt = "{prompt}"\n')
    town.__dict__.pop("raw", None)


def _state(town) -> dict:
    return next(r for r in polecats.json_rows(town, polecats.list_polecats(town)) if r["name"] == "furiosa")


def test_claude_hooks_are_written_into_the_worktree_and_report_as_claude_runs_them(lite_town, tmp_path, tmux):
    town = lite_town
    _runtime(town, "claude", "import time; time.sleep(120)")
    add_rig(town, tmp_path, runtime="claude")
    got = polecats.sling(town, new_bead(town, "Hooked work"), "gastown")
    worktree = town.root / "gastown" / "polecats" / "furiosa"
    settings = json.loads((worktree / SETTINGS).read_text())
    hooks = settings["hooks"]
    assert set(hooks) >= {"Notification", "PermissionRequest", "UserPromptSubmit", "PreToolUse", "Stop"}
    assert hooks["PreToolUse"][0]["matcher"] == "*"
    assert "settings.local.json" not in git(worktree, "status", "--porcelain", "--ignored=no")  # kept out of git
    env = {**tmux.environment(got["session"]), "PATH": "/usr/bin:/bin"}  # the session's identity, no venv

    def fire(event: str, **payload) -> None:
        """Claude Code runs each hook's command through a shell with the event's JSON on stdin."""
        command = hooks[event][0]["hooks"][0]["command"]
        body = {"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": str(worktree),
                "hook_event_name": event, **payload}  # fmt: skip
        proc = subprocess.run(["sh", "-c", command], input=json.dumps(body), text=True, capture_output=True,
                              env=env, cwd=worktree, timeout=30)  # fmt: skip
        assert proc.returncode == 0 and not proc.stderr, proc.stderr

    assert _state(town)["state"] == "working" and _state(town)["reported"] is None
    fire("Notification", message="Claude needs your permission to use Bash", notification_type="permission_prompt")
    row = _state(town)
    assert row["state"] == "waiting" and row["reason"] == "Claude needs your permission to use Bash"
    assert row["reported"] == "waiting" and row["since"] and not row["yes_no"]
    assert agent_fields(town, AGENT)["reported_by"] == "hook"
    fire("PreToolUse", tool_name="Bash", tool_input={"command": "pytest -q"})
    assert _state(town)["state"] == "working" and _state(town)["reported"] == "working"
    fire("PermissionRequest", tool_name="Bash", tool_input={"command": "rm -rf build"})
    assert _state(town)["reason"] == "permission to use Bash: rm -rf build"
    fire("UserPromptSubmit", prompt="yes, go on")
    assert _state(town)["reported"] == "working"
    fire("Stop", stop_hook_active=False)
    assert _state(town)["reported"] == "idle" and _state(town)["state"] == "working"
    fire("Notification", message="Claude is waiting for your input", notification_type="idle_prompt")
    assert _state(town)["reported"] == "idle"


def test_an_existing_local_settings_file_keeps_its_own_hooks(lite_town, tmp_path, tmux):
    from gastown_tui.services.agent_hooks import install

    worktree = tmp_path / "wt"
    (worktree / ".claude").mkdir(parents=True)
    mine = {"type": "command", "command": "echo mine"}
    (worktree / SETTINGS).write_text(json.dumps({"model": "opus", "hooks": {"Stop": [{"hooks": [mine]}]}}))
    install("claude", worktree)
    install("claude", worktree)  # a restart: ours replaced, not doubled
    settings = json.loads((worktree / SETTINGS).read_text())
    assert settings["model"] == "opus" and settings["hooks"]["Stop"][0]["hooks"] == [mine]
    assert len(settings["hooks"]["Stop"]) == 2 and len(settings["hooks"]["Notification"]) == 1


def test_codex_gets_its_notify_command_and_it_reports_the_end_of_a_turn(lite_town, tmp_path, tmux):
    town = lite_town
    argv_file = tmp_path / "argv.json"
    _runtime(
        town, "codex", f"import json,sys,time; json.dump(sys.argv, open({str(argv_file)!r}, 'w')); time.sleep(120)"
    )
    add_rig(town, tmp_path, runtime="codex")
    got = polecats.sling(town, new_bead(town, "Codex work"), "gastown")

    def recorded():
        try:
            return json.loads(argv_file.read_text())
        except (OSError, ValueError):  # not written yet, or half-way
            return None

    argv = wait_for(recorded, what="codex argv")
    flag = argv.index("-c", 1)  # argv[0] is python's own -c
    key, _, value = argv[flag + 1].partition("=")
    notify = json.loads(value)
    assert key == "notify" and notify[1:] == ["agent", "hook", "codex"]
    env = tmux.environment(got["session"])
    polecats_env = {**env, "PATH": "/usr/bin:/bin"}
    run_gt("agent", "state", "waiting", "--reason", "Allow command?", env=polecats_env)
    assert _state(town)["state"] == "waiting"
    payload = {"type": "agent-turn-complete", "thread-id": "t1", "turn-id": "1", "cwd": "/x",
               "input-messages": ["go"], "last-assistant-message": "done"}  # fmt: skip
    proc = subprocess.run([*notify, json.dumps(payload)], env=polecats_env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    assert _state(town)["reported"] == "idle" and _state(town)["state"] == "working"


def test_agent_state_from_the_cli_records_once_and_refuses_bad_input(lite_town, tmp_path, gt, monkeypatch):
    town = lite_town
    add_rig(town, tmp_path)
    from gastown_tui.services.rigpaths import load_rig

    # the agent bead a sling makes, made by hand (no session needed to report)
    town.ledger.write("t", lambda tx: polecats.set_agent(tx, load_rig(town, "gastown"), "furiosa"))
    monkeypatch.setenv("GT_ACTOR", ADDRESS)
    question = "Ship it?\x1b[31m [y/n]\n"
    res = gt("agent", "state", "waiting", "--reason", question, "--json")
    assert res.code == 0 and res.json()["changed"] is True
    fields = agent_fields(town, AGENT)
    assert fields["reported"] == "waiting" and fields["reason"] == "Ship it?[31m [y/n]" and fields["yes_no"] == "true"
    events = len(town.ledger.events_since(0, limit=10_000))
    assert gt("agent", "state", "waiting", "--reason", question, "--json").json()["changed"] is False
    assert len(town.ledger.events_since(0, limit=10_000)) == events  # the same word twice: no write
    assert gt("agent", "state", "working").code == 0 and "yes_no" not in agent_fields(town, AGENT)
    res = gt("agent", "state", "sleeping")
    assert res.code == 2 and "invalid choice" in res.err
    monkeypatch.delenv("GT_ACTOR")
    res = gt("agent", "state", "idle")
    assert res.code == 2 and "GT_ACTOR is not set" in res.err and "Traceback" not in res.err
    res = gt("agent", "state", "idle", "--agent", "gastown/witness")
    assert res.code == 1 and "no agent bead gt-gastown-polecat-witness" in res.err
    res = gt("agent", "hook", "claude", "not json")
    assert res.code == 0 and "gt agent hook" in res.err
