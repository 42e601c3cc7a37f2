"""Profiles (issue 15): renaming oneself by the joining rules, the host person's own name, status
decoding, and the wire form everyone hears (chat/profiles.py, commands.SetName/SetStatus)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import commands as c
from backend import protocol as p
from backend.chat.context import SendRate
from backend.chat.service import ChatService
from backend.errors import Forbidden, Invalid, NameTaken
from backend.host_settings import HostSettings
from backend.storage.blobs import BlobStore
from backend.storage.sqlite import schema
from backend.storage.sqlite.store import SqliteBackend, connect
from backend.storage.worker import Database

CODE = "11223344"
LIMITS = c.Limits()


class _Out:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.dropped: list[str] = []

    def publish(self, event: str, payload: dict[str, Any], *_: Any, **__: Any) -> None:
        self.published.append((event, payload))

    def publish_each(self, event: str, payload: dict[str, Any], sids: Iterable[str]) -> None:
        for sid in sids:
            self.publish(event, payload, sid)

    def subscribe(self, sid: str, channel: str) -> None:
        pass

    def unsubscribe(self, sid: str, channel: str) -> None:
        pass

    def disconnect(self, sid: str) -> None:
        self.dropped.append(sid)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(SqliteBackend(tmp_path / "s.sqlite3", synchronous="normal"))
    yield database
    database.close()


def _service(db: Database, tmp_path: Path, out: _Out, person: str | None) -> ChatService:
    host = HostSettings(db, host_id="h", version="t", name="vm")
    host.start(name_given=True, code=CODE, code_given=True, data_dir=tmp_path)
    svc = ChatService(
        db,
        out,
        host=host,
        send_rate=SendRate(rate=1.0, burst=20),
        blobs=BlobStore(tmp_path),
        offload=lambda fn, *args: fn(*args),
        invite_urls=lambda: [],
        person_name=person,
    )
    svc.bootstrap()
    return svc


@pytest.fixture
def out() -> _Out:
    return _Out()


@pytest.fixture
def service(db: Database, tmp_path: Path, out: _Out) -> ChatService:
    return _service(db, tmp_path, out, "Jane Doe")


def _join(service: ChatService, name: str, sid: str) -> dict[str, Any]:
    return service.sessions.connect(sid, c.decode_auth({"name": name, "code": CODE}), "10.0.0.5")


def _owner(service: ChatService) -> dict[str, Any]:
    auth = c.decode_auth({"owner_key": service.sessions.owner_key})
    return service.sessions.connect("owner", auth, "127.0.0.1")


def _rename(service: ChatService, sid: str, name: str) -> dict[str, Any]:
    return service.profiles.set_name(sid, c.SetName.decode({"name": name}, LIMITS)).to_wire()


def test_a_rename_takes_the_joining_rules_and_everyone_hears_it(
    service: ChatService, out: _Out
) -> None:
    _join(service, "carol", "c")
    ana = _join(service, "Ana", "a")["user"]
    for taken in ("carol", "CAROL", "cаrol", "car0l", "caroI"):  # Cyrillic а, zero, capital I
        with pytest.raises(NameTaken):
            _rename(service, "a", taken)
    with pytest.raises(Invalid):
        _rename(service, "a", "Ana\u200b")  # invisible
    with pytest.raises(Invalid):
        _rename(service, "a", "   ")
    assert _rename(service, "a", "ANA")["name"] == "ANA"  # her own name in another case is hers
    renamed = _rename(service, "a", "Ana Lopez")
    assert renamed["id"] == ana["id"] and renamed["name"] == "Ana Lopez"
    event, payload = out.published[-1]
    assert event == p.USER_UPDATED and payload["user"]["name"] == "Ana Lopez"
    assert payload["user"]["online"] is True
    # The connection acts as the new name, and @mentions follow it.
    assert service.context.caller("a").name == "Ana Lopez"
    assert service.context.names.find("@Ana Lopez hi") == [ana["id"]]
    assert service.context.names.find("@ANA hi") == []
    # The old name is free again for someone else.
    assert _join(service, "Ana", "n")["user"]["name"] == "Ana"


def test_the_host_person_has_a_name_of_their_own(service: ChatService) -> None:
    # Kept for the host person (not for the machine's name) until their window connects.
    with pytest.raises(NameTaken, match="Jane Doe is the host's own name"):
        _join(service, "jane doe", "g")
    assert _join(service, "vm", "g")["user"]["name"] == "vm"
    welcome = _owner(service)
    assert welcome["user"]["name"] == "Jane Doe" and welcome["user"]["is_host"]
    assert welcome["name_suggestion"] == "Jane Doe"  # the window asks, with this filled in
    assert "name_suggestion" not in _join(service, "Bo", "b")
    service.admin.rename_host("owner", c.RenameHost.decode({"name": "Kitchen box"}, LIMITS))
    assert service.context.caller("owner").name == "Jane Doe"  # the machine is not the person
    assert _rename(service, "owner", "Jane")["name"] == "Jane"
    again = _owner(service)
    assert again["user"]["name"] == "Jane" and "name_suggestion" not in again


def test_status_is_checked_stored_and_told(service: ChatService, out: _Out) -> None:
    _join(service, "Ana", "a")

    def status(data: dict[str, Any]) -> dict[str, Any]:
        return service.profiles.set_status("a", c.SetStatus.decode(data, LIMITS)).to_wire()

    wire = status({"status": "dnd", "text": "  in a   meeting <b>now</b> "})
    assert wire["status"] == "dnd" and wire["status_text"] == "in a meeting <b>now</b>"
    assert out.published[-1] == (p.USER_UPDATED, {"user": {**wire, "online": True}})
    assert status({"status": "away", "auto": True})["status_auto"] is True
    assert "status_auto" not in status({"status": "available"})
    bad: list[dict[str, Any]] = [
        {"status": "busy"},
        {"status": None},
        {},
        {"status": "away", "text": "x" * (p.MAX_STATUS_TEXT_CHARS + 1)},
        {"status": "away", "text": 5},
        {"status": "away", "text": "hi\u202e"},
        {"status": "away", "text": "line\u0000"},
        {"status": "dnd", "auto": True},
        {"status": "away", "auto": "yes"},
    ]
    for data in bad:
        with pytest.raises(Invalid):
            c.SetStatus.decode(data, LIMITS)
    # Back after a reconnect: the welcome carries it.
    token = _join(service, "Bo", "b")["token"]
    users = service.sessions.connect("b2", c.decode_auth({"token": token}), "10.0.0.6")["users"]
    assert next(u for u in users if u["name"] == "Ana")["status"] == "available"


def test_sign_out_forgets_the_device_and_drops_it(service: ChatService, out: _Out) -> None:
    token = _join(service, "Ana", "a")["token"]
    service.sessions.connect("a2", c.decode_auth({"token": token}), "10.0.0.5")
    connections = service.profiles.sign_out("a")
    assert service.sessions.user_for_token(token) is None  # at once
    service.profiles.drop(connections)
    assert sorted(out.dropped) == ["a", "a2"]  # every connection of that device
    assert service.sessions.user_for_token(token) is None
    _owner(service)
    with pytest.raises(Forbidden):
        service.profiles.sign_out("owner")


def test_without_a_person_name_the_host_person_starts_as_the_host(
    db: Database, tmp_path: Path, out: _Out
) -> None:
    svc = _service(db, tmp_path, out, None)
    assert _owner(svc)["user"]["name"] == "vm"


def test_the_profiles_migration_asks_an_existing_host_person_their_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by what it does, not by its number: other migrations may come before or after it.
    step = next(n for n, s in enumerate(schema.MIGRATIONS) if "ADD COLUMN name_chosen" in s)
    path = tmp_path / "t.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:step])
        db = connect(path, synchronous="normal")
        schema.migrate(db)
        for name, is_host in (("vm", 1), ("Ana", 0)):
            db.execute(
                "INSERT INTO user (name, name_key, is_host, created_at) VALUES (?, ?, ?, 'x')",
                (name, name.lower(), is_host),
            )
        db.close()
    store = SqliteBackend(path, synchronous="normal").open_writer()
    try:
        host, ana = store.users.by_name_key("vm"), store.users.by_name_key("ana")
        assert host is not None and ana is not None
        # Named after the machine, not by themselves: their window asks them once.
        assert not host.name_chosen and ana.name_chosen
        assert (ana.status, ana.status_text, ana.status_auto) == ("available", "", False)
        store.begin()
        with pytest.raises(sqlite3.IntegrityError):  # the database keeps statuses to the three
            store.users.set_status(ana.id, "busy", "", False)
        store.rollback()
    finally:
        store.close()
