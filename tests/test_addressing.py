"""Mail addresses: every kind resolves to the right mailboxes; unknown ones fail clearly."""

from __future__ import annotations

import pytest
from mail_support import add_agent, add_rig

from gastown_tui.errors import InvalidInput
from gastown_tui.services import addressing


@pytest.fixture
def crew(ledger):
    """A rig ``gastown`` with three polecats (one nuked) and a second, empty rig ``beads``."""

    def setup(tx):
        add_rig(tx, "gastown")
        add_rig(tx, "beads")
        add_agent(tx, "gastown", "nux")
        add_agent(tx, "gastown", "furiosa", state="idle")
        add_agent(tx, "gastown", "slit", state="nuked")
        add_agent(tx, "gastown", "witness", role="witness", session="gt-gastown-witness")

    ledger.write("setup", setup)
    return ledger


def resolve(ledger, address, **kw):
    return ledger.read(lambda s: addressing.resolve(s, address, **kw))


def test_concrete_addresses(crew):
    assert resolve(crew, "overseer") == ["overseer"]
    assert resolve(crew, "mayor/") == ["mayor/"]
    assert resolve(crew, " mayor ") == ["mayor/"]
    assert resolve(crew, "deacon") == ["deacon/"]
    assert resolve(crew, "gastown/polecats/nux") == ["gastown/polecats/nux"]
    assert resolve(crew, "gastown/nux") == ["gastown/polecats/nux"]  # Gas Town's short form
    assert resolve(crew, "gastown/polecats/slit") == ["gastown/polecats/slit"]  # a nuked polecat keeps its mailbox
    assert resolve(crew, "gastown/witness") == ["gastown/witness"]
    assert resolve(crew, "beads/refinery") == ["beads/refinery"]  # the rig exists, so its refinery does
    assert resolve(crew, "queue:work") == ["queue:work"]


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("gastown/polecats/zed", "no such agent"),
        ("nowhere/witness", "no rig 'nowhere'"),
        ("ops", "not an agent, group, queue or list"),
        ("@gastown/crew", "groups are @town and @RIG/polecats"),
        ("@nowhere/polecats", "no rig 'nowhere'"),
        ("gastown/polecats/../../x", ""),
        ("gastown/polecats/n ux", ""),
    ],
)
def test_unknown_addresses_name_the_address_and_the_forms(crew, address, why):
    with pytest.raises(InvalidInput) as err:
        resolve(crew, address)
    assert repr(address) in err.value.message and why in err.value.message
    assert "RIG/polecats/NAME" in err.value.hint and "queue:NAME" in err.value.hint


def test_bad_queue_names_and_empty_address(crew):
    with pytest.raises(InvalidInput, match="bad queue"):
        resolve(crew, "queue:a b")
    with pytest.raises(InvalidInput, match="empty address"):
        resolve(crew, "  ")


def test_rig_polecats_group_skips_nuked_and_sender(crew):
    assert resolve(crew, "@gastown/polecats") == ["gastown/polecats/furiosa", "gastown/polecats/nux"]
    assert resolve(crew, "@gastown/polecats", sender="gastown/polecats/nux") == ["gastown/polecats/furiosa"]
    with pytest.raises(InvalidInput, match="reaches nobody"):
        resolve(crew, "@beads/polecats")


def test_town_group_is_everyone_but_the_sender(crew):
    everyone = resolve(crew, "@town", sender="overseer")
    assert everyone == [
        "mayor/",
        "deacon/",
        "beads/witness",
        "beads/refinery",
        "gastown/witness",
        "gastown/refinery",
        "gastown/polecats/furiosa",
        "gastown/polecats/nux",
    ]
    assert "overseer" in resolve(crew, "@town", sender="mayor/")


def test_named_lists_nest_and_dedupe(crew):
    lists = {"ops": ["mayor/", "leads", "overseer"], "leads": ["gastown/witness", "mayor"]}
    assert resolve(crew, "ops", lists=lists) == ["mayor/", "gastown/witness", "overseer"]
    assert resolve(crew, "list:leads", lists=lists) == ["gastown/witness", "mayor/"]


def test_list_errors_name_the_list(crew):
    with pytest.raises(InvalidInput, match="mail list 'ops': unknown address 'gastown/polecats/zed'"):
        resolve(crew, "ops", lists={"ops": ["mayor/", "gastown/polecats/zed"]})
    with pytest.raises(InvalidInput, match="includes itself"):
        resolve(crew, "a", lists={"a": ["b"], "b": ["a"]})


def test_uses_lists_only_for_bare_names():
    assert addressing.uses_lists("ops") and addressing.uses_lists("list:ops")
    for address in ("overseer", "mayor", "gastown/witness", "@town", "queue:work"):
        assert not addressing.uses_lists(address)


def test_mailbox_is_one_address(crew):
    assert crew.read(lambda s: addressing.resolve_mailbox(s, "gastown/nux")) == "gastown/polecats/nux"
    with pytest.raises(InvalidInput, match="is a group"):
        crew.read(lambda s: addressing.resolve_mailbox(s, "@town"))


def test_session_names(crew):
    def names(s):
        return [addressing.session_for(s, a) for a in ("gastown/polecats/nux", "gastown/witness", "overseer")]

    assert crew.read(names) == ["gt-gastown-nux", "gt-gastown-witness", None]


@pytest.mark.parametrize(
    ("address", "session"),
    [
        ("gastown/polecats/nux", "gt-gastown-nux"),
        ("gastown/nux", "gt-gastown-nux"),
        ("gastown/witness", "gt-gastown-witness"),
        ("mayor/", "hq-mayor"),
        ("overseer", None),
        ("@town", None),
        ("x;y/nux", None),
        ("gastown/polecats", None),
    ],
)
def test_one_naming_of_agent_sessions(address, session):
    from gastown_tui.addresses import session_for

    assert session_for(address) == session
