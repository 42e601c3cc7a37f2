"""Retention from outside: a real host, real socket clients, real files, a real SQLite file.

Messages are written through the host; then, with the host stopped, some rows are made old in the
database file (as if written N+1 days ago) and others recent (N-1 days ago), and the host is started
again. Exactly the old ones go, with their reactions and their files' bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend import ServerHandle, Settings, start_server
from backend.app import DB_FILE
from tests.conftest import JOIN_CODE
from tests.integration.test_uploads import Files, _sha
from tests.peers import Peer

pytestmark = pytest.mark.integration

DAYS = 30
OLD_BYTES = b"old report " * 100
NEW_BYTES = b"new report " * 100


class Hosts:
    """One data dir's host, stopped and started again; the peers it has connected."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.handle: ServerHandle | None = None
        self.peers: list[Peer] = []

    def start(self) -> ServerHandle:
        self.handle = start_server(self.settings)
        return self.handle

    def stop(self) -> None:
        for peer in self.peers:
            peer.close()
        self.peers.clear()
        if self.handle is not None:
            self.handle.stop()
            self.handle = None

    def peer(self, **auth: str) -> Peer:
        assert self.handle is not None
        peer = Peer(self.handle.url, auth)
        self.peers.append(peer)
        return peer

    def owner(self) -> Peer:
        assert self.handle is not None
        return self.peer(owner_key=self.handle.owner_url.split("#owner=")[1])


@pytest.fixture
def hosts(settings: Settings) -> Iterator[Hosts]:
    h = Hosts(settings)
    yield h
    h.stop()


def _ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def _age(db_file: Path, ids: list[int], days: float) -> None:
    """Rewrite these messages' created_at as if they had been written ``days`` ago."""
    when = datetime.now(UTC) - timedelta(days=days)
    stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with sqlite3.connect(db_file) as raw:
        raw.executemany("UPDATE message SET created_at = ? WHERE id = ?", [(stamp, i) for i in ids])


def _history(peer: Peer, room_id: int) -> list[int]:
    ack = _ok(peer.call("fetch_messages", {"room_id": room_id, "limit": 200}))
    return [m["id"] for m in ack["messages"]]


def _blob(data_dir: Path, data: bytes) -> Path:
    sha = _sha(data)
    return data_dir / "files" / sha[:2] / sha


