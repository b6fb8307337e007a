"""The arrows of ARCHITECTURE.md: services never load Textual, and the verbs agents run inside their
sessions (``gt hook``, ``gt mail send``, ``gt done``) load only what they use.

The agent verbs run for real, each as its own process in a town with a rig and hooked work, and
report ``sys.modules`` as they exit: what they import is what they cost at every call.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import gastown_tui.services
from conftest import GT

# Runs ``gt ARGS`` as the installed entry point does, then writes the modules it loaded.
_PROBE = """
import json, os, sys
from gastown_tui.cli.main import main
try:
    code = main(sys.argv[1:])
finally:
    with open(os.environ["GT_PROBE_MODULES"], "w") as fh:
        json.dump(sorted(sys.modules), fh)
sys.exit(code)
"""
# No agent verb on an embedded town loads these: the TUI's libraries, the MySQL driver, the
# wrappers the code measured and left (GitPython, libtmux), nor the services of the TUI and daemon.
_NEVER_FOR_AGENTS = {
    "textual",
    "rich",
    "pymysql",
    "git",
    "libtmux",
    "gastown_tui.tui",
    "gastown_tui.services.daemon",
    "gastown_tui.services.witness",
    "gastown_tui.services.dispatch",
    "gastown_tui.services.townview",
    "gastown_tui.services.formulas",
    "gastown_tui.services.demo",
}
AGENT = "gastown/polecats/nux"


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def _hits(loaded: set[str], unwanted: set[str]) -> set[str]:
    """The modules of ``loaded`` that are, or are inside, one of ``unwanted``."""
    return {m for m in loaded if any(m == u or m.startswith(u + ".") for u in unwanted)}


def test_services_do_not_import_textual():
    found = list(pkgutil.walk_packages(gastown_tui.services.__path__, "gastown_tui.services."))
    assert found, "services/ is empty"
    loaded = _loaded_after("\n".join(f"import {m.name}" for m in found))
    assert not _hits(loaded, {"textual"})


def test_agent_facing_cli_stays_light():
    loaded = _loaded_after("from gastown_tui.cli.main import build_parser\nbuild_parser()")
    heavy = {"textual", "git", "libtmux", "pymysql", "rich"}
    assert not heavy & {m.split(".")[0] for m in loaded}


class AgentTown:
    """A town (embedded ledger) with the rig ``gastown``; verbs run in an agent's environment."""

    def __init__(self, root: Path, tmux_dir: Path):
        self.root = root
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "GT_ACTOR")}
        self.env = {**env, "GT_TOWN": str(root), "TMUX_TMPDIR": str(tmux_dir)}

    def gt(self, *argv: str) -> str:
        """``gt`` as a person types it (to set the scene)."""
        proc = subprocess.run([GT, *argv], capture_output=True, text=True, env=self.env, timeout=60)
        assert proc.returncode == 0, (argv, proc.stderr)
        return proc.stdout.strip()

    def hook_work(self, agent: str, title: str) -> str:
        bead_id = self.gt("bead", "create", title)
        self.gt("bead", "update", bead_id, "--status", "hooked", "--assignee", agent)
        return bead_id

    def run_as_agent(self, agent: str, *argv: str, modules: Path) -> tuple[str, set[str]]:
        """Run ``gt ARGV`` inside ``agent``'s session; its output and every module it loaded."""
        env = {**self.env, "GT_ACTOR": agent, "GT_PROBE_MODULES": str(modules)}
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, env=env, timeout=60
        )
        assert proc.returncode == 0, (argv, proc.stderr)
        return proc.stdout, set(json.loads(modules.read_text()))


@pytest.fixture(scope="module")
def agent_town(tmp_path_factory) -> AgentTown:
    base = tmp_path_factory.mktemp("layering")
    source = base / "src"
    source.mkdir()
    git = ["git", "-c", "user.name=tester", "-c", "user.email=tester@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=source, check=True)
    (source / "README.md").write_text("# demo\n")
    subprocess.run([*git, "add", "README.md"], cwd=source, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], cwd=source, check=True)
    (base / "tmux").mkdir()
    town = AgentTown(base / "town", base / "tmux")
    subprocess.run([GT, "install", str(town.root)], capture_output=True, env=town.env, check=True, timeout=60)
    town.gt("rig", "add", "gastown", str(source))
    return town


def _assert_loaded_the_ledger(loaded: set[str]) -> None:
    assert {"gastown_tui.ledger", "doltlite"} <= loaded  # it did its work: the probe saw the real verb


def test_gt_hook_reads_the_hook_and_loads_nothing_else(agent_town, tmp_path):
    agent_town.hook_work(AGENT, "Reticulate splines")
    out, loaded = agent_town.run_as_agent(AGENT, "hook", modules=tmp_path / "modules.json")
    assert "Reticulate splines" in out
    _assert_loaded_the_ledger(loaded)
    # A ledger read: no config models, git, tmux, mail or convoys.
    unwanted = {"gastown_tui.config", "gastown_tui.vcs", "gastown_tui.runtime.tmux", "gastown_tui.services.mail"}
    unwanted |= {"gastown_tui.services.convoys"}
    assert not _hits(loaded, _NEVER_FOR_AGENTS | unwanted)


