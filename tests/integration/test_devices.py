"""Devices and admins from outside (issue 15): a real host, real websocket clients.

A sign-in link adds a device for the same person once, and not after it expired; revoking a
device drops its connection at once and its token stops working; an admin's recovery link lets
someone who lost every device back in; making someone an admin lets the panels' commands through
and taking it back stops them; the console's admin link works from loopback only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from backend import ServerHandle, Settings, netinfo, start_server
from tests.conftest import JOIN_CODE
from tests.peers import Peer, refusal

Connect = Callable[..., Peer]
UA = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile"}


def _host(live_server: ServerHandle, connect: Connect) -> Peer:
    return connect(owner_key=live_server.owner_url.split("#owner=")[1])


def _link(peer: Peer, **fields: object) -> str:
    ack = peer.call("create_device_link", fields)
    assert ack["ok"], ack
    assert ack["seconds"] == 600 and ack["expires_at"].endswith("Z")
    return str(ack["secret"])


def _devices(peer: Peer) -> list[dict[str, object]]:
    ack = peer.call("list_devices")
    assert ack["ok"], ack
    return list(ack["devices"])


def test_a_link_signs_in_a_second_device_as_the_same_person_once(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana = connect("Ana")
    secret = _link(ana)
    phone = Peer(live_server.url, {"link": secret}, headers=UA)
    try:
        assert phone.user["id"] == ana.user["id"] and phone.token != ana.token
        assert ana.expect("devices_changed") == {}
        mine = _devices(phone)
        assert [d["current"] for d in mine] == [False, True]
        assert mine[1]["name"] == "Chrome on Android" and mine[1]["online"] is True
        # Single use: the same link again is refused, and signs nobody in.
        assert refusal(live_server.url, {"link": secret}).code == "bad_link"
        assert refusal(live_server.url, {"link": "not-a-link"}).code == "bad_link"
        # Both devices are the same person: a message from one reaches the other as theirs.
        general = ana.room_id()
        sent = phone.send(general, "from my phone", "p-1")
        assert ana.expect("message_created")["id"] == sent["id"]
        assert sent["author"]["id"] == ana.user["id"]
        # The phone's token works on its own from now on.
        again = connect(token=phone.token)
        assert again.user["id"] == ana.user["id"]
    finally:
        phone.close()


def test_a_given_name_names_the_new_device_and_a_new_link_replaces_the_old(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana = connect("Ana")
    old = _link(ana)
    new = _link(ana, name="Kitchen tablet")
    assert refusal(live_server.url, {"link": old}).code == "bad_link"
    tablet = connect(link=new)
    assert [d["name"] for d in _devices(tablet)][-1] == "Kitchen tablet"
    bad = ana.call("create_device_link", {"name": "x" * 41})
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"


@pytest.fixture
def short_links(settings: Settings) -> Iterator[ServerHandle]:
    handle = start_server(settings.replace(device_link_seconds=1.0, recovery_link_seconds=1.0))
    yield handle
    handle.stop()


def test_a_link_expires(short_links: ServerHandle) -> None:
    ana = Peer(short_links.url, {"name": "Ana", "code": JOIN_CODE})
    try:
        ack = ana.call("create_device_link")
        assert ack["ok"] and ack["seconds"] == 1
        time.sleep(1.3)
        assert refusal(short_links.url, {"link": ack["secret"]}).code == "bad_link"
    finally:
        ana.close()


def test_revoking_a_device_drops_its_connection_and_its_token(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana = connect("Ana")
    phone = connect(link=_link(ana))
    phone_device = next(d for d in _devices(phone) if d["current"])
    bob = connect("Bob")
    # Only one's own devices: Bob's revoke of Ana's phone is not found, and nothing happens.
    denied = bob.call("revoke_device", {"device_id": phone_device["id"]})
    assert denied["ok"] is False and denied["error"]["code"] == "not_found"
    ack = ana.call("revoke_device", {"device_id": phone_device["id"]})
    assert ack["ok"], ack
    assert phone.expect("signed_out") == {"device_id": phone_device["id"]}
    deadline = time.monotonic() + 5
    while not phone.disconnected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert phone.disconnected
    assert refusal(live_server.url, {"token": phone.token}).code == "bad_token"
    # Its token no longer reads files either (HTTP bearer).
    response = requests.get(
        f"{live_server.url}api/export?scope=mine",
        headers={"Authorization": f"Bearer {phone.token}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert [d["id"] for d in _devices(ana)] == [
        d["id"] for d in _devices(ana) if d["id"] != phone_device["id"]
    ]
    assert len(_devices(ana)) == 1


def test_an_admin_recovery_link_lets_someone_who_lost_every_device_back_in(
    live_server: ServerHandle, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    bob = connect("Bob")
    # Ana loses her only device (she signs it out: acked, then told, then dropped).
    own = _devices(ana)[0]
    assert own["current"] is True
    assert ana.call("revoke_device", {"device_id": own["id"]})["ok"]
    assert ana.expect("signed_out") == {"device_id": own["id"]}
    assert refusal(live_server.url, {"token": ana.token}).code == "bad_token"
    # Bob is no admin: he cannot make one.
    denied = bob.call("admin_create_recovery_link", {"user_id": ana.user["id"]})
    assert denied["ok"] is False and denied["error"]["code"] == "forbidden"
    with caplog.at_level("WARNING", logger="backend.chat.devices"):
        ack = host.call("admin_create_recovery_link", {"user_id": ana.user["id"]})
    assert ack["ok"], ack
    assert ack["user"]["id"] == ana.user["id"] and ack["seconds"] == 24 * 3600
    assert any(
        "recovery link" in r.getMessage() and f"user {host.user['id']}" in r.getMessage()
        for r in caplog.records
    )
    back = connect(link=ack["secret"])
    assert back.user["id"] == ana.user["id"] and back.user["name"] == "Ana"
    assert refusal(live_server.url, {"link": ack["secret"]}).code == "bad_link"
    # Nobody makes one for the host person; unknown people are not found.
    for user_id, code in ((host.user["id"], "forbidden"), (9999, "not_found")):
        made = bob.call("admin_set_admin", {"user_id": bob.user["id"], "admin": True})
        assert made["ok"] is False
        refused = host.call("admin_create_recovery_link", {"user_id": user_id})
        assert user_id == host.user["id"] or refused["error"]["code"] == code


# What the panels ask: each one is refused for a person who is not an admin.
PANEL_COMMANDS = (
    ("admin_info", {}),
    ("get_invite", {}),
    ("list_bots", {}),
    ("list_webhooks", {}),
    ("get_backup_settings", {}),
)


def test_admin_grant_and_revoke_authorize_and_deauthorize_the_panels(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    bob = connect("Bob")
    assert host.user["admin"] is True and ana.user["admin"] is False
    for event, data in PANEL_COMMANDS:
        ack = ana.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", event
    # Only the host person makes admins.
    assert bob.call("admin_set_admin", {"user_id": ana.user["id"], "admin": True})["ok"] is False
    ack = host.call("admin_set_admin", {"user_id": ana.user["id"], "admin": True})
    assert ack["ok"] and ack["user"]["admin"] is True
    assert bob.expect("role_changed")["user"] == {**ack["user"], "online": True}
    assert ana.expect("role_changed")["user"]["admin"] is True
    for event, data in PANEL_COMMANDS:
        assert ana.call(event, data)["ok"], event
    made = ana.call("create_bot", {"name": "Builder"})
    assert made["ok"], made
    renamed = ana.call("admin_rename_host", {"name": "Office host"})
    assert renamed["ok"] and renamed["server"]["name"] == "Office host"
    # An admin is not the host person: they cannot make admins.
    assert ana.call("admin_set_admin", {"user_id": bob.user["id"], "admin": True})["ok"] is False
    # The host person stays an admin whatever anyone sends.
    keep = host.call("admin_set_admin", {"user_id": host.user["id"], "admin": False})
    assert keep["ok"] is False and keep["error"]["code"] == "forbidden"
    # Taken back: the next command is refused, on every device (a new connection too).
    assert host.call("admin_set_admin", {"user_id": ana.user["id"], "admin": False})["ok"]
    assert bob.expect("role_changed")["user"]["admin"] is False
    for event, data in PANEL_COMMANDS:
        ack = ana.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", event
    assert connect(token=ana.token).user["admin"] is False


def test_the_console_link_signs_in_the_host_user_from_loopback_once(
    live_server: ServerHandle, connect: Connect
) -> None:
    link = live_server.admin_link
    assert link.startswith("http://127.0.0.1:") and "#signin=" in link
    secret = link.split("#signin=")[1]
    admin = connect(link=secret)
    assert admin.user["is_host"] is True and admin.user["admin"] is True
    assert admin.call("get_invite")["ok"]
    assert refusal(live_server.url, {"link": secret}).code == "bad_link"  # one use
    # A fresh one; the desktop window's own key still signs in too (another device).
    assert live_server.admin_link != link
    window = _host(live_server, connect)
    assert window.user["id"] == admin.user["id"]


def _lan_address() -> str | None:
    return next(iter(netinfo.lan_ipv4()), None)


def test_the_console_link_is_refused_from_a_lan_address(settings: Settings) -> None:
    """Bound to every address, reached through the machine's own LAN address: the host sees a
    non-loopback peer and refuses the secret."""
    address = _lan_address()
    if address is None:
        pytest.skip("this machine has no LAN address")
    handle = start_server(settings.replace(host="0.0.0.0"))
    try:
        secret = handle.admin_link.split("#signin=")[1]
        # https: plain http from a LAN address is only ever redirected (connections.py).
        lan = f"https://{address}:{handle.port}/"
        ca = str(settings.data_dir / "tls-cert.pem")
        assert refusal(lan, {"link": secret}, ca=ca).code == "bad_link"
        # ... and it still works from the machine itself, once.
        peer = Peer(handle.url, {"link": secret})
        assert peer.user["is_host"] is True
        peer.close()
    finally:
        handle.stop()


def test_a_headless_host_prints_a_loopback_admin_link(tmp_path: Path) -> None:
    from tests.hostproc import HostProcess

    proc = HostProcess(tmp_path / "data", "--join-code", JOIN_CODE)
    try:
        line = next(o for o in proc.output if o.startswith("Admin sign-in"))
        link = line.split(": ", 1)[1].strip()
        assert link.startswith(proc.url + "#signin=")
        peer = Peer(proc.url, {"link": link.split("#signin=")[1]})
        assert peer.user["is_host"] is True and peer.call("admin_info")["ok"]
        peer.close()
    finally:
        assert proc.stop() == 0
