"""Notification settings live on the host, per person: every device of that person follows a
change (notify_settings_changed), a device that connects later reads them, and nobody else sees or
changes them; bad values are refused and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostproc import HostProcess
from tests.peers import Peer

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]
DEFAULTS = {"dnd": False, "sound_channels": False, "sound_direct": True, "rooms": []}


def test_a_change_reaches_every_device_of_that_person_only(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    phone = connect(token=ana.token)  # Ana's second device, connected at the same time
    assert ana.call("get_notify_settings") == {"ok": True, "settings": DEFAULTS}

    ack = ana.call("set_room_notify", {"room_id": general, "level": "mentions"})
    muted = {**DEFAULTS, "rooms": [{"room_id": general, "level": "mentions"}]}
    assert ack == {"ok": True, "settings": muted}
    assert phone.expect("notify_settings_changed") == muted
    assert ana.expect("notify_settings_changed") == muted  # the device that changed it, too

    ack = phone.call("set_notify_settings", {"dnd": True, "sound_channels": True})
    both = {**muted, "dnd": True, "sound_channels": True}
    assert ack["settings"] == both
    assert ana.expect("notify_settings_changed") == both
    # Only the flags sent change: this device's sound_direct switch does not undo the DND above.
    assert ana.call("set_notify_settings", {"sound_direct": False})["settings"] == {
        **both,
        "sound_direct": False,
    }
    assert bo.received("notify_settings_changed") == []  # Bo hears nothing of Ana's settings
    assert bo.call("get_notify_settings")["settings"] == DEFAULTS

    # A device that connects later reads what is stored on the host.
    later = connect(token=ana.token)
    assert later.call("get_notify_settings")["settings"] == {**both, "sound_direct": False}

    # Back to "all": the room's entry goes (all is the default).
    back = later.call("set_room_notify", {"room_id": general, "level": "all"})
    assert back["settings"]["rooms"] == []


def test_bad_values_are_refused_and_change_nothing(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    secret = bo.call("create_room", {"name": "secret"})["room"]["id"]
    for bad in (
        {},
        {"dnd": "yes"},
        {"dnd": 1},
        {"sound_direct": None},
        {"sound_channels": [True]},
    ):
        assert ana.call("set_notify_settings", bad)["error"]["code"] == "invalid", bad
    for bad in (
        {"room_id": general},
        {"room_id": general, "level": "loud"},
        {"room_id": general, "level": "ALL"},
        {"room_id": general, "level": ["all"]},
        {"room_id": "general", "level": "all"},
        {"room_id": -1, "level": "all"},
    ):
        assert ana.call("set_room_notify", bad)["error"]["code"] == "invalid", bad
    # A room the person is not in, and one that does not exist.
    assert (
        ana.call("set_room_notify", {"room_id": secret, "level": "nothing"})["error"]["code"]
        == "forbidden"
    )
    assert (
        ana.call("set_room_notify", {"room_id": 9999, "level": "nothing"})["error"]["code"]
        == "not_found"
    )
    assert ana.received("notify_settings_changed") == []
    assert ana.call("get_notify_settings")["settings"] == DEFAULTS


def test_settings_outlive_a_host_restart(tmp_path: Path) -> None:
    """Kept in the host's database, not its memory: a restarted host still has them."""
    data = tmp_path / "data"
    host = HostProcess(data, "--open")
    try:
        ana = Peer(host.url, {"name": "Ana"})
        general = ana.room_id()
        ana.call("set_notify_settings", {"dnd": True})
        ana.call("set_room_notify", {"room_id": general, "level": "nothing"})
        ana.close()
    finally:
        assert host.stop() == 0
    host = HostProcess(data, "--open")
    try:
        phone = Peer(host.url, {"token": ana.token})
        assert phone.call("get_notify_settings")["settings"] == {
            **DEFAULTS,
            "dnd": True,
            "rooms": [{"room_id": general, "level": "nothing"}],
        }
        phone.close()
    finally:
        assert host.stop() == 0
