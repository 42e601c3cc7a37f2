"""The retention sweep with a real database, a clock the test sets, and a recording transport.

No test waits: the host's clock is put N days after the messages were written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend import Settings
from backend import commands as c
from backend import protocol as p
from backend.chat import retention
from backend.chat.context import SendRate
from backend.chat.service import ChatService
from backend.errors import Forbidden, Invalid, NotFound
from backend.host_settings import HostSettings
from backend.models import utc_now
from backend.storage.blobs import BlobStore
from backend.storage.interface import Backend
from backend.storage.sqlite.store import SqliteBackend
from backend.storage.worker import Database
from tests.unit.test_service import Recorder

CODE = "11223344"
LIMITS = c.Limits()


class Host:
    """One host's chat rules on a real database (SQLite here; tests/cluster/test_retention_postgres.py
    gives it PostgreSQL); ``now`` is the only clock the sweep reads; ``count`` runs a
    ``SELECT count(*)`` on the database itself, beside the store."""

    def __init__(self, tmp_path: Path, backend: Backend, count: Callable[[str], int]) -> None:
        self.db = Database(backend)
        self.count = count
        self.out = Recorder()
        self.now = datetime.now(UTC)
        identity = HostSettings(self.db, host_id="h", version="t", name="host")
        identity.start(name_given=False, code=CODE, code_given=True, data_dir=tmp_path)
        self.chat = ChatService(
            self.db,
            self.out,
            host=identity,
            send_rate=SendRate(rate=1000.0, burst=1000),
            blobs=BlobStore(tmp_path),
            offload=lambda fn, *args: fn(*args),
            invite_urls=lambda: [],
            clock=lambda: self.now,
        )
        self.chat.bootstrap()
        owner = self.chat.sessions.owner_key
        self.chat.sessions.connect("host", c.OwnerAuth(owner), "127.0.0.1")
        ana = self.chat.sessions.connect("ana", c.JoinAuth("Ana", CODE), "10.0.0.5")
        self.ana_id: int = ana["user"]["id"]
        general = self.db.read(lambda s: s.rooms.by_name_key("general"))
        assert general is not None
        self.general = general.id

    def send(self, text: str, client_id: str, reply_to: int | None = None) -> Any:
        data: dict[str, Any] = {"room_id": self.general, "text": text, "client_id": client_id}
        if reply_to is not None:
            data["reply_to"] = reply_to
        return self.chat.messages.send("ana", c.SendMessage.decode(data, LIMITS))

    def ids(self) -> list[int]:
        page = self.db.read(
            lambda s: s.messages.page(self.general, after_id=0, before_id=None, limit=200)
        )
        return [m.id for m in page.messages]


def _sqlite_count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute(sql).fetchone()[0])


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    path = tmp_path / "s.sqlite3"
    h = Host(
        tmp_path,
        SqliteBackend(path, synchronous="normal"),
        lambda sql: _sqlite_count(path, sql),
    )
    yield h
    h.db.close()


def _tick() -> str:
    """Spin until the rows' clock (milliseconds) moves on: what is written next is newer."""
    start = utc_now()
    while utc_now() == start:
        pass
    return utc_now()


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_the_sweep_deletes_exactly_what_is_older(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 3)  # several batches, each its own short write
    old = [host.send(f"old deploy {i}", f"o{i}") for i in range(7)]
    host.chat.messages.react(
        "ana", c.React.decode({"message_id": old[0].id, "emoji": "👍", "on": True}, LIMITS)
    )
    host.chat.reads.mark_read(
        "ana", c.MarkRead.decode({"room_id": host.general, "message_id": old[-1].id}, LIMITS)
    )
    boundary = _tick()
    new = [host.send(f"new deploy {i}", f"n{i}") for i in range(3)]
    reply = host.send("answering an old one", "r1", reply_to=old[2].id)
    assert all(m.created_at >= boundary for m in [*new, reply])

    host.chat.retention.set_default("host", c.SetRetention(30))
    host.now = _at(boundary) + timedelta(days=30)  # the cutoff is the first new message's time
    assert host.chat.retention.sweep() == len(old)

    assert host.ids() == [m.id for m in [*new, reply]]
    expired = host.out.events(p.MESSAGES_EXPIRED)
    assert [ids for payload, _ in expired for ids in payload["message_ids"]] == [m.id for m in old]
    assert {to for _, to in expired} == {p.room_channel(host.general)}
    assert [len(payload["message_ids"]) for payload, _ in expired] == [3, 3, 1]
    assert host.count("SELECT count(*) FROM reaction") == 0
    found, _ = host.chat.messages.search("ana", c.Search.decode({"query": "deploy"}, LIMITS))
    assert [h.message.id for h in found] == [m.id for m in reversed(new)]
    # The reply stays and says what it answered is gone.
    kept = host.db.read(lambda s: s.messages.get(reply.id))
    assert kept is not None and kept.reply_to is not None
    assert kept.reply_to.to_wire() == {
        "id": old[2].id,
        "author": {"id": 0, "name": ""},
        "snippet": "",
        "deleted": True,
        "expired": True,
    }
    # Read marks stay; ids are never handed out again.
    assert host.db.read(lambda s: s.reads.get(host.ana_id, host.general)) == old[-1].id
    assert host.chat.retention.sweep() == 0  # nothing more is old yet
    host.now += timedelta(days=1)
    assert host.chat.retention.sweep() == len(new) + 1
    assert host.ids() == []
    assert host.send("after", "a1").id > reply.id


