"""The chat rules with a real Database (SQLite files, worker threads) and a recording transport."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import commands as c
from backend.chat import outage, records
from backend.chat.context import SendRate
from backend.chat.crowd import Crowd
from backend.chat.service import ChatService
from backend.chat.sessions import new_token
from backend.errors import BadCode, BadToken, Conflict, Forbidden, NameTaken, NotFound, RateLimited
from backend.host_settings import HostSettings
from backend.models import User
from backend.storage.blobs import BlobStore
from backend.storage.sqlite.store import SqliteBackend
from backend.storage.worker import Database

CODE = "11223344"
LIMITS = c.Limits(max_text_chars=100)


class Recorder:
    """Stands in for Socket.IO's outbound side and remembers who was told what."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any], str | None, str | None]] = []
        self.channels: dict[str, set[str]] = {}
        self.dropped: list[str] = []

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None:
        self.published.append((event, payload, to, skip_sid))

    def publish_each(self, event: str, payload: dict[str, Any], sids: Iterable[str]) -> None:
        for sid in sids:
            self.publish(event, payload, sid)

    def subscribe(self, sid: str, channel: str) -> None:
        self.channels.setdefault(channel, set()).add(sid)

    def unsubscribe(self, sid: str, channel: str) -> None:
        self.channels.get(channel, set()).discard(sid)

    def disconnect(self, sid: str) -> None:
        self.dropped.append(sid)

    def events(self, name: str) -> list[tuple[dict[str, Any], str | None]]:
        return [(payload, to) for event, payload, to, _ in self.published if event == name]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(SqliteBackend(tmp_path / "s.sqlite3", synchronous="normal"))
    yield database
    database.close()


@pytest.fixture
def out() -> Recorder:
    return Recorder()


@pytest.fixture
def service(db: Database, out: Recorder, tmp_path: Path) -> ChatService:
    host = HostSettings(db, host_id="h", version="t", name="host")
    host.start(name_given=False, code=CODE, code_given=True, data_dir=tmp_path)
    svc = ChatService(
        db,
        out,
        host=host,
        send_rate=SendRate(rate=1.0, burst=3),
        blobs=BlobStore(tmp_path),
        offload=lambda fn, *args: fn(*args),  # the test thread may block: nobody else is served
        invite_urls=lambda: ["u"],
        invite_fingerprint=lambda: "F" * 52,
    )
    svc.bootstrap()
    return svc


def _connect(service: ChatService, sid: str, auth: dict[str, Any], address: str) -> dict[str, Any]:
    """What a connecting client's handshake does: decode ``auth``, then connect."""
    return service.sessions.connect(sid, c.decode_auth(auth), address)


def _join(service: ChatService, sid: str, name: str) -> dict[str, Any]:
    return _connect(service, sid, {"name": name, "code": CODE}, "10.0.0.5")


def _send(service: ChatService, sid: str, room_id: int, text: str, client_id: str) -> Any:
    cmd = c.SendMessage.decode({"room_id": room_id, "text": text, "client_id": client_id}, LIMITS)
    return service.messages.send(sid, cmd)


def _create_room(service: ChatService, sid: str, name: str) -> dict[str, Any]:
    return service.rooms.create(sid, c.CreateRoom.decode({"name": name}, LIMITS))


def test_join_then_token_is_the_same_user(service: ChatService) -> None:
    first = _join(service, "s1", "Ana")
    service.sessions.disconnect("s1")
    again = _connect(service, "s2", {"token": first["token"]}, "10.0.0.5")
    assert again["user"] == first["user"]
    assert [r["name"] for r in again["rooms"]] == ["general"] and again["rooms"][0]["member"]


def test_name_is_unique_ignoring_case(service: ChatService) -> None:
    _join(service, "s1", "Ana")
    with pytest.raises(NameTaken):
        _join(service, "s2", "aNA")


def test_wrong_code_and_unknown_token_are_refused(service: ChatService) -> None:
    with pytest.raises(BadCode):
        _connect(service, "s1", {"name": "Ana", "code": "00000000"}, "10.0.0.5")
    with pytest.raises(BadToken):
        _connect(service, "s1", {"token": "not-a-token"}, "10.0.0.5")