def test_retention_removes_exactly_what_is_older(hosts: Hosts, settings: Settings) -> None:
    hosts.start()
    host = hosts.owner()
    ana = hosts.peer(name="Ana", code=JOIN_CODE)
    bo = hosts.peer(name="Bo", code=JOIN_CODE)
    general = ana.room_id()
    keep = _ok(ana.call("create_room", {"name": "keep"}))["room"]["id"]
    short = _ok(ana.call("create_room", {"name": "short"}))["room"]["id"]
    _ok(bo.call("join_room", {"room_id": keep}))
    _ok(bo.call("join_room", {"room_id": short}))
    files = Files(hosts.handle.url if hosts.handle else "", ana.token)

    old_file = files.upload(general, "old.txt", OLD_BYTES)
    old = [
        _ok(
            ana.call(
                "send_message",
                {
                    "room_id": general,
                    "text": "",
                    "client_id": "o0",
                    "attachments": [old_file["id"]],
                },
            )
        )["message"]["id"]
    ]
    old += [ana.send(general, f"old deploy {i}", f"o{i}")["id"] for i in range(1, 5)]
    _ok(bo.call("react", {"message_id": old[1], "emoji": "👍", "on": True}))
    new_file = Files(files.url, bo.token).upload(general, "new.txt", NEW_BYTES)
    new = [
        _ok(
            bo.call(
                "send_message",
                {
                    "room_id": general,
                    "text": "new",
                    "client_id": "n0",
                    "attachments": [new_file["id"]],
                },
            )
        )["message"]["id"]
    ]
    new += [bo.send(general, f"new deploy {i}", f"n{i}")["id"] for i in range(1, 4)]
    _ok(ana.call("react", {"message_id": new[1], "emoji": "🎉", "on": True}))
    reply = _ok(
        bo.call(
            "send_message",
            {"room_id": general, "text": "re: old", "client_id": "r0", "reply_to": old[2]},
        )
    )["message"]["id"]
    new.append(reply)
    _ok(ana.call("mark_read", {"room_id": general, "message_id": reply}))
    kept = [ana.send(keep, f"keep {i}", f"k{i}")["id"] for i in range(3)]
    shorts = [ana.send(short, f"short {i}", f"s{i}")["id"] for i in range(3)]
    # A room keeps everything whatever the default; another deletes sooner than the default.
    _ok(host.call("admin_set_room_retention", {"room_id": keep, "days": None}))
    _ok(host.call("admin_set_room_retention", {"room_id": short, "days": DAYS - 10}))
    tokens = {"host": host.token, "ana": ana.token, "bo": bo.token}
    hosts.stop()

    db_file = settings.data_dir / DB_FILE
    _age(db_file, old + kept + shorts[:1], DAYS + 1)
    _age(db_file, new + shorts[1:], DAYS - 1)
    hosts.start()  # the start's sweep takes the short room's messages past its own 20 days
    host, ana = hosts.peer(token=tokens["host"]), hosts.peer(token=tokens["ana"])
    assert _history(ana, short) == []
    assert _history(ana, general) == old + new  # no default yet: nothing else went

    ack = _ok(host.call("admin_set_retention", {"days": DAYS}))
    assert ack["days"] == DAYS
    changed = ana.expect("retention_changed")
    assert changed == {"days": DAYS}
    expired = ana.expect("messages_expired", timeout=15)  # the next tick of the schedule
    assert expired == {"room_id": general, "message_ids": old}

    assert _history(ana, general) == new
    assert _history(ana, keep) == kept
    found = _ok(ana.call("search", {"query": "deploy"}))["messages"]
    assert [m["id"] for m in found] == list(reversed(new[1:4]))
    messages = {
        m["id"]: m for m in _ok(ana.call("fetch_messages", {"room_id": general}))["messages"]
    }
    assert messages[new[1]]["reactions"] == [{"emoji": "🎉", "user_ids": [ana.user["id"]]}]
    assert messages[reply]["reply_to"]["expired"] is True
    assert messages[new[0]]["attachments"][0]["id"] == new_file["id"]
    # The old file's bytes are gone and it is no longer served; the new one's stay.
    files = Files(hosts.handle.url if hosts.handle else "", ana.token)
    assert files.get(old_file["id"]).status_code == 404
    assert files.get(new_file["id"]).content == NEW_BYTES
    assert not _blob(settings.data_dir, OLD_BYTES).exists()
    assert _blob(settings.data_dir, NEW_BYTES).exists()
    with sqlite3.connect(db_file) as raw:
        assert raw.execute("SELECT count(*) FROM reaction").fetchone()[0] == 1
        assert (
            raw.execute(
                "SELECT last_read_id FROM read_mark WHERE user_id = ? AND room_id = ?",
                (ana.user["id"], general),
            ).fetchone()[0]
            == reply
        )
    # The rooms say their rule, for the header.
    rooms = {r["id"]: r for r in _ok(ana.call("list_rooms"))["rooms"]}
    assert (rooms[general]["retention_days"], rooms[general]["retention_own"]) == (DAYS, False)
    assert (rooms[keep]["retention_days"], rooms[keep]["retention_own"]) == (None, True)
    assert (rooms[short]["retention_days"], rooms[short]["retention_own"]) == (DAYS - 10, True)
    # A new message gets an id past every deleted one.
    assert ana.send(general, "after", "after")["id"] > max(old + new + kept + shorts)


def test_bad_retention_input_is_refused_and_changes_nothing(
    hosts: Hosts, settings: Settings
) -> None:
    hosts.start()
    host = hosts.owner()
    ana = hosts.peer(name="Ana", code=JOIN_CODE)
    general = ana.room_id()
    _ok(host.call("admin_set_retention", {"days": 90}))
    _ok(host.call("admin_set_room_retention", {"room_id": general, "days": 7}))
    refusals = [
        (host, "admin_set_retention", {"days": 0}, "invalid"),
        (host, "admin_set_retention", {"days": 4000}, "invalid"),
        (host, "admin_set_retention", {"days": "x"}, "invalid"),
        (host, "admin_set_retention", {}, "invalid"),
        (host, "admin_set_room_retention", {"room_id": general, "days": 0}, "invalid"),
        (host, "admin_set_room_retention", {"room_id": general, "days": "forever"}, "invalid"),
        (host, "admin_set_room_retention", {"room_id": 999_999, "days": 5}, "not_found"),
        (host, "admin_set_room_retention", {"room_id": "general", "days": 5}, "invalid"),
        (ana, "admin_set_retention", {"days": 5}, "forbidden"),
        (ana, "admin_set_room_retention", {"room_id": general, "days": 5}, "forbidden"),
        (ana, "admin_set_room_retention", {"room_id": general, "days": "default"}, "forbidden"),
    ]
    for peer, event, data, code in refusals:
        ack = peer.call(event, data)
        assert not ack["ok"] and ack["error"]["code"] == code, (event, data, ack)
        assert ack["error"]["message"]
    assert _ok(host.call("admin_info"))["retention_days"] == 90
    room = next(r for r in _ok(ana.call("list_rooms"))["rooms"] if r["id"] == general)
    assert (room["retention_days"], room["retention_own"]) == (7, True)
    with sqlite3.connect(settings.data_dir / DB_FILE) as raw:
        assert raw.execute("SELECT id, retention_days FROM room").fetchall() == [(general, 7)]
