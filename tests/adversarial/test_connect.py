"""Connecting as a hostile peer, from outside (the hostile-peer issue, items 2, 4, 12, 13): nothing
odd in a handshake leaves a socket half signed in, one address's wrong codes lock nobody else
out, a client cannot run the host's own connect or disconnect, and text that is not text is
refused as invalid, not as a host error."""

from __future__ import annotations

import itertools
import json
import sqlite3

import pytest

from tests.adversarial.conftest import JOIN_CODE, Target
from tests.peers import Peer
from tests.rawws import masked, read_frame, read_until

pytestmark = pytest.mark.integration

_ROOMS = itertools.count(1)


def _users(target: Target) -> list[str]:
    db = sqlite3.connect(f"file:{target.data_dir / 'parley.sqlite3'}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT name FROM user ORDER BY id")]
    finally:
        db.close()


@pytest.mark.parametrize(
    "auth",
    [
        {"token": "\ud800"},
        {"owner_key": "ключ"},  # not ASCII, from loopback
        {"owner_key": "\udfff"},
        {"name": "Mallory", "code": "\ud800"},
        {"name": "\ud800", "code": JOIN_CODE},
        {"name": ["not", "a", "name"]},
        ["not", "an", "object"],
        {"token": 12},
    ],
    ids=repr,
)
def test_an_odd_handshake_is_refused_and_leaves_no_ghost(target: Target, auth: object) -> None:
    s, rest = target.raw()
    with s:
        s.sendall(masked(0x1, ("40" + json.dumps(auth)).encode()))
        _opcode, answer, rest = read_frame(s, rest)
        assert answer.startswith(b"44"), answer  # connect_error, not a connection
        code = json.loads(answer[2:])["data"]["code"]
        assert code in {"invalid", "bad_token", "bad_code"}, code
        # Something everyone connected hears: the refused socket must not.
        other = target.connect()
        try:
            assert other.call("create_room", {"name": f"ghost-check-{next(_ROOMS)}"})["ok"]
        finally:
            other.close()
        s.settimeout(1.0)
        try:
            more = s.recv(4096)
        except TimeoutError:
            more = b""
        assert b"room_created" not in more and b"users_changed" not in more
    target.assert_unharmed()


def test_a_surrogate_join_code_counts_as_a_wrong_guess(target: Target) -> None:
    source = "127.0.0.40"
    for _ in range(5):
        kind, answer = target.raw_connect({"name": "Guess", "code": "\ud800"}, source)
        assert (kind, answer["data"]["code"]) == ("refused", "bad_code")
    kind, answer = target.raw_connect({"name": "Guess", "code": JOIN_CODE}, source)
    assert (kind, answer["data"]["code"]) == ("refused", "rate_limited")
    target.assert_unharmed()


def test_wrong_codes_from_many_addresses_lock_nobody_else_out(target: Target) -> None:
    # The issue: 30 wrong codes from 6 addresses a minute refused the right code from everyone.
    for n in range(6):
        source = f"127.0.0.{n + 2}"
        for _ in range(6):
            kind, answer = target.raw_connect({"name": f"Eve {n}", "code": "0000000000"}, source)
            assert kind == "refused" and answer["data"]["code"] in {"bad_code", "rate_limited"}
    kind, answer = target.raw_connect({"name": "Eve 9", "code": JOIN_CODE}, "127.0.0.2")
    assert (kind, answer["data"]["code"]) == ("refused", "rate_limited")  # that address waits
    kind, welcome = target.raw_connect({"name": "Newcomer", "code": JOIN_CODE}, "127.0.0.30")
    assert kind == "welcome" and welcome["user"]["name"] == "Newcomer"
    target.assert_unharmed()


def test_a_client_cannot_run_the_hosts_connect_or_disconnect(target: Target) -> None:
    users_before = _users(target)
    s, rest = target.signed_in_raw()
    with s:
        spoof = ["connect", {"REMOTE_ADDR": "127.0.0.1"}, {"name": "Spoofed", "code": JOIN_CODE}]
        s.sendall(masked(0x1, f"4261{json.dumps(spoof)}".encode()))
        answer, rest = read_until(s, rest, b"4361")
        assert json.loads(answer[4:])[0]["error"]["code"] == "invalid"
        s.sendall(masked(0x1, b'4262["disconnect","client namespace disconnect"]'))
        answer, rest = read_until(s, rest, b"4362")
        assert json.loads(answer[4:])[0]["error"]["code"] == "invalid"
        # Still signed in, and still online for others: a DM opened with this user works.
        s.sendall(masked(0x1, b'4263["list_rooms",{}]'))
        answer, rest = read_until(s, rest, b"4363")
        assert json.loads(answer[4:])[0]["ok"] is True
    assert _users(target) == users_before  # no user made by the spoofed connect
    target.assert_unharmed()


@pytest.mark.parametrize(
    "packet",
    [
        '["list_rooms",{"note":"\\ud800"}]',
        '["send_message",{"room_id":1,"text":"hi \\ud800","client_id":"s1"}]',
        '["create_room",{"name":"\\udfff"}]',
        '["search",{"query":"\\ud800 x"}]',
        '["react",{"message_id":1,"emoji":"\\ud83d","on":true}]',
        '["admin_rename_host",{"name":"\\ud800"}]',
    ],
)
def test_a_lone_surrogate_anywhere_is_invalid_not_internal(target: Target, packet: str) -> None:
    s, rest = target.signed_in_raw()
    with s:
        s.sendall(masked(0x1, f"4271{packet}".encode()))
        answer, rest = read_until(s, rest, b"4371")
        assert json.loads(answer[4:])[0]["error"]["code"] == "invalid"
    target.assert_unharmed()


def test_the_same_refusals_reach_a_socketio_client(target: Target) -> None:
    peer = Peer(target.url, {"token": target.token})
    try:
        ack = peer.call("list_rooms", {"note": "\ud800"})
        assert ack["error"]["code"] == "invalid"
    finally:
        peer.close()
    target.assert_unharmed()