def test_gt_mail_send_loads_mail_and_not_the_polecat_machinery(agent_town, tmp_path):
    out, loaded = agent_town.run_as_agent(
        AGENT, "mail", "send", "gastown/witness", "-s", "Stuck", "-m", "need help", modules=tmp_path / "modules.json"
    )
    assert out.startswith("sent ") and "gastown/witness" in out
    _assert_loaded_the_ledger(loaded)
    assert "gastown_tui.services.mail" in loaded
    unwanted = {
        "gastown_tui.config",
        "gastown_tui.vcs",
        "gastown_tui.services.polecats",
        "gastown_tui.services.refinery",
    }
    unwanted |= {"gastown_tui.services.convoys", "gastown_tui.services.molecules"}
    assert not _hits(loaded, _NEVER_FOR_AGENTS | unwanted)


def test_gt_done_hands_work_over_without_the_tui_or_the_daemons(agent_town, tmp_path):
    agent = "gastown/polecats/slit"
    bead_id = agent_town.hook_work(agent, "Give up gracefully")
    out, loaded = agent_town.run_as_agent(
        agent, "done", "--exit", "DEFERRED", "--keep-session", modules=tmp_path / "modules.json"
    )
    assert f"Done with {bead_id}" in out
    _assert_loaded_the_ledger(loaded)
    assert not _hits(loaded, _NEVER_FOR_AGENTS)


def test_gt_agent_state_and_hook_record_the_state_without_config_models_tmux_or_git(agent_town, tmp_path):
    """Claude Code's hooks run ``gt agent hook`` at every prompt and tool use: it must stay small."""
    from gastown_tui.fieldlines import parse_fields
    from gastown_tui.services.polecats import set_agent
    from gastown_tui.services.rigpaths import load_rig
    from gastown_tui.town import Town

    town = Town(agent_town.root)
    town.ledger.write("t", lambda tx: set_agent(tx, load_rig(town, "gastown"), "toast"))
    agent = "gastown/polecats/toast"
    unwanted = {"gastown_tui.config", "gastown_tui.vcs", "gastown_tui.runtime", "gastown_tui.services.polecats"}
    unwanted |= {"gastown_tui.services.mail", "gastown_tui.services.convoys", "gastown_tui.services.refinery"}
    _, loaded = agent_town.run_as_agent(agent, "agent", "state", "waiting", "--reason", "Go on? [y/n]",
                                        modules=tmp_path / "state.json")  # fmt: skip
    _assert_loaded_the_ledger(loaded)
    assert not _hits(loaded, _NEVER_FOR_AGENTS | unwanted)
    assert parse_fields(town.ledger.get("gt-gastown-polecat-toast")["description"])["reported"] == "waiting"
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}})
    _, loaded = agent_town.run_as_agent(agent, "agent", "hook", "claude", payload, modules=tmp_path / "hook.json")
    assert not _hits(loaded, _NEVER_FOR_AGENTS | unwanted)
    assert parse_fields(town.ledger.get("gt-gastown-polecat-toast")["description"])["reported"] == "working"
    town.ledger.close()


def test_gt_bead_list_builds_only_the_bead_verbs_and_reads_without_the_write_machinery(agent_town, tmp_path):
    """``gt bead list`` is typed by hand and by agents on ledgers of thousands of beads: it builds
    no other verb module's parser, and loads neither the writes nor the import/export code."""
    agent_town.gt("bead", "create", "Count the splines")
    out, loaded = agent_town.run_as_agent(AGENT, "bead", "list", modules=tmp_path / "modules.json")
    assert "Count the splines" in out
    _assert_loaded_the_ledger(loaded)
    assert "gastown_tui.cli.beads" in loaded
    from gastown_tui.cli.main import GROUPS

    other_verbs = {f"gastown_tui.cli.{module}" for module in GROUPS if module != "beads"}
    unwanted = {"gastown_tui.config", "gastown_tui.vcs", "gastown_tui.runtime", "importlib.metadata"}
    unwanted |= {"gastown_tui.ledger.writes", "gastown_tui.ledger.ids", "gastown_tui.ledger.transfer"}
    unwanted |= {"gastown_tui.ledger.export", "gastown_tui.ledger.jsonl", "gastown_tui.ledger.shapes"}
    unwanted |= {"gastown_tui.services.polecats", "gastown_tui.services.mail", "gastown_tui.services.refinery"}
    unwanted |= {"gastown_tui.services.convoys", "gastown_tui.services.rigs", "gastown_tui.services.agents"}
    assert not _hits(loaded, _NEVER_FOR_AGENTS | other_verbs | unwanted)


def test_the_town_screen_paints_before_any_service_is_loaded():
    """The frame is drawn first and the services load in the first read's worker: nothing the town
    screen imports may pull a service module (or the config records) in before the first paint."""
    loaded = _loaded_after("import gastown_tui.tui.app\nimport gastown_tui.tui.screens.town")
    assert not _hits(loaded, {"gastown_tui.services", "gastown_tui.config"})
    # nor what only a dialog or a view needs: the compose form's text area, the diff view's highlighter
    assert not _hits(loaded, {"gastown_tui.tui.screens.compose_form", "textual.widgets._text_area", "pygments"})
