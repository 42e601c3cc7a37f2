"""The only module that knows SQL. Returns models, never rows.

A ``Store`` wraps one SQLite connection and is used by one thread at a time (the database worker's
writer or one of its readers, see ``db_worker.py``); it never commits on its own: the writer wraps a
batch of jobs in one transaction. A second backend (PostgreSQL) would be a second class with the same
methods.

Durability choices (docs/storage.md): WAL journal, so readers never block the writer and a process
kill loses nothing committed; ``synchronous`` FULL (default) or NORMAL as configured.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .models import Message, Page, Room, User, utc_now

# Each entry moves the schema one version up; PRAGMA user_version records where a file stands.
# Never edit a released entry: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: users and their devices, rooms (channels now, direct messages later share the table through
    # `kind`), membership, messages.
    """
    CREATE TABLE user (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        name_key    TEXT NOT NULL UNIQUE,          -- casefolded: names are unique ignoring case
        is_host     INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE device (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        token_hash  TEXT NOT NULL UNIQUE,          -- sha256 of the token; the token is never stored
        label       TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
    );
    CREATE INDEX device_user ON device(user_id);
    CREATE TABLE room (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL DEFAULT 'channel' CHECK (kind IN ('channel', 'dm')),
        name        TEXT NOT NULL,
        name_key    TEXT UNIQUE,                   -- NULL for direct messages
        created_by  INTEGER REFERENCES user(id),
        created_at  TEXT NOT NULL
    );
    CREATE TABLE room_member (
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        joined_at   TEXT NOT NULL,
        PRIMARY KEY (room_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX room_member_user ON room_member(user_id);
    CREATE TABLE message (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the resume offset
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        author_id   INTEGER NOT NULL REFERENCES user(id),
        client_id   TEXT NOT NULL,
        text        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (author_id, client_id)              -- a retried send finds the stored message
    );
    CREATE INDEX message_room ON message(room_id, id);
    """,
    # 2: rich chat — replies, edits and tombstones with a change number for resync, direct-message
    # rooms, reactions, mentions, read marks kept on the host, host settings, files and resumable
    # uploads, and full-text search.
    """
    ALTER TABLE message ADD COLUMN reply_to INTEGER REFERENCES message(id);
    ALTER TABLE message ADD COLUMN edited_at TEXT;
    ALTER TABLE message ADD COLUMN deleted_at TEXT;
    -- 0 until the message changes; then the host-wide change number of its latest change. Only
    -- changed messages are indexed, so a send pays nothing for it.
    ALTER TABLE message ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX message_room_rev ON message(room_id, rev) WHERE rev > 0;
    CREATE TABLE counter (
        name        TEXT PRIMARY KEY,
        value       INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO counter (name, value) VALUES ('rev', 0);
    -- The sorted participant ids of a direct message ("3,8,12"): one room per set of people.
    ALTER TABLE room ADD COLUMN dm_key TEXT;
    CREATE UNIQUE INDEX room_dm_key ON room(dm_key) WHERE dm_key IS NOT NULL;
    CREATE TABLE reaction (
        message_id  INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
        emoji       TEXT NOT NULL,
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (message_id, emoji, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE mention (
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        message_id  INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX mention_message ON mention(message_id);
    CREATE TABLE read_mark (
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        last_read_id INTEGER NOT NULL,
        PRIMARY KEY (user_id, room_id)
    ) WITHOUT ROWID;
    CREATE TABLE host_setting (
        key         TEXT PRIMARY KEY,
        value       TEXT
    ) WITHOUT ROWID;
    -- An upload in progress; its bytes are in the data dir under uploads/<id>.
    CREATE TABLE upload (
        id          TEXT PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX upload_resume ON upload(user_id, room_id, sha256, size);
    -- A completed upload; its bytes are in the data dir under files/<sha256>.
    CREATE TABLE file (
        id          INTEGER PRIMARY KEY,
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        uploader_id INTEGER NOT NULL REFERENCES user(id),
        message_id  INTEGER REFERENCES message(id) ON DELETE SET NULL,
        name        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        mime        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('image', 'file')),
        sha256      TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX file_message ON file(message_id);
    CREATE INDEX file_sha256 ON file(sha256);
    -- Full-text index over message text, kept by triggers (a tombstone's empty text drops out).
    CREATE VIRTUAL TABLE message_fts USING fts5(
        text, content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO message_fts (rowid, text) SELECT id, text FROM message;
    CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
        INSERT INTO message_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER message_fts_update AFTER UPDATE OF text ON message BEGIN
        INSERT INTO message_fts (message_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO message_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
        INSERT INTO message_fts (message_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    """,
)

_MESSAGE_COLUMNS = (
    "m.id, m.room_id, m.client_id, m.text, m.created_at, u.id AS author_id, u.name AS author_name, "
    "u.is_host AS author_is_host"
)


def connect(path: Path, *, synchronous: str, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection with the pragmas every Parley connection needs."""
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    # check_same_thread off: the worker hands a connection to exactly one thread, but opens and
    # closes it from the thread that owns the worker.
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30)
    db.row_factory = sqlite3.Row
    if not readonly:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'full' else 'NORMAL'}")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def migrate(db: sqlite3.Connection) -> int:
    """Bring the schema up to date in one transaction per step; return the version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema {version} is newer than this Parley ({len(MIGRATIONS)}); upgrade Parley"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> Iterable[str]:
    # executescript() would COMMIT on its own; splitting keeps each migration one transaction.
    # complete_statement() knows about comments and literals, so a ';' inside them does not split.
    buffer = ""
    for part in script.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                yield buffer
            buffer = ""
    if buffer.strip(" \n;"):
        raise ValueError(f"incomplete SQL at the end of a migration: {buffer[:60]!r}")


class Store:
    """SQL statements over one connection. Methods say what SQL does; rules live in the service."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- users and devices -------------------------------------------------------------------

    def get_user(self, user_id: int) -> User | None:
        row = self.db.execute(
            "SELECT id, name, is_host FROM user WHERE id = ?", (user_id,)
        ).fetchone()
        return _user(row) if row else None

    def get_user_by_name_key(self, name_key: str) -> User | None:
        row = self.db.execute(
            "SELECT id, name, is_host FROM user WHERE name_key = ?", (name_key,)
        ).fetchone()
        return _user(row) if row else None

    def get_host_user(self) -> User | None:
        row = self.db.execute(
            "SELECT id, name, is_host FROM user WHERE is_host = 1 ORDER BY id LIMIT 1"
        ).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        rows = self.db.execute("SELECT id, name, is_host FROM user ORDER BY name_key")
        return [_user(row) for row in rows]

    def insert_user(self, name: str, name_key: str, *, is_host: bool = False) -> User:
        cur = self.db.execute(
            "INSERT INTO user (name, name_key, is_host, created_at) VALUES (?, ?, ?, ?)",
            (name, name_key, int(is_host), utc_now()),
        )
        return User(id=_lastrowid(cur), name=name, is_host=is_host)

    def insert_device(self, user_id: int, token_hash: str, label: str = "") -> None:
        now = utc_now()
        self.db.execute(
            "INSERT INTO device (user_id, token_hash, label, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (user_id, token_hash, label, now, now),
        )

    def replace_device_token(self, user_id: int, label: str, token_hash: str) -> None:
        """Give the device with this label a new token (or create it): one row per labelled device."""
        cur = self.db.execute(
            "UPDATE device SET token_hash = ?, last_seen_at = ? WHERE user_id = ? AND label = ?",
            (token_hash, utc_now(), user_id, label),
        )
        if cur.rowcount == 0:
            self.insert_device(user_id, token_hash, label)

    def get_user_by_token_hash(self, token_hash: str) -> User | None:
        row = self.db.execute(
            "SELECT u.id, u.name, u.is_host FROM device d JOIN user u ON u.id = d.user_id "
            "WHERE d.token_hash = ?",
            (token_hash,),
        ).fetchone()
        return _user(row) if row else None

    def touch_device(self, token_hash: str) -> None:
        self.db.execute(
            "UPDATE device SET last_seen_at = ? WHERE token_hash = ?", (utc_now(), token_hash)
        )

    # -- rooms ------------------------------------------------------------------------------------

    def get_room(self, room_id: int) -> Room | None:
        row = self.db.execute(_ROOM_SELECT + " WHERE r.id = ?", (room_id,)).fetchone()
        return _room(row) if row else None

    def get_room_by_name_key(self, name_key: str) -> Room | None:
        row = self.db.execute(_ROOM_SELECT + " WHERE r.name_key = ?", (name_key,)).fetchone()
        return _room(row) if row else None

    def list_channels(self) -> list[Room]:
        rows = self.db.execute(_ROOM_SELECT + " WHERE r.kind = 'channel' ORDER BY r.name_key")
        return [_room(row) for row in rows]

    def insert_room(
        self, name: str, name_key: str | None, *, kind: str, created_by: int | None
    ) -> Room:
        now = utc_now()
        cur = self.db.execute(
            "INSERT INTO room (kind, name, name_key, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (kind, name, name_key, created_by, now),
        )
        return Room(id=_lastrowid(cur), name=name, kind=kind, created_at=now)

    def list_room_ids_of_user(self, user_id: int) -> set[int]:
        rows = self.db.execute("SELECT room_id FROM room_member WHERE user_id = ?", (user_id,))
        return {row[0] for row in rows}

    def is_member(self, room_id: int, user_id: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM room_member WHERE room_id = ? AND user_id = ?", (room_id, user_id)
        ).fetchone()
        return row is not None

    def insert_member(self, room_id: int, user_id: int) -> bool:
        """Add a member; False when already one."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO room_member (room_id, user_id, joined_at) VALUES (?, ?, ?)",
            (room_id, user_id, utc_now()),
        )
        return cur.rowcount == 1

    def delete_member(self, room_id: int, user_id: int) -> bool:
        cur = self.db.execute(
            "DELETE FROM room_member WHERE room_id = ? AND user_id = ?", (room_id, user_id)
        )
        return cur.rowcount == 1

    def list_members(self, room_id: int) -> list[User]:
        rows = self.db.execute(
            "SELECT u.id, u.name, u.is_host FROM room_member rm JOIN user u ON u.id = rm.user_id "
            "WHERE rm.room_id = ? ORDER BY u.name_key",
            (room_id,),
        )
        return [_user(row) for row in rows]

    # -- messages ---------------------------------------------------------------------------------

    def insert_message(
        self, room_id: int, author: User, client_id: str, text: str
    ) -> tuple[Message, bool]:
        """Insert unless (author, client_id) exists; return (message, created)."""
        now = utc_now()
        cur = self.db.execute(
            "INSERT INTO message (room_id, author_id, client_id, text, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (author_id, client_id) DO NOTHING",
            (room_id, author.id, client_id, text, now),
        )
        if cur.rowcount == 1:
            message = Message(_lastrowid(cur), room_id, client_id, author, text, now)
            return message, True
        row = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM message m JOIN user u ON u.id = m.author_id "
            "WHERE m.author_id = ? AND m.client_id = ?",
            (author.id, client_id),
        ).fetchone()
        return _message(row), False

    def list_messages(
        self, room_id: int, *, after_id: int | None, before_id: int | None, limit: int
    ) -> Page:
        """A page of a room's history in ascending id (see fetch_messages in docs/protocol.md)."""
        base = f"SELECT {_MESSAGE_COLUMNS} FROM message m JOIN user u ON u.id = m.author_id "
        # One more than asked tells whether more lie beyond the page, without a COUNT.
        if after_id is not None:
            rows = self.db.execute(
                base + "WHERE m.room_id = ? AND m.id > ? ORDER BY m.id ASC LIMIT ?",
                (room_id, after_id, limit + 1),
            ).fetchall()
            return Page([_message(r) for r in rows[:limit]], len(rows) > limit)
        bound = before_id if before_id is not None else 2**63 - 1
        rows = self.db.execute(
            base + "WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?",
            (room_id, bound, limit + 1),
        ).fetchall()
        return Page([_message(r) for r in reversed(rows[:limit])], len(rows) > limit)

    def count_between(
        self, room_id: int, after_id: int, up_to_id: int, not_by: int, cap: int
    ) -> int:
        """Messages in a room with after_id < id <= up_to_id, written by someone but ``not_by``."""
        row = self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM message WHERE room_id = ? AND id > ? AND id <= ? "
            "AND author_id != ? LIMIT ?)",
            (room_id, after_id, up_to_id, not_by, cap),
        ).fetchone()
        return int(row[0])

    def count_messages(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM message").fetchone()[0])

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])


_ROOM_SELECT = (
    "SELECT r.id, r.name, r.kind, r.created_at, "
    "COALESCE((SELECT max(id) FROM message WHERE room_id = r.id), 0) AS last_message_id FROM room r"
)


def _lastrowid(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _user(row: sqlite3.Row) -> User:
    return User(id=row["id"], name=row["name"], is_host=bool(row["is_host"]))


def _room(row: sqlite3.Row) -> Room:
    return Room(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        created_at=row["created_at"],
        last_message_id=row["last_message_id"],
    )


def _message(row: sqlite3.Row) -> Message:
    author = User(id=row["author_id"], name=row["author_name"], is_host=bool(row["author_is_host"]))
    return Message(
        id=row["id"],
        room_id=row["room_id"],
        client_id=row["client_id"],
        author=author,
        text=row["text"],
        created_at=row["created_at"],
    )
