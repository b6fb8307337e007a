"""A MySQL ledger that cannot be reached fails fast (within ~2 s) with one clear line, however it is down.

Three ways of being down, all real sockets: a port nobody listens on (refused at once), a
listener whose accept queue is full (the connection attempt is never answered: a black hole),
and a listener that takes the connection but never speaks (what 10.255.255.1:3306 does on this
network, where a proxy completes the handshake; elsewhere that address is plainly unroutable).
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from conftest import run_gt
from gastown_tui.town import install

LIMIT = 3.0  # seconds, process start included; the ledger gives up after about 1 s


@contextmanager
def _listener(backlog: int) -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@contextmanager
def _refused() -> Iterator[str]:
    with _listener(1) as port:
        pass  # closed again: nothing listens on that port now
    yield f"127.0.0.1:{port}"


@contextmanager
def _black_hole() -> Iterator[str]:
    """A listener whose accept queue is full: Linux drops further SYNs, so connecting hangs."""
    with _listener(0) as port, ExitStack() as fillers:
        for _ in range(2):  # fill the queue (its length is backlog + 1)
            filler = fillers.enter_context(socket.socket())
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        probe = fillers.enter_context(socket.socket())
        probe.settimeout(0.3)
        with pytest.raises(TimeoutError):  # the assumption this case rests on
            probe.connect(("127.0.0.1", port))
        yield f"127.0.0.1:{port}"


@contextmanager
def _silent() -> Iterator[str]:
    """Connections are taken (by the kernel) but the server never sends its greeting."""
    with _listener(16) as port:
        yield f"127.0.0.1:{port}"


@contextmanager
def _non_routable() -> Iterator[str]:
    yield "10.255.255.1:3306"


@pytest.fixture
def town_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("GT_TOWN", raising=False)
    town = install(str(tmp_path / "town"))
    town.ledger.close()
    return town.root


def _point_at(root, url: str) -> None:
    toml = root / "town.toml"
    text = toml.read_text()
    start = text.index("url = ")
    toml.write_text(text[:start] + f"url = {json.dumps(url)}" + text[text.index("\n", start) :])


@pytest.mark.parametrize("down", [_refused, _black_hole, _silent, _non_routable], ids=lambda f: f.__name__[1:])
def test_an_unreachable_mysql_ledger_fails_fast_with_one_clear_line(town_dir, down):
    with down() as where:
        _point_at(town_dir, f"mysql://root@{where}/gt")
        start = time.monotonic()
        result = run_gt("bead", "list", "--town", town_dir, timeout=120)
        took = time.monotonic() - start
    assert result.code == 3, result.err
    assert "Traceback" not in result.err
    first, hint = result.err.splitlines()
    assert first.startswith(f"gt: ledger mysql root@{where}/gt unavailable: ")
    assert hint == "  → check that the database is running and reachable, then retry"
    assert took < LIMIT, f"took {took:.1f}s"


def test_a_slow_query_is_not_cut_off_by_the_connect_timeout():
    """The short timeout covers reaching the server and logging in, not the queries after."""
    from conftest import MYSQL, _mysql_admin
    from gastown_tui.ledger import Ledger
    from gastown_tui.ledger.backends import CONNECT_TIMEOUT

    name = "gt_test_slow_" + uuid.uuid4().hex[:10]
    ledger = Ledger.open(f"{MYSQL}/{name}")
    try:
        ledger.create()
        assert ledger.read(lambda s: s.scalar(f"SELECT SLEEP({CONNECT_TIMEOUT + 0.5})")) == 0
    finally:
        ledger.close()
        _mysql_admin().cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
