"""The arrows of ARCHITECTURE.md: services and the agent-facing CLI never load Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gastown_tui.services


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_services_do_not_import_textual():
    names = [m.name for m in pkgutil.iter_modules(gastown_tui.services.__path__)]
    assert names, "services/ is empty"
    imports = "\n".join(f"import gastown_tui.services.{n}" for n in names)
    loaded = _loaded_after(imports)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_agent_facing_cli_stays_light():
    loaded = _loaded_after("from gastown_tui.cli.main import build_parser\nbuild_parser()")
    heavy = {"textual", "pydantic", "git", "libtmux", "pymysql", "rich"}
    assert not heavy & {m.split(".")[0] for m in loaded}
