"""Bots and incoming webhooks from outside: a real host, real socket clients, HTTPS to the URLs
the host hands out (verified against the host's own certificate, as `curl --cacert` would)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from backend import ServerHandle
from tests.peers import Peer, refusal

Connect = Callable[..., Peer]
HTTP_TIMEOUT = 10


@pytest.fixture(autouse=True)
def _trust_the_host(live_server: ServerHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    # The webhook URLs are https:// with the host's self-signed certificate: trust exactly it.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(live_server.settings.data_dir / "tls-cert.pem"))


def _host(live_server: ServerHandle, connect: Connect) -> Peer:
    return connect(owner_key=live_server.owner_url.split("#owner=")[1])


def _bot(host: Peer, name: str = "Deploy bot", avatar: str = "🚀") -> tuple[dict[str, Any], str]:
    ack = host.call("create_bot", {"name": name, "avatar": avatar})
    assert ack["ok"], ack
    return ack["bot"], ack["token"]


def _hook(host: Peer, bot_id: int, room_id: int) -> str:
    ack = host.call("create_webhook", {"bot_id": bot_id, "room_id": room_id})
    assert ack["ok"], ack
    assert ack["urls"] and all(u.endswith(ack["path"]) for u in ack["urls"])
    return str(ack["urls"][0])


def _texts(peer: Peer, room_id: int) -> list[str]:
    ack = peer.call("fetch_messages", {"room_id": room_id, "limit": 200})
    assert ack["ok"], ack
    return [m["text"] for m in ack["messages"]]


def _error(response: requests.Response) -> str:
    body = response.json()
    assert body["ok"] is False and body["error"]["message"]
    return str(body["error"]["code"])


def test_a_bot_connects_with_its_token_and_people_see_it_is_a_bot(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    bot, token = _bot(host)
    assert bot["bot"] is True and bot["avatar"] == "🚀" and not bot["is_host"]
    created = ana.expect("user_created")
    assert created["id"] == bot["id"] and created["bot"] is True

    me = connect(token=token)
    assert me.user["id"] == bot["id"] and me.user["bot"] is True
    general = me.room_id()
    me.send(general, "build 41 is green, @Ana", "b-1")
    got = ana.expect("message_created")
    assert got["author"] == {"id": bot["id"], "name": "Deploy bot", "bot": True}
    assert got["mentions"] == [ana.user["id"]]
    # People stay as they were on the wire; the bot is marked in the user lists.
    assert "bot" not in ana.send(general, "thanks", "a-1")["author"]
    members = ana.call("list_members", {"room_id": general})["members"]
    assert [m["name"] for m in members if m["bot"]] == ["Deploy bot"]
    assert {"Ana", host.user["name"]} <= {m["name"] for m in members if not m["bot"]}
    listed = host.call("list_bots")
    assert [(b["id"], b["has_token"], b["online"]) for b in listed["bots"]] == [
        (bot["id"], True, True)
    ]


def test_only_the_host_user_manages_bots(live_server: ServerHandle, connect: Connect) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    for event, data in (
        ("create_bot", {"name": "Sneaky", "avatar": "🤖"}),
        ("list_bots", {}),
        ("reset_bot_token", {"bot_id": 1}),
        ("revoke_bot", {"bot_id": 1}),
        ("create_webhook", {"bot_id": 1, "room_id": 1}),
        ("list_webhooks", {}),
        ("delete_webhook", {"webhook_id": 1}),
    ):
        ack = ana.call(event, data)
        assert ack["error"]["code"] == "forbidden", (event, ack)
    assert host.call("list_bots")["bots"] == []


def test_a_bot_name_follows_the_rules_for_names(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    connect("Carol")
    for name in ("carol", "Cаrol", "car0l", host.user["name"].upper()):  # Cyrillic а in the 2nd
        ack = host.call("create_bot", {"name": name, "avatar": "🤖"})
        assert ack["error"]["code"] == "name_taken", (name, ack)
    for bad in ({"name": "", "avatar": "🤖"}, {"name": "a\u200bb"}, {"name": 5}):
        assert host.call("create_bot", bad)["error"]["code"] == "invalid", bad
    for avatar in ("<img src=x>", "ab", 7, "🤖" * 20):
        ack = host.call("create_bot", {"name": "Avatar test", "avatar": avatar})
        assert ack["error"]["code"] == "invalid" and ack["error"]["data"]["field"] == "avatar"
    bot, _ = _bot(host, "Notifier", "")  # no avatar: the default
    assert bot["avatar"] == "🤖"
    # A person cannot take a bot's name (or one like it) either.
    assert refusal(live_server.url, {"name": "N0tifier", "code": "24681357"}).code == "name_taken"


def test_a_reset_or_revoked_token_is_refused_and_its_connection_dropped(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    bot, token = _bot(host)
    live = connect(token=token)
    ack = host.call("reset_bot_token", {"bot_id": bot["id"]})
    assert ack["ok"] and ack["token"] != token
    wait_for(lambda: live.disconnected)
    assert refusal(live_server.url, {"token": token}).code == "bad_token"

    fresh = connect(token=ack["token"])
    assert fresh.user["id"] == bot["id"]
    assert host.call("revoke_bot", {"bot_id": bot["id"]})["ok"]
    wait_for(lambda: fresh.disconnected)
    assert refusal(live_server.url, {"token": ack["token"]}).code == "bad_token"
    assert host.call("list_bots")["bots"][0]["has_token"] is False
    # Not a bot: nothing to reset.
    ack = host.call("reset_bot_token", {"bot_id": host.user["id"]})
    assert ack["error"]["code"] == "not_found"


def test_a_webhook_posts_as_the_bot_into_its_room(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    room = ana.call("create_room", {"name": "builds"})["room"]
    bot, _ = _bot(host)
    url = _hook(host, bot["id"], room["id"])
    joined = ana.expect("member_joined")
    assert joined["user"]["id"] == bot["id"] and joined["room_id"] == room["id"]

    text = "**Build 42** failed: see `make test`, @Ana"
    response = requests.post(url, json={"text": text}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    sent = response.json()["message"]
    got = ana.expect("message_created")
    assert got == sent
    assert got["text"] == text and got["room_id"] == room["id"]
    assert got["author"] == {"id": bot["id"], "name": "Deploy bot", "bot": True}
    assert got["mentions"] == [ana.user["id"]]

    # A retry with the same client_id posts once.
    body = {"text": "deployed", "client_id": "deploy-7"}
    first = requests.post(url, json=body, timeout=HTTP_TIMEOUT).json()["message"]
    again = requests.post(url, json=body, timeout=HTTP_TIMEOUT).json()["message"]
    assert first["id"] == again["id"]
    assert _texts(ana, room["id"]) == [text, "deployed"]
    listed = host.call("list_webhooks")["webhooks"]
    assert [(w["bot_id"], w["room_id"], w["room_name"]) for w in listed] == [
        (bot["id"], room["id"], "builds")
    ]
    assert all("secret" not in str(w) for w in listed)


def test_a_wrong_or_deleted_secret_is_not_found_and_posts_nothing(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    general = ana.room_id()
    bot, _ = _bot(host)
    url = _hook(host, bot["id"], general)
    hook_id, secret = url.rsplit("/", 2)[1:]
    base = url.rsplit("/", 2)[0]
    wrong = [
        f"{base}/{hook_id}/{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        f"{base}/{hook_id}/x",
        f"{base}/{int(hook_id) + 1}/{secret}",
        f"{base}/{hook_id}/{'a' * 300}",
    ]
    for bad in wrong:
        response = requests.post(bad, json={"text": "sneaky"}, timeout=HTTP_TIMEOUT)
        assert response.status_code == 404 and _error(response) == "not_found", bad
    # Another site's page cannot post, even knowing the URL; the Host check still applies.
    page = requests.post(
        url, json={"text": "from a page"}, headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert page.status_code == 403 and _error(page) == "forbidden"
    rebound = requests.post(
        url, json={"text": "rebound"}, headers={"Host": "evil.example"}, timeout=HTTP_TIMEOUT
    )
    assert rebound.status_code == 421

    hooks = host.call("list_webhooks")["webhooks"]
    assert host.call("delete_webhook", {"webhook_id": hooks[0]["id"]})["ok"]
    gone = requests.post(url, json={"text": "after delete"}, timeout=HTTP_TIMEOUT)
    assert gone.status_code == 404 and _error(gone) == "not_found"
    assert host.call("delete_webhook", {"webhook_id": hooks[0]["id"]})["error"]["code"] == (
        "not_found"
    )
    assert ana.received("message_created", within=0.3) == []
    assert _texts(ana, general) == []


def test_revoking_the_bot_ends_its_webhooks(live_server: ServerHandle, connect: Connect) -> None:
    host = _host(live_server, connect)
    bot, _ = _bot(host)
    url = _hook(host, bot["id"], host.room_id())
    assert requests.post(url, json={"text": "one"}, timeout=HTTP_TIMEOUT).status_code == 200
    assert host.call("revoke_bot", {"bot_id": bot["id"]})["ok"]
    assert requests.post(url, json={"text": "two"}, timeout=HTTP_TIMEOUT).status_code == 404
    assert host.call("list_webhooks")["webhooks"] == []


def test_bad_webhook_requests_are_refused_with_the_one_error_shape(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    ana = connect("Ana")
    general = ana.room_id()
    bot, _ = _bot(host)
    url = _hook(host, bot["id"], general)
    json_type = {"Content-Type": "application/json"}
    bad: list[tuple[bytes, dict[str, str], int, str]] = [
        (b"{not json", json_type, 400, "invalid"),
        (b"\xff\xfe", json_type, 400, "invalid"),
        (b"[" * 5000 + b"]" * 5000, json_type, 400, "invalid"),
        (b'{"text": "hi"}', {"Content-Type": "text/plain"}, 400, "invalid"),
        (b"{}", json_type, 400, "invalid"),
        (b'{"text": 5}', json_type, 400, "invalid"),
        (b'{"text": "   "}', json_type, 400, "invalid"),
        (b'["text"]', json_type, 400, "invalid"),
        (b'{"text": "\\ud800"}', json_type, 400, "invalid"),
        (b'{"text": "hi", "client_id": "no spaces allowed"}', json_type, 400, "invalid"),
        (b'{"text": "' + b"x" * 4001 + b'"}', json_type, 413, "too_large"),
        (b'{"text": "' + b"x" * (40 * 1024) + b'"}', json_type, 413, "too_large"),
    ]
    for data, headers, status, code in bad:
        response = requests.post(url, data=data, headers=headers, timeout=HTTP_TIMEOUT)
        assert (response.status_code, _error(response)) == (status, code), data[:40]
    assert _texts(ana, general) == []


def test_a_webhook_over_its_rate_is_told_when_to_come_back(
    live_server: ServerHandle, connect: Connect
) -> None:
    host = _host(live_server, connect)
    bot, _ = _bot(host)
    url = _hook(host, bot["id"], host.room_id())
    statuses = []
    for n in range(30):  # the burst is 10; the 30 requests take well under the refill of 20
        response = requests.post(url, json={"text": f"n{n}"}, timeout=HTTP_TIMEOUT)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert _error(response) == "rate_limited"
            assert int(response.headers["Retry-After"]) >= 1
            break
    assert statuses[:10] == [200] * 10 and statuses[-1] == 429


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