def test_a_room_s_rule_beats_the_default_and_keep_forever_keeps(host: Host) -> None:
    keep = host.chat.rooms.create("ana", c.CreateRoom("keep"))["id"]
    short = host.chat.rooms.create("ana", c.CreateRoom("short"))["id"]
    for room_id in (host.general, keep, short):
        host.chat.messages.send(
            "ana",
            c.SendMessage.decode(
                {"room_id": room_id, "text": "x", "client_id": f"k{room_id}"}, LIMITS
            ),
        )
    host.chat.retention.set_default("host", c.SetRetention(100))
    wire = host.chat.retention.set_room("host", c.SetRoomRetention(keep, None, False))
    assert (wire["retention_days"], wire["retention_own"]) == (None, True)
    wire = host.chat.retention.set_room("host", c.SetRoomRetention(short, 2, False))
    assert (wire["retention_days"], wire["retention_own"]) == (2, True)
    updated = host.out.events(p.ROOM_UPDATED)[-1]
    assert updated == ({"room_id": short, "retention_days": 2, "retention_own": True}, None)

    host.now += timedelta(days=3)
    host.chat.retention.sweep()
    counts = {
        room_id: host.count(f"SELECT count(*) FROM message WHERE room_id = {room_id}")
        for room_id in (host.general, keep, short)
    }
    assert counts == {host.general: 1, keep: 1, short: 0}
    host.now += timedelta(days=10_000)
    host.chat.retention.sweep()
    assert host.count(f"SELECT count(*) FROM message WHERE room_id = {keep}") == 1
    assert host.count(f"SELECT count(*) FROM message WHERE room_id = {host.general}") == 0

    wire = host.chat.retention.set_room("host", c.SetRoomRetention(keep, None, True))
    assert (wire["retention_days"], wire["retention_own"]) == (100, False)


def test_only_the_host_sets_rules_and_bad_input_is_refused(host: Host) -> None:
    with pytest.raises(Forbidden):
        host.chat.retention.set_default("ana", c.SetRetention(5))
    with pytest.raises(Forbidden):
        host.chat.retention.set_room("ana", c.SetRoomRetention(host.general, 5, False))
    with pytest.raises(NotFound):
        host.chat.retention.set_room("host", c.SetRoomRetention(9999, 5, False))
    for days in (0, 3651, "x", 1.5, True, [], {}):
        with pytest.raises(Invalid):
            c.SetRetention.decode({"days": days}, LIMITS)
        with pytest.raises(Invalid):
            c.SetRoomRetention.decode({"room_id": host.general, "days": days}, LIMITS)
    with pytest.raises(Invalid):
        c.SetRetention.decode({}, LIMITS)
    assert c.SetRoomRetention.decode({"room_id": 1, "days": "default"}, LIMITS).follow_default
    assert host.chat.retention.default_days() is None
    assert host.count("SELECT count(*) FROM room WHERE retention_days IS NOT NULL") == 0


def test_the_schedule_sweeps_on_its_interval_and_soon_after_a_change(host: Host) -> None:
    host.send("x", "x1")
    slept: list[float] = []

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:  # a rule changes while the loop waits
            host.chat.retention.set_default("host", c.SetRetention(1))
            host.now += timedelta(days=2)
        if len(slept) > 4:
            raise Stop

    with pytest.raises(Stop):
        host.chat.retention.sweep_every(3600.0, sleep)
    assert slept == [retention.TICK_SECONDS] * 5
    assert host.ids() == []  # swept at the third tick, not after an hour
    assert len(host.out.events(p.MESSAGES_EXPIRED)) == 1


def test_the_sweep_interval_is_a_setting_and_must_be_positive(tmp_path: Path) -> None:
    settings = Settings.from_env({"PARLEY_RETENTION_SWEEP_INTERVAL": "60"}, data_dir=tmp_path)
    assert settings.retention_sweep_interval == 60.0
    for bad in ("0", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match="retention_sweep_interval"):
            Settings.from_env({"PARLEY_RETENTION_SWEEP_INTERVAL": bad}, data_dir=tmp_path)
