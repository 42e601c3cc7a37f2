"""Helpers for export/import tests: a history made through real clients, and what a data dir holds
(read from its SQLite file and files/ directly, the way a person inspecting it would)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.peers import Peer

TIMEOUT = 10.0
DB = "parley.sqlite3"
# A PNG header makes it an image; the rest are plain bytes.
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
NOTES = "ünïcode notes\n".encode() * 500


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(url: str, token: str, room_id: int, name: str, data: bytes) -> int:
    """Upload a file in one chunk; its id."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    body = {"room_id": room_id, "name": name, "size": len(data), "sha256": sha(data)}
    created = http.post(f"{url}api/uploads", json=body, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    sent = http.put(
        f"{url}api/uploads/{created.json()['upload_id']}",
        data=data,
        headers={"Upload-Offset": "0"},
        timeout=TIMEOUT,
    )
    assert sent.status_code == 200, sent.text
    return int(sent.json()["file"]["id"])


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


@dataclass
class History:
    host: Peer
    alice: Peer
    bob: Peer
    carol: Peer
    project_id: int
    dm_alice_bob: int
    dm_host_bob: int


def make_history(url: str, host: Peer, alice: Peer, bob: Peer, carol: Peer) -> History:
    """Channels and direct messages with replies, edits, a deletion, reactions, mentions and
    files, made by four people through the protocol."""
    general = alice.room_id()
    project = ok(alice.call("create_room", {"name": "project"}))["room"]["id"]
    ok(bob.call("join_room", {"room_id": project}))
    first = alice.send(general, "Hello **everyone**", "a-1")
    ok(
        bob.call(
            "send_message",
            {"room_id": general, "text": "hi @alice", "client_id": "b-1", "reply_to": first["id"]},
        )
    )
    typo = carol.send(general, "teh plan", "c-1")
    ok(carol.call("edit_message", {"message_id": typo["id"], "text": "the plan"}))
    gone = bob.send(general, "oops, wrong room", "b-2")
    ok(bob.call("delete_message", {"message_id": gone["id"]}))
    for peer, emoji in ((bob, "👍"), (host, "🎉"), (carol, "👍")):
        ok(peer.call("react", {"message_id": first["id"], "emoji": emoji, "on": True}))
    picture = upload(url, alice.token, project, "diagram.png", PICTURE)
    notes = upload(url, alice.token, project, "notes.txt", NOTES)
    ok(
        alice.call(
            "send_message",
            {
                "room_id": project,
                "text": "see `attached`",
                "client_id": "a-2",
                "attachments": [picture, notes],
            },
        )
    )
    bob.send(project, "thanks", "b-3")
    dm = ok(alice.call("open_dm", {"user_ids": [bob.user["id"]]}))["room"]["id"]
    secret = upload(url, alice.token, dm, "secret.txt", b"just for bob")
    ok(
        alice.call(
            "send_message",
            {"room_id": dm, "text": "psst", "client_id": "a-3", "attachments": [secret]},
        )
    )
    bob.send(dm, "got it", "b-4")
    dm2 = ok(host.call("open_dm", {"user_ids": [bob.user["id"]]}))["room"]["id"]
    host.send(dm2, "host to bob", "h-1")
    return History(host, alice, bob, carol, project, dm, dm2)


def connect_db(data_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{data_dir / DB}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


def room_label(db: sqlite3.Connection, room_id: int) -> str:
    row = db.execute("SELECT kind, name FROM room WHERE id = ?", (room_id,)).fetchone()
    if row["kind"] == "channel":
        return f"#{row['name']}"
    names = [
        r[0]
        for r in db.execute(
            "SELECT u.name FROM room_member m JOIN user u ON u.id = m.user_id "
            "WHERE m.room_id = ? ORDER BY u.name",
            (room_id,),
        )
    ]
    return "dm:" + ",".join(names)


def messages_by_name(data_dir: Path) -> list[tuple[Any, ...]]:
    """Every message as people see it, ids replaced by what they stand for."""
    db = connect_db(data_dir)
    try:
        out = []
        for m in db.execute(
            "SELECT m.*, u.name AS author, q.client_id AS reply_client FROM message m "
            "JOIN user u ON u.id = m.author_id LEFT JOIN message q ON q.id = m.reply_to "
            "ORDER BY u.name, m.client_id"
        ):
            # As people see them (and the wire and the archive carry them): by emoji, in the
            # order each was first added, each with its people in the order they added it.
            grouped: dict[str, list[str]] = {}
            for r in db.execute(
                "SELECT r.emoji, u.name FROM reaction r JOIN user u ON u.id = r.user_id "
                "WHERE r.message_id = ? ORDER BY r.created_at, r.emoji, r.user_id",
                (m["id"],),
            ):
                grouped.setdefault(r[0], []).append(r[1])
            reactions = [(emoji, tuple(names)) for emoji, names in grouped.items()]
            files = [
                tuple(f)
                for f in db.execute(
                    "SELECT name, size, mime, kind, sha256 FROM file WHERE message_id = ? "
                    "ORDER BY id",
                    (m["id"],),
                )
            ]
            mentions = [
                r[0]
                for r in db.execute(
                    "SELECT u.name FROM mention n JOIN user u ON u.id = n.user_id "
                    "WHERE n.message_id = ? ORDER BY u.name",
                    (m["id"],),
                )
            ]
            out.append(
                (
                    room_label(db, m["room_id"]),
                    m["author"],
                    m["client_id"],
                    m["text"],
                    m["created_at"],
                    m["edited_at"],
                    m["deleted_at"] is not None,
                    m["reply_client"],
                    tuple(reactions),
                    tuple(files),
                    tuple(mentions),
                )
            )
        return out
    finally:
        db.close()


def snapshot(data_dir: Path) -> dict[str, Any]:
    """Every row of every table (devices aside: a host window signing in renews its token) and
    every stored file: what "nothing changed" compares."""
    db = connect_db(data_dir)
    try:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'message_fts%' AND name != 'device'"
            )
        ]
        rows = {t: sorted(tuple(r) for r in db.execute(f"SELECT * FROM {t}")) for t in tables}
    finally:
        db.close()
    rows["files/"] = sorted(  # type: ignore[assignment]
        (p.name, sha(p.read_bytes())) for p in (data_dir / "files").rglob("*") if p.is_file()
    )
    return rows


def stored_files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (data_dir / "files").rglob("*") if p.is_file()}