def test_code_guessing_is_rate_limited_per_address(service: ChatService) -> None:
    for _ in range(5):
        with pytest.raises(BadCode):
            _connect(service, "s", {"name": "Eve", "code": "00000000"}, "10.0.0.66")
    with pytest.raises(RateLimited) as caught:
        _connect(service, "s", {"name": "Eve", "code": CODE}, "10.0.0.66")  # even the right code
    assert caught.value.data["retry_after"] > 0
    _join(service, "s2", "Ana")  # another address is unaffected


def test_owner_key_is_loopback_only_and_one_time(service: ChatService) -> None:
    key = service.sessions.owner_key
    with pytest.raises(BadToken):
        _connect(service, "s1", {"owner_key": key}, "192.168.1.9")
    welcome = _connect(service, "s2", {"owner_key": key}, "127.0.0.1")
    assert welcome["user"]["is_host"]
    with pytest.raises(BadToken):
        _connect(service, "s3", {"owner_key": key}, "127.0.0.1")
    again = _connect(service, "s4", {"owner_key": service.sessions.owner_key}, "::1")
    assert again["user"]["id"] == welcome["user"]["id"]  # the same host user every launch


def test_the_console_link_is_loopback_only_and_one_time(service: ChatService) -> None:
    """The console's admin link (issue 15): refused from a LAN address even with the secret."""
    from backend.errors import BadLink

    secret = service.sessions.console_secret
    for address in ("192.168.1.9", "10.0.0.2", "fe80::1", None, "not-an-address"):
        with pytest.raises(BadLink):
            _connect(service, "s1", {"link": secret}, address)
    welcome = _connect(service, "s2", {"link": secret}, "127.0.0.1")
    assert welcome["user"]["is_host"] and welcome["user"]["admin"]
    with pytest.raises(BadLink):
        _connect(service, "s3", {"link": secret}, "127.0.0.1")
    again = _connect(service, "s4", {"link": service.sessions.console_secret}, "::1")
    assert again["user"]["id"] == welcome["user"]["id"]


def test_send_is_stored_once_and_published_once(service: ChatService, out: Recorder) -> None:
    general = _join(service, "s1", "Ana")["rooms"][0]["id"]
    first = _send(service, "s1", general, "hello", "c-1")
    retry = _send(service, "s1", general, "hello", "c-1")
    assert retry == first
    created = out.events("message_created")
    assert created == [(first.to_wire(), f"room:{general}")]


def test_send_needs_membership_and_a_real_room(service: ChatService) -> None:
    _join(service, "s1", "Ana")
    _join(service, "s2", "Bo")
    room = _create_room(service, "s1", "Side Talk")
    with pytest.raises(Forbidden):
        _send(service, "s2", room["id"], "hi", "c")
    with pytest.raises(NotFound):
        _send(service, "s2", 9999, "hi", "c")
    service.rooms.join("s2", c.RoomRef(room["id"]))
    assert _send(service, "s2", room["id"], "hi", "c").room_id == room["id"]


def test_send_rate_limit(service: ChatService) -> None:
    general = _join(service, "s1", "Ana")["rooms"][0]["id"]
    for n in range(3):
        _send(service, "s1", general, "x", f"c{n}")
    with pytest.raises(RateLimited):
        _send(service, "s1", general, "x", "c3")


def test_create_room_conflict_and_broadcast(service: ChatService, out: Recorder) -> None:
    _join(service, "s1", "Ana")
    room = _create_room(service, "s1", "lunch")
    assert room["member"] and out.events("room_created")[0] == ({**room, "member": False}, None)
    assert "s1" in out.channels[f"room:{room['id']}"]
    with pytest.raises(Conflict) as caught:
        _create_room(service, "s1", "LUNCH")
    assert caught.value.data["room"]["id"] == room["id"]


def test_leave_room_but_not_general(service: ChatService, out: Recorder) -> None:
    general = _join(service, "s1", "Ana")["rooms"][0]["id"]
    room = _create_room(service, "s1", "lunch")
    service.rooms.leave("s1", c.RoomRef(room["id"]))
    assert "s1" not in out.channels[f"room:{room['id']}"]
    with pytest.raises(Forbidden):
        _send(service, "s1", room["id"], "x", "c")
    with pytest.raises(Forbidden):
        service.rooms.leave("s1", c.RoomRef(general))


