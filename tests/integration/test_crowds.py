"""Crowds on one host (issue 17), from outside: a real host process and a few hundred real
websocket clients (hand-made, tests/rawws.py: one socket each, no threads).

- Joins are told in batches: while K newcomers arrive, each client already there receives a
  small constant number of `users_changed` frames per batch window, not K (nor 2K, as with
  `user_created` + `presence_changed` per arrival), and the batches name every newcomer online.
- A client hears the presence only of the people it shows (chat/interest.py): those whose
  welcome listed everyone (a small host) hear every join; on a big host, those it was told about,
  its DM partners, or what it names with `watch_users` (bounded; bad input refused).
- A big host's welcome is bounded (`users_complete` false) and `get_users` / `list_users` give
  every name the UI needs.
- The host killed (SIGKILL) and started again on the same port and data dir: every client comes
  back with its token and resyncs with nothing acknowledged lost or doubled.
"""

from __future__ import annotations

import json
import math
import selectors
import time
from pathlib import Path
from typing import Any

import pytest

from tests.hostproc import HostProcess
from tests.rawws import masked, parse_frame, raw_websocket, read_frame

pytestmark = pytest.mark.integration

CROWD = 220  # clients already there: more than the welcome's bound (100)
NEWCOMERS = 60
WINDOW = 0.2  # the host's presence_batch_seconds (its default, set explicitly here)
ENV = {
    "PARLEY_MAX_CONNECTIONS_PER_ADDRESS": "100000",
    "PARLEY_SEND_RATE": "1000",
    "PARLEY_SEND_BURST": "1000",
    "PARLEY_PRESENCE_BATCH_SECONDS": str(WINDOW),
}
DEADLINE = 60.0  # any wait in this module, at most


class Client:
    """One signed-in websocket: frames kept in order, acked calls by number."""

    def __init__(self, port: int, auth: dict[str, str]) -> None:
        self.sock, rest, _ = raw_websocket(port)
        _op, _open, rest = read_frame(self.sock, rest)  # Engine.IO "0{...}"
        self.buf = bytearray(rest)
        self.events: list[tuple[str, Any]] = []
        self.acks: dict[int, Any] = {}
        self._next = 0
        self.sock.sendall(masked(0x1, ("40" + json.dumps(auth)).encode()))
        self.welcome = self.wait_event("welcome")
        self.user = self.welcome["user"]
        self.token = self.welcome["token"]

    def pump(self, block: bool = True) -> bool:
        """Read what the socket has (waiting for some if ``block``); False once it closed."""
        self.sock.setblocking(block)
        try:
            chunk = self.sock.recv(262144)
        except (BlockingIOError, TimeoutError):
            return True
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(10)
        if not chunk:
            return False
        self.buf += chunk
        while (parsed := parse_frame(self.buf)) is not None:
            frame, used = parsed
            del self.buf[:used]
            self._packet(frame.payload)
        return True

    def _packet(self, payload: bytes) -> None:
        if payload == b"2":  # Engine.IO ping
            self.sock.sendall(masked(0x1, b"3"))
        elif payload.startswith(b"42"):
            name, body = json.loads(payload[2:])
            self.events.append((name, body))
        elif payload.startswith(b"43"):
            digits = payload[2:].split(b"[", 1)[0]
            self.acks[int(digits)] = json.loads(payload[2 + len(digits) :])[0]

    def wait_event(self, name: str) -> Any:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for i, (event, body) in enumerate(self.events):
                if event == name:
                    del self.events[: i + 1]
                    return body
            assert self.pump(), "the host closed the connection"
        raise AssertionError(f"no {name}")

    def call(self, event: str, data: dict[str, Any]) -> Any:
        n, self._next = self._next, self._next + 1
        self.sock.sendall(masked(0x1, f"42{n}".encode() + json.dumps([event, data]).encode()))
        deadline = time.monotonic() + DEADLINE
        while n not in self.acks:
            assert time.monotonic() < deadline, f"no ack for {event}"
            assert self.pump(), "the host closed the connection"
        return self.acks.pop(n)

    def close(self) -> None:
        self.sock.close()


