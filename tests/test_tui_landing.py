"""The TUI shows where merged work went: the details line, the pull request a merged MR became (and
``o`` opens it), and the banner of a rig whose push is held. Real git, real ledger, the real app."""

from __future__ import annotations

import os
import webbrowser
from dataclasses import replace
from pathlib import Path

import pytest
from refinery_support import feature, make_rig
from tui_support import async_wait_for, frozen_clock, screen_text, settle, sync

from gastown_tui.services import refinery
from gastown_tui.services.rigs import load_rig, render_rig_toml, rig_paths
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.widgets.merge_queue import MergeQueueTable

SIZE = (160, 48)
URL = "https://github.com/example/gastown/pull/42"


@pytest.fixture(name="lite")
def lite_town(tmp_path, monkeypatch):
    from gastown_tui.town import install

    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("GT_ACTOR", raising=False)
    town = install(str(tmp_path / "town"))
    yield town
    town.ledger.close()


def recorder(folder: Path, name: str, out: Path, stdout: str = "") -> None:
    """A real program ``name`` in ``folder`` that appends its arguments to ``out`` (and prints ``stdout``)."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{out}"\n' + (f'echo "{stdout}"\n' if stdout else ""))
    script.chmod(0o755)


@sync
async def test_a_pull_request_mr_stays_in_the_queue_shows_its_url_and_o_opens_it(lite, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    recorder(bin_dir, "gh", tmp_path / "gh.txt", URL)
    recorder(bin_dir, "browser", tmp_path / "browser.txt")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("BROWSER", str(bin_dir / "browser"))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read $BROWSER again (the module caches it)
    rig = make_rig(lite, tmp_path)
    config = replace(load_rig(lite, rig.name), **{"merge_strategy": "pr"})
    rig_paths(lite, rig.name).config.write_text(render_rig_toml(config))
    mr = rig.submit("cat0", feature(0), title="Add feature zero")
    refinery.run_once(lite, rig.name)
    assert lite.ledger.read(lambda s: refinery.get(s, mr)).state == "merged"

    app = GastownApp(lite, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        queue = app.screen.query_one(MergeQueueTable)
        assert queue.selected.id == mr and queue.selected.url == URL
        assert app.screen.check_action("open_pr", ()) and not app.screen.check_action("approve", ())
        await pilot.press("enter")
        await settle(pilot)
        assert f"pull request {URL}" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        opened = await async_wait_for(lambda: (tmp_path / "browser.txt").exists(), what="the browser")
        assert opened and (tmp_path / "browser.txt").read_text().strip() == URL


@sync
async def test_a_held_push_puts_a_banner_on_the_rig_with_what_to_run(lite, tmp_path):
    rig = make_rig(lite, tmp_path)
    source = Path(load_rig(lite, rig.name).source)
    (source / "VERSION").write_text("1\nlocal edit\n")
    rig.submit("cat0", feature(0))
    refinery.run_once(lite, rig.name)

    app = GastownApp(lite, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "▼ gastown  ⚠ push held: gt rig sync gastown" in text
