"""The TUI when things go wrong or are missing: a ledger that goes away, no tmux, no town;
and moving around with the keyboard."""

from __future__ import annotations

import asyncio
import time
import uuid

import pymysql
from textual.widgets import Input
from tui_support import frozen_clock, populate, sync

from conftest import MYSQL
from gastown_tui.runtime.tmux import Tmux
from gastown_tui.town import TOWN_FILE, install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.town import TownScreen
from gastown_tui.tui.widgets.status_banner import StatusBanner

SIZE = (160, 48)


async def until(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _admin():
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True)


@sync
async def test_a_ledger_that_goes_away_shows_a_banner_and_the_app_recovers(tmp_path):
    name = "gt_test_tui_" + uuid.uuid4().hex[:10]
    town = install(str(tmp_path / "town"), f"{MYSQL}/{name}")
    try:
        app = GastownApp(town, clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await until(lambda: isinstance(app.screen, TownScreen) and screen.snapshot is not None, what="first read")
            banner = screen.query_one(StatusBanner)
            assert not banner.display
            _admin().cursor().execute(f"DROP DATABASE `{name}`")
            await until(lambda: banner.display and "ledger unreachable" in str(banner.render()), what="banner")
            assert app.is_running
            town.ledger.create()  # the database is back
            await until(lambda: not banner.display, timeout=30, what="banner to clear")
            await pilot.press("q")
    finally:
        town.ledger.close()
        _admin().cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")


@sync
async def test_no_tmux_shows_a_banner_not_a_crash(tmp_path, monkeypatch):
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without tmux
    app = GastownApp(town, clock=frozen_clock, tmux=Tmux())
    async with app.run_test(size=SIZE):
        banner = app.screen.query_one(StatusBanner)
        await until(lambda: "tmux unreachable: tmux is not installed" in str(banner.render()), what="tmux banner")
        await until(lambda: app.screen.snapshot is not None, what="the town read all the same")
        assert app.is_running
    town.ledger.close()


@sync
async def test_number_keys_and_tab_move_between_the_five_panes(tmp_path):
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    app = GastownApp(town, clock=frozen_clock, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key, pane in [("1", "rigs"), ("2", "output"), ("3", "convoys"), ("4", "queue"), ("5", "mail")]:
            await pilot.press(key)
            assert app.focused is not None and app.focused.id == pane, (key, app.focused)
        await pilot.press("1", "tab")
        assert app.focused.id != "rigs"
        await pilot.press("shift+tab")
        assert app.focused.id == "rigs"
    town.ledger.close()


@sync
async def test_outside_a_town_the_welcome_screen_creates_one(tmp_path):
    app = GastownApp(None, clock=frozen_clock, follow=False)
    target = tmp_path / "newtown"
    async with app.run_test(size=SIZE) as pilot:
        field = app.screen.query_one("#path", Input)
        field.value = str(target)
        await pilot.click("#create")
        await until(lambda: isinstance(app.screen, TownScreen), what="the town screen")
        assert (target / TOWN_FILE).is_file()
        assert app.screen.town.root == target.resolve()
        app.screen.town.ledger.close()


@sync
async def test_a_ledger_server_that_goes_quiet_shows_the_banner_within_3_s_and_clears(tmp_path):
    from net_support import StallingRelay

    name = "gt_test_tui_" + uuid.uuid4().hex[:10]
    relay = StallingRelay(("127.0.0.1", 3306))
    town = install(str(tmp_path / "town"), f"mysql://root@127.0.0.1:{relay.port}/{name}")
    try:
        app = GastownApp(town, clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await until(lambda: isinstance(app.screen, TownScreen) and screen.snapshot is not None, what="first read")
            banner = screen.query_one(StatusBanner)
            assert not banner.display
            relay.freeze()  # the server stops answering; no connection is closed
            frozen_at = time.monotonic()
            await until(lambda: banner.display and "ledger unreachable" in str(banner.render()), what="banner")
            assert time.monotonic() - frozen_at <= 3.0
            assert app.is_running
            relay.thaw()
            await until(lambda: not banner.display, timeout=30, what="banner to clear")
            await pilot.press("q")
    finally:
        relay.close()
        town.ledger.close()
        _admin().cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