def test_presence_follows_first_and_last_connection(service: ChatService, out: Recorder) -> None:
    bo = _join(service, "s9", "Bo")["user"]["id"]  # a small host: Bo hears everyone's presence

    def heard() -> list[bool]:
        changes = out.events("users_changed")
        return [u["online"] for p, to in changes if to == "s9" for u in p["users"] if u["id"] != bo]

    token = _join(service, "s1", "Ana")["token"]
    _connect(service, "s2", {"token": token}, "10.0.0.5")  # a second device of the same user
    service.sessions.disconnect("s1")
    assert heard() == [True]
    service.sessions.disconnect("s2")
    assert heard() == [True, False]


class Peers:
    """The other processes' side of the message queue: what this one asked of them, as JSON."""

    def __init__(self) -> None:
        self.told: list[tuple[str, Any]] = []

    def tell(self, action: str, args: list[Any]) -> None:
        self.told.append((action, json.loads(json.dumps(args))))

    def online_elsewhere(self, user_id: int) -> bool:
        return False

    def device_online_elsewhere(self, device_id: int) -> bool:
        return False


def test_windows_between_processes_carry_checked_records(
    service: ChatService, out: Recorder
) -> None:
    """A window's users_changed goes to the other processes as the people's records; one heard
    from another process is told to this one's connections from its records (no database row:
    Cy is in none here), online as this process sees it, a malformed record left out."""
    peers = Peers()
    service.context.peers = peers
    bo = _join(service, "s9", "Bo")["user"]
    [(action, sent)] = [told for told in peers.told if told[0] == "users_changed"]
    assert [r["name"] for r in sent] == ["Bo"] and "online" not in sent[0]
    cy = User(50, "Cy", status="dnd", status_text="deep in it", avatar=None)
    bent = {**records.user_record(cy), "id": 51, "status": "sleeping"}
    service.context.from_peer("users_changed", [records.user_record(cy), bent, *sent])
    [(told, to)] = out.events("users_changed")[-1:]
    assert to == "s9"
    assert told["users"] == [
        {**cy.to_wire(), "online": False},
        {**bo, "online": True},
    ]
    for bad in (["Cy"], [{"id": 51}], [7]):  # nothing to tell: nobody is told
        service.context.from_peer("users_changed", bad)
    assert out.events("users_changed")[-1] == (told, to)


def test_fetch_pages_and_typing(service: ChatService, out: Recorder) -> None:
    general = _join(service, "s1", "Ana")["rooms"][0]["id"]
    _join(service, "s2", "Bo")
    ids = [_send(service, "s1", general, str(n), f"c{n}").id for n in range(3)]
    page = service.messages.fetch("s2", c.FetchMessages(general, limit=50, after_id=ids[0]))
    assert [m.id for m in page.messages] == ids[1:]
    service.rooms.typing("s2", c.RoomRef(general))
    [(payload, to)] = out.events("typing")
    assert (
        payload == {"room_id": general, "user": {"id": 2, "name": "Bo"}} and to == f"room:{general}"
    )


def test_invite_is_for_the_host_only(service: ChatService) -> None:
    _join(service, "s1", "Ana")
    with pytest.raises(Forbidden):
        service.admin.invite("s1")
    _connect(service, "h", {"owner_key": service.sessions.owner_key}, "127.0.0.1")
    assert service.admin.invite("h") == {"code": CODE, "urls": ["u"], "fingerprint": "F" * 52}


