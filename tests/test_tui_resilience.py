"""The TUI when things go wrong or are missing: a ledger that goes away, no tmux, no town;
and moving around with the keyboard."""

from __future__ import annotations

import contextlib
import time
import uuid

import pymysql
from textual.widgets import Input
from tui_support import async_wait_for, frozen_clock, populate, sync

from conftest import MYSQL
from gastown_tui.runtime.tmux import Tmux
from gastown_tui.town import TOWN_FILE, install
from gastown_tui.tui.app import GastownApp
from gastown_tui.tui.screens.town import TownScreen
from gastown_tui.tui.widgets.status_banner import StatusBanner

SIZE = (160, 48)


def _admin():
    return pymysql.connect(host="127.0.0.1", user="root", autocommit=True)


@contextlib.contextmanager
def mysql_town(tmp_path, server: str = MYSQL):
    """``(town, database)``: a town on a throwaway MariaDB database, reached at ``server``."""
    name = "gt_test_tui_" + uuid.uuid4().hex[:10]
    town = install(str(tmp_path / "town"), f"{server}/{name}")
    try:
        yield town, name
    finally:
        town.ledger.close()
        _admin().cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")


async def first_read(app) -> StatusBanner:
    """The town screen's banner, once the screen has read the town (and shows no banner)."""
    screen = app.screen
    await async_wait_for(lambda: isinstance(app.screen, TownScreen) and screen.snapshot is not None, what="first read")
    banner = screen.query_one(StatusBanner)
    assert not banner.display
    return banner


def unreachable(banner: StatusBanner) -> bool:
    return banner.display and "ledger unreachable" in str(banner.render())


@sync
async def test_a_ledger_that_goes_away_shows_a_banner_and_the_app_recovers(tmp_path):
    with mysql_town(tmp_path) as (town, name):
        app = GastownApp(town, clock=frozen_clock)
        async with app.run_test(size=SIZE) as pilot:
            banner = await first_read(app)
            _admin().cursor().execute(f"DROP DATABASE `{name}`")
            await async_wait_for(lambda: unreachable(banner), what="banner")
            assert app.is_running
            town.ledger.create()  # the database is back
            await async_wait_for(lambda: not banner.display, timeout=30, what="banner to clear")
            await pilot.press("q")


@sync
async def test_no_tmux_shows_a_banner_not_a_crash(tmp_path, monkeypatch):
    town = install(str(tmp_path / "town"))
    populate(town.ledger)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without tmux
    app = GastownApp(town, clock=frozen_clock, tmux=Tmux())
    async with app.run_test(size=SIZE):
        banner = app.screen.query_one(StatusBanner)
        await async_wait_for(
            lambda: "tmux unreachable: tmux is not installed" in str(banner.render()), what="tmux banner"
        )
        await async_wait_for(lambda: app.screen.snapshot is not None, what="the town read all the same")
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
        await async_wait_for(lambda: isinstance(app.screen, TownScreen), what="the town screen")
        assert (target / TOWN_FILE).is_file()
        assert app.screen.town.root == target.resolve()
        app.screen.town.ledger.close()


@sync
async def test_a_ledger_server_that_goes_quiet_shows_the_banner_within_3_s_and_clears(tmp_path):
    from net_support import StallingRelay

    relay = StallingRelay(("127.0.0.1", 3306))
    try:
        with mysql_town(tmp_path, f"mysql://root@127.0.0.1:{relay.port}") as (town, _):
            app = GastownApp(town, clock=frozen_clock)
            async with app.run_test(size=SIZE) as pilot:
                banner = await first_read(app)
                relay.freeze()  # the server stops answering; no connection is closed
                frozen_at = time.monotonic()
                await async_wait_for(lambda: unreachable(banner), what="banner")
                assert time.monotonic() - frozen_at <= 3.0
                assert app.is_running
                relay.thaw()
                await async_wait_for(lambda: not banner.display, timeout=30, what="banner to clear")
                await pilot.press("q")
    finally:
        relay.close()