def drain(clients: list[Client], quiet: float) -> None:
    """Read every client's frames until none arrived for ``quiet`` seconds (bounded)."""
    sel = selectors.DefaultSelector()
    for c in clients:
        sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready = sel.select(quiet)
            if not ready:
                return
            for key, _ in ready:
                key.data.pump(block=False)
    finally:
        sel.close()


def user_frames(c: Client) -> list[Any]:
    return [body for name, body in c.events if name in ("users_changed", "user_created")]


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = tmp_path_factory.mktemp("crowd-host")
    h = HostProcess(data, "--open", env=ENV)
    yield h, data
    h.stop()


def _port(h: HostProcess) -> int:
    return int(h.url.rstrip("/").rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def crowd(host: Any) -> Any:
    h, _ = host
    clients = [Client(_port(h), {"name": f"Crowd {i}"}) for i in range(CROWD)]
    yield clients
    for c in clients:
        c.close()


def test_a_join_costs_each_client_a_constant_number_of_frames(host: Any, crowd: Any) -> None:
    h, _ = host
    drain(crowd, quiet=3 * WINDOW)
    for c in crowd:
        c.events.clear()
    started = time.monotonic()
    newcomers = [Client(_port(h), {"name": f"Newcomer {i}"}) for i in range(NEWCOMERS)]
    took = time.monotonic() - started
    drain(crowd + newcomers, quiet=3 * WINDOW)
    # One batch per window while they arrived, one more for the last window and one for a
    # window boundary: never one per newcomer.
    bound = math.ceil(took / WINDOW) + 2
    assert bound < NEWCOMERS / 2, (
        f"arrivals too slow to tell batches from one-by-one ({took:.1f} s)"
    )
    ids = {n.user["id"] for n in newcomers}
    # Those whose welcome listed everyone (they came while the host was small) watch everyone and
    # hear every newcomer; the others watch whom they were told about, none of the newcomers.
    watch_all = [c for c in crowd if c.welcome["users_complete"]]
    assert len(watch_all) >= CROWD // 3
    for c in crowd:
        if c not in watch_all:
            assert not ids & {u["id"] for body in user_frames(c) for u in body["users"]}
    for c in watch_all:
        frames = user_frames(c)
        assert 1 <= len(frames) <= bound, (len(frames), bound)
        told = {u["id"]: u for body in frames for u in body["users"]}
        # Everyone who arrived was told, as online, with their name.
        assert ids <= set(told)
        assert all(told[n.user["id"]]["online"] for n in newcomers)
        assert {told[n.user["id"]]["name"] for n in newcomers} == {
            n.user["name"] for n in newcomers
        }
    # ... and departures the same way: half of them leave; everyone hears each once, offline.
    leaving = newcomers[: NEWCOMERS // 2]
    for c in crowd:
        c.events.clear()
    for n in leaving:
        n.close()
    drain(crowd, quiet=3 * WINDOW)
    gone = {n.user["id"] for n in leaving}
    for c in crowd[:: CROWD // 10]:
        told = [u for body in user_frames(c) for u in body["users"] if u["id"] in gone]
        assert sorted(u["id"] for u in told) == (sorted(gone) if c in watch_all else [])
        assert not any(u["online"] for u in told)
    for n in newcomers[NEWCOMERS // 2 :]:
        n.close()
    drain(crowd, quiet=3 * WINDOW)


def test_a_big_hosts_welcome_is_bounded_and_every_name_can_be_asked_for(
    host: Any, crowd: Any
) -> None:
    h, _ = host
    me = Client(_port(h), {"name": "Late Comer"})
    try:
        welcome = me.welcome
        assert welcome["users_complete"] is False
        # The caller, then a sample of those online (protocol.WELCOME_SAMPLE), all of them online.
        assert 2 <= len(welcome["users"]) <= 21
        assert welcome["users"][0]["id"] == me.user["id"]
        assert all(u["online"] for u in welcome["users"])
        # A message from someone the welcome may not list: its author is one get_users away.
        general = next(r["id"] for r in welcome["rooms"] if r["name"] == "general")
        author = crowd[-1]
        sent = author.call(
            "send_message", {"room_id": general, "text": "hello @Late Comer", "client_id": "x1"}
        )
        assert sent["ok"], sent
        got = me.wait_event("message_created")
        answer = me.call("get_users", {"ids": [got["author"]["id"], *got["mentions"], 999999]})
        assert answer["ok"]
        by_id = {u["id"]: u for u in answer["users"]}
        assert by_id[author.user["id"]]["name"] == author.user["name"]
        assert by_id[author.user["id"]]["online"] is True
        assert by_id[me.user["id"]]["name"] == "Late Comer"
        assert 999999 not in by_id
        # Everyone, page by page, each once, names as they joined.
        seen: dict[int, str] = {}
        after = 0
        for _ in range(20):
            page = me.call("list_users", {"after_id": after, "limit": 50})
            assert page["ok"] and len(page["users"]) <= 50
            for u in page["users"]:
                assert u["id"] not in seen
                seen[u["id"]] = u["name"]
            if not page["has_more"]:
                break
            after = page["users"][-1]["id"]
        assert not page["has_more"]
        for c in [*crowd, me]:
            assert seen[c.user["id"]] == c.user["name"]
        # Bad input gets a clear error.
        assert me.call("get_users", {"ids": []})["error"]["code"] == "invalid"
        assert me.call("get_users", {"ids": list(range(1, 102))})["error"]["code"] == "invalid"
        assert me.call("list_users", {"limit": 501})["error"]["code"] == "invalid"
    finally:
        me.close()


def _gone(clients: list[Client], crowd: list[Client]) -> None:
    """Close these clients and let the crowd hear of it, so the next test starts quiet."""
    for c in clients:
        c.close()
    drain(crowd, quiet=3 * WINDOW)


def _told(c: Client, user_id: int) -> list[bool]:
    """The presence ``c`` was told of this person, in order."""
    return [u["online"] for body in user_frames(c) for u in body["users"] if u["id"] == user_id]


def test_a_client_of_a_big_host_hears_only_the_people_it_shows(host: Any, crowd: Any) -> None:
    h, _ = host
    port = _port(h)
    shown, unshown = Client(port, {"name": "Shown"}), Client(port, {"name": "Not Shown"})
    me = Client(port, {"name": "Watcher"})
    everyone, bystander = crowd[0], crowd[-1]  # joined a small host / a big one
    assert everyone.welcome["users_complete"] and not me.welcome["users_complete"]
    listed = {u["id"] for u in me.welcome["users"]}
    assert not listed & {shown.user["id"], unshown.user["id"]}
    assert me.call("get_users", {"ids": [shown.user["id"]]})["ok"]  # now it shows them
    drain([*crowd, shown, unshown, me], quiet=3 * WINDOW)
    for c in (everyone, bystander, me):
        c.events.clear()
    shown.close()
    unshown.close()
    drain([*crowd, me], quiet=3 * WINDOW)
    assert _told(me, shown.user["id"]) == [False]
    assert _told(me, unshown.user["id"]) == []
    assert _told(everyone, shown.user["id"]) == _told(everyone, unshown.user["id"]) == [False]
    assert _told(bystander, shown.user["id"]) == _told(bystander, unshown.user["id"]) == []
    # watch_users replaces what it hears of: now only the other one (and itself).
    answer = me.call("watch_users", {"ids": [unshown.user["id"]]})
    assert answer == {"ok": True, "online": [me.user["id"]]}
    me.events.clear()
    back = [Client(port, {"token": c.token}) for c in (shown, unshown)]
    drain([*crowd, me, *back], quiet=3 * WINDOW)
    assert _told(me, unshown.user["id"]) == [True]
    assert _told(me, shown.user["id"]) == []
    online = me.call("watch_users", {"ids": [shown.user["id"]]})["online"]
    assert sorted(online) == sorted([me.user["id"], shown.user["id"]])
    _gone([me, *back], crowd)


def test_a_dm_partners_presence_reaches_a_client_of_a_big_host(host: Any, crowd: Any) -> None:
    h, _ = host
    port = _port(h)
    ana, bo = Client(port, {"name": "Dm Ana"}), Client(port, {"name": "Dm Bo"})
    assert ana.call("open_dm", {"user_ids": [bo.user["id"]]})["ok"]
    ana.close()
    again = Client(port, {"token": ana.token})  # a new connection: its DM partners from the store
    assert bo.user["id"] not in {u["id"] for u in again.welcome["users"]}
    drain([*crowd, again, bo], quiet=3 * WINDOW)
    assert _told(bo, ana.user["id"])[-1:] == [True]  # Bo, in the DM opened at his socket's time
    again.events.clear()
    bo.close()
    drain([*crowd, again], quiet=3 * WINDOW)
    assert _told(again, bo.user["id"]) == [False]
    _gone([again], crowd)


def test_what_a_client_watches_is_bounded_and_bad_watch_users_is_refused(
    host: Any, crowd: Any
) -> None:
    h, _ = host
    port = _port(h)
    me, other = Client(port, {"name": "Bounded"}), Client(port, {"name": "Bound Target"})
    nobody = list(range(900_000, 900_499))  # ids of nobody, 499 of them
    # Itself first, then the 499: 500 in all, the bound; who is named after them is not watched.
    answer = me.call("watch_users", {"ids": [*nobody, other.user["id"]]})
    assert answer == {"ok": True, "online": [me.user["id"]]}  # `other` is online, not watched
    for bad in (
        {"ids": list(range(1, 502))},
        {"ids": "1"},
        {"ids": [0]},
        {"ids": [-3]},
        {"ids": ["7"]},
        {"ids": [True]},
        {"ids": [2**70]},
        {},
    ):
        refused = me.call("watch_users", bad)
        assert refused["error"]["code"] == "invalid", bad
        assert refused["error"]["data"]["field"] == "ids", bad
    drain([*crowd, me, other], quiet=3 * WINDOW)
    me.events.clear()
    other.close()
    drain([*crowd, me], quiet=3 * WINDOW)
    assert _told(me, other.user["id"]) == []  # beyond the bound (the refusals changed nothing)
    assert me.call("watch_users", {"ids": [*nobody[1:], other.user["id"]]})["ok"]
    back = Client(port, {"token": other.token})
    drain([*crowd, me, back], quiet=3 * WINDOW)
    assert _told(me, other.user["id"]) == [True]
    assert me.call("watch_users", {"ids": []}) == {"ok": True, "online": [me.user["id"]]}
    _gone([me, back], crowd)


def _counts(c: Client, room_id: int) -> list[int]:
    """The room_online numbers ``c`` was told for this room, in order."""
    return [b["online"] for n, b in c.events if n == "room_online" and b["room_id"] == room_id]


def _online_members(c: Client, room_id: int) -> int:
    """The room's members online, as list_members says (each member's own ``online``)."""
    return sum(u["online"] for u in c.call("list_members", {"room_id": room_id})["members"])


def test_a_client_of_a_big_host_is_told_how_many_of_a_rooms_members_are_online(
    host: Any, crowd: Any
) -> None:
    """The people panel's "N online" for a room of more people than a client hears of: the
    answer to watch_users with a room_id, then room_online as people come, go, join and leave;
    members only, and bad input changes nothing."""
    h, _ = host
    port = _port(h)
    me, other = Client(port, {"name": "Counter"}), Client(port, {"name": "Count Other"})
    assert not me.welcome["users_complete"]
    general = next(r["id"] for r in me.welcome["rooms"] if r["name"] == "general")
    drain([*crowd, me, other], quiet=3 * WINDOW)
    answer = me.call("watch_users", {"ids": [], "room_id": general})
    # Everyone in general who is connected (the crowd and these two), counting those this
    # connection does not hear of.
    assert answer == {"ok": True, "online": [me.user["id"]], "room_online": CROWD + 2}
    assert _online_members(me, general) == CROWD + 2
    me.events.clear()
    arriving = [Client(port, {"name": f"Count Newcomer {i}"}) for i in range(5)]
    drain([*crowd, me, other, *arriving], quiet=3 * WINDOW)
    told = _counts(me, general)
    assert told and told[-1] == CROWD + 7  # ... after one window or a few, never one per arrival
    assert len(told) <= len(arriving)
    me.events.clear()
    for c in arriving:
        c.close()
    drain([*crowd, me, other], quiet=3 * WINDOW)
    assert _counts(me, general)[-1:] == [CROWD + 2]
    # A smaller room: told as someone joins and leaves.
    room = me.call("create_room", {"name": "counted"})["room"]["id"]
    assert me.call("watch_users", {"ids": [], "room_id": room})["room_online"] == 1
    me.events.clear()
    assert other.call("join_room", {"room_id": room})["ok"]
    drain([*crowd, me, other], quiet=3 * WINDOW)
    assert _counts(me, room) == [2]
    assert _counts(me, general) == []  # it shows the new room's count now, not general's
    me.events.clear()
    assert other.call("leave_room", {"room_id": room})["ok"]
    drain([*crowd, me, other], quiet=3 * WINDOW)
    assert _counts(me, room) == [1]
    # Members only; the refusals leave what `other` watches as it was.
    assert other.call("watch_users", {"ids": [], "room_id": general})["room_online"] >= 2
    dm = me.call("open_dm", {"user_ids": [crowd[0].user["id"]]})["room"]["id"]
    for bad, code in (
        ({"ids": [], "room_id": room}, "forbidden"),  # a channel it is not in
        ({"ids": [], "room_id": dm}, "not_found"),  # others' direct message
        ({"ids": [], "room_id": 987_654}, "not_found"),
        ({"ids": [], "room_id": 0}, "invalid"),
        ({"ids": [], "room_id": "1"}, "invalid"),
        ({"ids": [], "room_id": True}, "invalid"),
        ({"ids": [], "room_id": None}, None),  # null is no room: nothing counted
    ):
        refused = other.call("watch_users", bad)
        if code is None:
            assert refused == {"ok": True, "online": [other.user["id"]]}
            assert other.call("watch_users", {"ids": [], "room_id": general})["ok"]
            continue
        assert refused["error"]["code"] == code, bad
        if code == "invalid":
            assert refused["error"]["data"]["field"] == "room_id", bad
    me.events.clear()
    other.events.clear()
    me.close()
    drain([*crowd, other], quiet=3 * WINDOW)
    assert _counts(other, general) == [CROWD + 1]  # still told: the refusals changed nothing
    _gone([other], crowd)


def test_after_a_host_restart_every_client_comes_back_and_resyncs_with_nothing_lost(
    tmp_path: Path,
) -> None:
    first = HostProcess(tmp_path, "--open", env=ENV)
    port = _port(first)
    clients = [Client(port, {"name": f"Storm {i}"}) for i in range(150)]
    second: HostProcess | None = None
    try:
        general = next(r["id"] for r in clients[0].welcome["rooms"] if r["name"] == "general")
        acked = set()
        for i, c in enumerate(clients[:30]):
            ack = c.call(
                "send_message", {"room_id": general, "text": f"before {i}", "client_id": f"b{i}"}
            )
            assert ack["ok"], ack
            acked.add(ack["message"]["id"])
        drain(clients, quiet=3 * WINDOW)
        last_seen = {
            id(c): max((b["id"] for n, b in c.events if n == "message_created"), default=0)
            for c in clients
        }
        first.kill()
        for c in clients:
            c.close()
        second = HostProcess(tmp_path, "--open", port=port, env=ENV)
        back = [Client(port, {"token": c.token}) for c in clients]
        for old, new in zip(clients, back, strict=True):
            assert new.user["id"] == old.user["id"]  # the same person, by the device token
        after_restart = set()
        for i, c in enumerate(back[:10]):
            ack = c.call(
                "send_message", {"room_id": general, "text": f"after {i}", "client_id": f"a{i}"}
            )
            assert ack["ok"], ack
            after_restart.add(ack["message"]["id"])
        # A resync as the UI does it: what came after the newest message each one held.
        for old, new in zip(clients, back, strict=True):
            page = new.call(
                "fetch_messages", {"room_id": general, "after_id": last_seen[id(old)], "limit": 200}
            )
            assert page["ok"] and not page["has_more"]
            ids = [m["id"] for m in page["messages"]]
            assert len(ids) == len(set(ids))
            assert set(ids) == {i for i in acked | after_restart if i > last_seen[id(old)]}
        # And from the start: every acknowledged message is there exactly once.
        everything = back[-1].call(
            "fetch_messages", {"room_id": general, "after_id": 0, "limit": 200}
        )
        ids = [m["id"] for m in everything["messages"]]
        assert sorted(ids) == sorted(acked | after_restart)
        for c in back:
            c.close()
    finally:
        for c in clients:
            c.close()
        (second or first).stop()