def test_tokens_handed_out_never_start_with_a_dash() -> None:
    # `parley send --token TOKEN` would read "-x…" as an option (a CI run failed on one in 64).
    tokens = [new_token() for _ in range(3000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == 3000 and all(len(t) == 43 for t in tokens)


def test_a_rooms_online_count_reaches_everyone_showing_it_once_a_window(
    service: ChatService, out: Recorder
) -> None:
    """watch_users with a room_id answers the room's online count and then tells room_online
    when it moves: at the window's end, to every connection showing that room, one that began
    showing it mid-window included; a join or leave is counted in the window too; a connection
    that stops showing it (or goes) is told no more."""
    held: list[Any] = []
    ctx = service.context
    ctx.crowd = crowd = Crowd(window=1.0, spawn=lambda fn: held.append(fn), sleep=lambda s: None)
    crowd.bind(ctx)
    general = _join(service, "s1", "Ana")["rooms"][0]["id"]
    watch = service.directory.watch
    assert watch("s1", c.WatchUsers((), general))["room_online"] == 1
    _join(service, "s2", "Bo")  # online: told at the window's end, not now
    assert out.events("room_online") == []
    # Shown here already: answered the count kept (no read of every member), which the
    # window's end corrects for everyone showing the room.
    assert watch("s2", c.WatchUsers((), general))["room_online"] == 1
    crowd.flush()
    told = out.events("room_online")
    assert sorted(to for _, to in told) == ["s1", "s2"]  # Ana had 1: she needs it too
    assert {p["online"] for p, _ in told} == {2}
    room = _create_room(service, "s1", "den")["id"]
    assert watch("s1", c.WatchUsers((), room))["room_online"] == 1
    out.published.clear()
    service.rooms.join("s2", c.RoomRef(room))
    service.rooms.join("s2", c.RoomRef(room))  # again: nothing more
    crowd.flush()
    assert out.events("room_online") == [({"room_id": room, "online": 2}, "s1")]
    out.published.clear()
    service.rooms.leave("s2", c.RoomRef(room))
    crowd.flush()
    assert out.events("room_online") == [({"room_id": room, "online": 1}, "s1")]
    out.published.clear()
    assert "room_online" not in watch("s1", c.WatchUsers(()))  # no room: counted no more
    service.rooms.join("s2", c.RoomRef(room))
    service.sessions.disconnect("s2")
    crowd.flush()
    assert out.events("room_online") == []


# -- after a message-queue outage (chat/outage.py) ------------------------------------------------


class _LateRead:
    """The database, with ``then`` run after a read has read and before it returns: what happens
    on the hub while a read is on a storage thread (any greenlet may run then)."""

    def __init__(self, db: Database, then: Any) -> None:
        self._db, self._then = db, then

    def read(self, fn: Any) -> Any:
        result = self._db.read(fn)
        then, self._then = self._then, lambda: None
        then()
        return result

    def write(self, fn: Any) -> Any:
        return self._db.write(fn)


def test_after_an_outage_what_the_database_says_is_redone_here_then_everyone_resyncs(
    service: ChatService, out: Recorder, db: Database
) -> None:
    """What other processes asked while Redis was away never came: a room left elsewhere, admin
    rights given, a device signed out. Re-done from the database for this process's
    connections; then they are told to resync."""
    ctx = service.context
    _join(service, "s1", "Ana")
    _join(service, "s2", "Bo")
    den = _create_room(service, "s1", "den")["id"]
    bo = ctx.caller("s2").id
    ana = ctx.caller("s1").id
    ana_device = ctx.presence.device("s1")
    assert den in ctx.presence.rooms(ana)

    def behind_its_back(s: Any) -> None:  # as other processes did, unheard
        s.members.delete(den, ana)
        s.users.set_admin(bo, True)
        s.devices.delete(ana_device)

    db.write(behind_its_back)
    out.published.clear()
    outage.after_outage(ctx, out)
    assert den not in ctx.presence.rooms(ana)
    assert "s1" not in out.channels[f"room:{den}"]
    assert ctx.caller("s2").admin and "s2" in out.channels["admins"]
    assert out.dropped == ["s1"]  # the device signed out elsewhere
    assert out.events("resync") == [({"within_ms": 2}, None)]


def test_a_room_joined_here_while_the_catch_up_reads_is_not_undone(
    service: ChatService, out: Recorder, db: Database
) -> None:
    ctx = service.context
    _join(service, "s1", "Ana")
    _join(service, "s2", "Bo")
    lab = _create_room(service, "s2", "lab")["id"]
    ana = ctx.caller("s1").id
    # Ana joins lab (here, on the hub) after the catch-up's read saw her without it.
    ctx.db = _LateRead(db, lambda: service.rooms.join("s1", c.RoomRef(lab)))  # type: ignore[assignment]
    outage.after_outage(ctx, out)
    assert lab in ctx.presence.rooms(ana)
    assert "s1" in out.channels[f"room:{lab}"]


def test_clients_are_told_to_resync_even_when_the_catch_up_fails(
    service: ChatService, out: Recorder, db: Database
) -> None:
    """A database blip with the Redis one: the clients' own catch-up still fills their gap."""
    _join(service, "s1", "Ana")

    class Broken(_LateRead):
        def read(self, fn: Any) -> Any:
            raise OSError("disk gone")

    service.context.db = Broken(db, None)  # type: ignore[assignment]
    with pytest.raises(OSError):
        outage.after_outage(service.context, out)
    assert out.events("resync") == [({"within_ms": 1}, None)]
