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
from dataclasses import replace
from pathlib import Path

from .models import Attachment, Device, Message, Page, Quote, Reaction, Room, Upload, User, utc_now

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
    -- The prefix indexes let a word still being typed ("dep" for "deploy") be read newest first
    -- like a whole word; without them FTS5 gathers every matching term's rows first (0.6 s for a
    -- common 3-letter prefix over a million messages, see benchmarks.md).
    CREATE VIRTUAL TABLE message_fts USING fts5(
        text, content='message', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
        prefix='3 4'
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

_MESSAGE_SELECT = (
    "SELECT m.id, m.room_id, m.client_id, m.text, m.created_at, m.edited_at, m.deleted_at, m.rev, "
    "u.id AS author_id, u.name AS author_name, u.is_host AS author_is_host, "
    "q.id AS q_id, substr(q.text, 1, 140) AS q_snippet, q.deleted_at AS q_deleted_at, "
    "qu.id AS q_author_id, qu.name AS q_author_name "
    "FROM message m JOIN user u ON u.id = m.author_id "
    "LEFT JOIN message q ON q.id = m.reply_to LEFT JOIN user qu ON qu.id = q.author_id "
)
_FILE_COLUMNS = "id, room_id, uploader_id, message_id, name, size, mime, kind, sha256"
_UPLOAD_COLUMNS = "id, user_id, room_id, name, size, sha256, created_at"


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

    def insert_device(self, user_id: int, token_hash: str, label: str = "") -> int:
        now = utc_now()
        cur = self.db.execute(
            "INSERT INTO device (user_id, token_hash, label, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (user_id, token_hash, label, now, now),
        )
        return _lastrowid(cur)

    def replace_device_token(self, user_id: int, label: str, token_hash: str) -> int:
        """Give the device with this label a new token (or create it): one row per labelled device."""
        row = self.db.execute(
            "UPDATE device SET token_hash = ?, last_seen_at = ? WHERE user_id = ? AND label = ? "
            "RETURNING id",
            (token_hash, utc_now(), user_id, label),
        ).fetchone()
        if row is None:
            return self.insert_device(user_id, token_hash, label)
        return int(row[0])

    def get_user_by_token_hash(self, token_hash: str) -> User | None:
        found = self.get_device_by_token_hash(token_hash)
        return found[0] if found else None

    def get_device_by_token_hash(self, token_hash: str) -> tuple[User, int] | None:
        """The user and the device id a token belongs to."""
        row = self.db.execute(
            "SELECT u.id, u.name, u.is_host, d.id AS device_id FROM device d "
            "JOIN user u ON u.id = d.user_id WHERE d.token_hash = ?",
            (token_hash,),
        ).fetchone()
        return (_user(row), int(row["device_id"])) if row else None

    def list_devices(self) -> list[Device]:
        return self._devices("ORDER BY u.name_key, d.id")

    def _devices(self, tail: str, args: tuple[object, ...] = ()) -> list[Device]:
        rows = self.db.execute(
            "SELECT d.id AS device_id, d.label, d.created_at, d.last_seen_at, u.id, u.name, "
            "u.is_host FROM device d JOIN user u ON u.id = d.user_id " + tail,
            args,
        )
        return [
            Device(
                id=row["device_id"],
                user=_user(row),
                label=row["label"],
                created_at=row["created_at"],
                last_seen_at=row["last_seen_at"],
            )
            for row in rows
        ]

    def get_device(self, device_id: int) -> Device | None:
        return next(iter(self._devices("WHERE d.id = ?", (device_id,))), None)

    def delete_device(self, device_id: int) -> bool:
        cur = self.db.execute("DELETE FROM device WHERE id = ?", (device_id,))
        return cur.rowcount == 1

    # -- host settings ----------------------------------------------------------------------------

    def get_setting(self, key: str) -> tuple[bool, str | None]:
        """(whether the setting was ever made, its value — which may be NULL on purpose)."""
        row = self.db.execute("SELECT value FROM host_setting WHERE key = ?", (key,)).fetchone()
        return (True, row[0]) if row else (False, None)

    def set_setting(self, key: str, value: str | None) -> None:
        self.db.execute(
            "INSERT INTO host_setting (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def touch_device(self, token_hash: str) -> None:
        self.db.execute(
            "UPDATE device SET last_seen_at = ? WHERE token_hash = ?", (utc_now(), token_hash)
        )

    # -- rooms ------------------------------------------------------------------------------------

    def get_room(self, room_id: int) -> Room | None:
        row = self.db.execute(_ROOM_SELECT + " WHERE r.id = ?", (room_id,)).fetchone()
        return self._with_members([_room(row)])[0] if row else None

    def get_dm_by_key(self, dm_key: str) -> Room | None:
        row = self.db.execute(_ROOM_SELECT + " WHERE r.dm_key = ?", (dm_key,)).fetchone()
        return self._with_members([_room(row)])[0] if row else None

    def list_rooms_visible_to(self, user_id: int) -> list[Room]:
        """Every channel, and the direct messages the user is in."""
        return self.list_channels() + self.list_dms_of_user(user_id)

    def list_dms_of_user(self, user_id: int) -> list[Room]:
        rows = self.db.execute(
            _ROOM_SELECT + " JOIN room_member rm ON rm.room_id = r.id AND rm.user_id = ? "
            "WHERE r.kind = 'dm' ORDER BY r.id",
            (user_id,),
        )
        return self._with_members([_room(row) for row in rows])

    def _with_members(self, rooms: list[Room]) -> list[Room]:
        """Direct messages carry their participants (channels list them with list_members)."""
        dms = [r.id for r in rooms if r.is_dm]
        if not dms:
            return rooms
        marks = ",".join("?" * len(dms))
        members: dict[int, list[User]] = {}
        for row in self.db.execute(
            f"SELECT rm.room_id, u.id, u.name, u.is_host FROM room_member rm "
            f"JOIN user u ON u.id = rm.user_id WHERE rm.room_id IN ({marks}) ORDER BY u.id",
            dms,
        ):
            members.setdefault(row["room_id"], []).append(_user(row))
        return [replace(r, members=tuple(members.get(r.id, ()))) if r.is_dm else r for r in rooms]

    def get_room_by_name_key(self, name_key: str) -> Room | None:
        row = self.db.execute(_ROOM_SELECT + " WHERE r.name_key = ?", (name_key,)).fetchone()
        return _room(row) if row else None

    def list_channels(self) -> list[Room]:
        rows = self.db.execute(_ROOM_SELECT + " WHERE r.kind = 'channel' ORDER BY r.name_key")
        return [_room(row) for row in rows]

    def insert_room(
        self,
        name: str,
        name_key: str | None,
        *,
        kind: str,
        created_by: int | None,
        dm_key: str | None = None,
    ) -> Room:
        now = utc_now()
        cur = self.db.execute(
            "INSERT INTO room (kind, name, name_key, created_by, created_at, dm_key) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, name, name_key, created_by, now, dm_key),
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
        self, room_id: int, author: User, client_id: str, text: str, reply_to: int | None = None
    ) -> tuple[Message, bool]:
        """Insert unless (author, client_id) exists; return (message, created).

        A new message comes back without quote, mentions or attachments: the caller adds those
        (``insert_mentions``, ``attach_files``) and reads it again with ``get_message`` if it has any.
        """
        now = utc_now()
        cur = self.db.execute(
            "INSERT INTO message (room_id, author_id, client_id, text, created_at, reply_to) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (author_id, client_id) DO NOTHING",
            (room_id, author.id, client_id, text, now, reply_to),
        )
        if cur.rowcount == 1:
            message = Message(_lastrowid(cur), room_id, client_id, author, text, now)
            return message, True
        row = self.db.execute(
            _MESSAGE_SELECT + "WHERE m.author_id = ? AND m.client_id = ?", (author.id, client_id)
        ).fetchone()
        return self._complete([_message(row)])[0], False

    def get_message(self, message_id: int) -> Message | None:
        row = self.db.execute(_MESSAGE_SELECT + "WHERE m.id = ?", (message_id,)).fetchone()
        return self._complete([_message(row)])[0] if row else None

    def list_messages(
        self, room_id: int, *, after_id: int | None, before_id: int | None, limit: int
    ) -> Page:
        """A page of a room's history in ascending id (see fetch_messages in docs/protocol.md)."""
        rev = self.room_last_rev(room_id)
        # One more than asked tells whether more lie beyond the page, without a COUNT.
        if after_id is not None:
            rows = self.db.execute(
                _MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id > ? ORDER BY m.id ASC LIMIT ?",
                (room_id, after_id, limit + 1),
            ).fetchall()
            page = self._complete([_message(r) for r in rows[:limit]])
            return Page(page, len(rows) > limit, rev=rev)
        bound = before_id if before_id is not None else 2**63 - 1
        rows = self.db.execute(
            _MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?",
            (room_id, bound, limit + 1),
        ).fetchall()
        page = self._complete([_message(r) for r in reversed(rows[:limit])])
        return Page(page, len(rows) > limit, rev=rev)

    def list_messages_around(self, room_id: int, around_id: int, limit: int) -> Page:
        """Up to ``limit`` messages centred on ``around_id`` (which is included if it exists)."""
        rev = self.room_last_rev(room_id)
        before_n = limit // 2
        older = self.db.execute(
            _MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?",
            (room_id, around_id, before_n + 1),
        ).fetchall()
        newer = self.db.execute(
            _MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id >= ? ORDER BY m.id ASC LIMIT ?",
            (room_id, around_id, limit - before_n + 1),
        ).fetchall()
        rows = list(reversed(older[:before_n])) + newer[: limit - before_n]
        return Page(
            self._complete([_message(r) for r in rows]),
            len(older) > before_n,
            has_more_after=len(newer) > limit - before_n,
            rev=rev,
        )

    def list_changes(self, room_id: int, after_rev: int, limit: int) -> tuple[list[Message], bool]:
        """Messages of a room changed after change number ``after_rev``, in change order."""
        # "m.rev > 0" spelled out lets SQLite use the partial index message_room_rev.
        rows = self.db.execute(
            _MESSAGE_SELECT + "WHERE m.room_id = ? AND m.rev > ? AND m.rev > 0 "
            "ORDER BY m.rev ASC LIMIT ?",
            (room_id, after_rev, limit + 1),
        ).fetchall()
        return self._complete([_message(r) for r in rows[:limit]]), len(rows) > limit

    def room_last_rev(self, room_id: int) -> int:
        row = self.db.execute(
            "SELECT max(rev) FROM message WHERE room_id = ? AND rev > 0", (room_id,)
        ).fetchone()
        return int(row[0] or 0)

    def next_rev(self) -> int:
        """The next host-wide change number (one counter row, so numbers never repeat)."""
        row = self.db.execute(
            "UPDATE counter SET value = value + 1 WHERE name = 'rev' RETURNING value"
        ).fetchone()
        return int(row[0])

    def update_message_text(self, message_id: int, text: str, rev: int) -> None:
        self.db.execute(
            "UPDATE message SET text = ?, edited_at = ?, rev = ? WHERE id = ?",
            (text, utc_now(), rev, message_id),
        )

    def tombstone_message(self, message_id: int, rev: int) -> None:
        """Blank a message and drop what hung on it; the row stays so ids and replies hold."""
        self.db.execute(
            "UPDATE message SET text = '', deleted_at = ?, rev = ? WHERE id = ?",
            (utc_now(), rev, message_id),
        )
        self.db.execute("DELETE FROM reaction WHERE message_id = ?", (message_id,))
        self.db.execute("DELETE FROM mention WHERE message_id = ?", (message_id,))
        self.db.execute("DELETE FROM file WHERE message_id = ?", (message_id,))

    def set_message_rev(self, message_id: int, rev: int) -> None:
        self.db.execute("UPDATE message SET rev = ? WHERE id = ?", (rev, message_id))

    def insert_mentions(self, message_id: int, user_ids: Iterable[int]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO mention (user_id, message_id) VALUES (?, ?)",
            [(user_id, message_id) for user_id in user_ids],
        )

    def replace_mentions(self, message_id: int, user_ids: Iterable[int]) -> None:
        self.db.execute("DELETE FROM mention WHERE message_id = ?", (message_id,))
        self.insert_mentions(message_id, user_ids)

    def attach_files(
        self, message_id: int, room_id: int, uploader_id: int, file_ids: list[int]
    ) -> int:
        """Attach the uploader's unattached files of this room; returns how many were attached."""
        marks = ",".join("?" * len(file_ids))
        cur = self.db.execute(
            f"UPDATE file SET message_id = ? WHERE id IN ({marks}) AND room_id = ? "
            "AND uploader_id = ? AND message_id IS NULL",
            (message_id, *file_ids, room_id, uploader_id),
        )
        return cur.rowcount

    # -- reactions --------------------------------------------------------------------------------

    def add_reaction(self, message_id: int, user_id: int, emoji: str) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO reaction (message_id, emoji, user_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            (message_id, emoji, user_id, utc_now()),
        )
        return cur.rowcount == 1

    def remove_reaction(self, message_id: int, user_id: int, emoji: str) -> bool:
        cur = self.db.execute(
            "DELETE FROM reaction WHERE message_id = ? AND emoji = ? AND user_id = ?",
            (message_id, emoji, user_id),
        )
        return cur.rowcount == 1

    def count_reaction_kinds(self, message_id: int) -> int:
        row = self.db.execute(
            "SELECT count(DISTINCT emoji) FROM reaction WHERE message_id = ?", (message_id,)
        ).fetchone()
        return int(row[0])

    # -- unread and read marks --------------------------------------------------------------------

    def count_between(
        self, room_id: int, after_id: int, up_to_id: int, not_by: int, cap: int
    ) -> tuple[int, int]:
        """(messages, mentions of ``not_by``) in a room with after_id < id <= up_to_id, written
        by someone else and not deleted, each capped at ``cap``."""
        count = self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM message WHERE room_id = ? AND id > ? AND id <= ? "
            "AND author_id != ? AND deleted_at IS NULL LIMIT ?)",
            (room_id, after_id, up_to_id, not_by, cap),
        ).fetchone()
        mentions = self.db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM mention mn JOIN message m ON m.id = mn.message_id "
            "WHERE mn.user_id = ? AND mn.message_id > ? AND mn.message_id <= ? AND m.room_id = ? "
            "LIMIT ?)",
            (not_by, after_id, up_to_id, room_id, cap),
        ).fetchone()
        return int(count[0]), int(mentions[0])

    def get_read_mark(self, user_id: int, room_id: int) -> int:
        row = self.db.execute(
            "SELECT last_read_id FROM read_mark WHERE user_id = ? AND room_id = ?",
            (user_id, room_id),
        ).fetchone()
        return int(row[0]) if row else 0

    def read_marks_of_user(self, user_id: int) -> dict[int, int]:
        rows = self.db.execute(
            "SELECT room_id, last_read_id FROM read_mark WHERE user_id = ?", (user_id,)
        )
        return {row[0]: row[1] for row in rows}

    def set_read_mark(self, user_id: int, room_id: int, message_id: int) -> tuple[int, bool]:
        """Move the mark forward only; returns (the mark now, whether it moved)."""
        cur = self.db.execute(
            "INSERT INTO read_mark (user_id, room_id, last_read_id) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_id = excluded.last_read_id "
            "WHERE excluded.last_read_id > read_mark.last_read_id",
            (user_id, room_id, message_id),
        )
        return self.get_read_mark(user_id, room_id), cur.rowcount == 1

    def list_read_marks(self, room_id: int) -> list[tuple[int, int]]:
        rows = self.db.execute(
            "SELECT rm.user_id, COALESCE(k.last_read_id, 0) FROM room_member rm "
            "LEFT JOIN read_mark k ON k.user_id = rm.user_id AND k.room_id = rm.room_id "
            "WHERE rm.room_id = ? ORDER BY rm.user_id",
            (room_id,),
        )
        return [(row[0], row[1]) for row in rows]

    # -- search -----------------------------------------------------------------------------------

    def search(
        self,
        user_id: int,
        fts_query: str,
        *,
        room_id: int | None,
        author_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> tuple[list[Message], bool]:
        """Newest-first matches among the non-deleted messages of the user's rooms."""
        # The FTS index drives the loop in descending rowid order and stops at LIMIT, so a common
        # word costs a page, not every match; membership is one indexed lookup per candidate.
        sql = (
            _MESSAGE_SELECT.replace(
                "FROM message m", "FROM message_fts f JOIN message m ON m.id = f.rowid", 1
            )
            + "WHERE message_fts MATCH ? AND f.rowid < ? AND m.deleted_at IS NULL "
            "AND EXISTS (SELECT 1 FROM room_member rm WHERE rm.room_id = m.room_id "
            "AND rm.user_id = ?) "
        )
        args: list[object] = [fts_query, before_id or 2**63 - 1, user_id]
        if room_id is not None:
            sql += "AND m.room_id = ? "
            args.append(room_id)
        if author_id is not None:
            sql += "AND m.author_id = ? "
            args.append(author_id)
        sql += "ORDER BY f.rowid DESC LIMIT ?"
        args.append(limit + 1)
        rows = self.db.execute(sql, args).fetchall()
        return self._complete([_message(r) for r in rows[:limit]]), len(rows) > limit

    # -- what hangs on messages -------------------------------------------------------------------

    def _complete(self, messages: list[Message]) -> list[Message]:
        """Add reactions, mentions and attachments, three queries for the whole list."""
        live = [m.id for m in messages if not m.deleted]
        if not live:
            return messages
        marks = ",".join("?" * len(live))
        reactions: dict[int, dict[str, list[int]]] = {}
        for row in self.db.execute(
            f"SELECT message_id, emoji, user_id FROM reaction WHERE message_id IN ({marks}) "
            "ORDER BY created_at, emoji, user_id",
            live,
        ):
            reactions.setdefault(row[0], {}).setdefault(row[1], []).append(row[2])
        mentions: dict[int, list[int]] = {}
        for row in self.db.execute(
            f"SELECT message_id, user_id FROM mention WHERE message_id IN ({marks}) "
            "ORDER BY user_id",
            live,
        ):
            mentions.setdefault(row[0], []).append(row[1])
        files: dict[int, list[Attachment]] = {}
        for row in self.db.execute(
            f"SELECT {_FILE_COLUMNS} FROM file WHERE message_id IN ({marks}) ORDER BY id", live
        ):
            files.setdefault(row["message_id"], []).append(_attachment(row))
        if not (reactions or mentions or files):
            return messages
        return [
            replace(
                m,
                reactions=tuple(
                    Reaction(e, tuple(ids)) for e, ids in reactions.get(m.id, {}).items()
                ),
                mentions=tuple(mentions.get(m.id, ())),
                attachments=tuple(files.get(m.id, ())),
            )
            for m in messages
        ]

    def count_messages(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM message").fetchone()[0])

    def integrity_check(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- uploads and files ------------------------------------------------------------------------

    def insert_upload(
        self, upload_id: str, user_id: int, room_id: int, name: str, size: int, sha256: str
    ) -> Upload:
        upload = Upload(upload_id, user_id, room_id, name, size, sha256, utc_now())
        self.db.execute(
            "INSERT INTO upload (id, user_id, room_id, name, size, sha256, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (upload_id, user_id, room_id, name, size, sha256, upload.created_at),
        )
        return upload

    def get_upload(self, upload_id: str) -> Upload | None:
        row = self.db.execute(f"SELECT {_UPLOAD_COLUMNS} FROM upload WHERE id = ?", (upload_id,))
        found = row.fetchone()
        return _upload(found) if found else None

    def find_upload(self, user_id: int, room_id: int, size: int, sha256: str) -> Upload | None:
        """The user's unfinished upload of exactly this content to this room, if any."""
        row = self.db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM upload "
            "WHERE user_id = ? AND room_id = ? AND sha256 = ? AND size = ? ORDER BY created_at",
            (user_id, room_id, sha256, size),
        ).fetchone()
        return _upload(row) if row else None

    def count_uploads_of_user(self, user_id: int) -> int:
        row = self.db.execute("SELECT count(*) FROM upload WHERE user_id = ?", (user_id,))
        return int(row.fetchone()[0])

    def list_upload_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT id FROM upload")}

    def list_file_hashes(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT DISTINCT sha256 FROM file")}

    def delete_uploads_created_before(self, created_at: str) -> list[str]:
        """Delete uploads older than ``created_at``; return their ids (their bytes go too)."""
        ids = [
            row[0]
            for row in self.db.execute("SELECT id FROM upload WHERE created_at < ?", (created_at,))
        ]
        self.db.execute("DELETE FROM upload WHERE created_at < ?", (created_at,))
        return ids

    def delete_upload(self, upload_id: str) -> bool:
        return self.db.execute("DELETE FROM upload WHERE id = ?", (upload_id,)).rowcount > 0

    def insert_file(
        self,
        room_id: int,
        uploader_id: int,
        name: str,
        size: int,
        mime: str,
        kind: str,
        sha256: str,
    ) -> Attachment:
        cur = self.db.execute(
            "INSERT INTO file (room_id, uploader_id, name, size, mime, kind, sha256, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (room_id, uploader_id, name, size, mime, kind, sha256, utc_now()),
        )
        return Attachment(
            id=_lastrowid(cur),
            room_id=room_id,
            name=name,
            size=size,
            mime=mime,
            kind=kind,
            sha256=sha256,
            uploader_id=uploader_id,
        )

    def get_file(self, file_id: int) -> Attachment | None:
        row = self.db.execute(f"SELECT {_FILE_COLUMNS} FROM file WHERE id = ?", (file_id,))
        found = row.fetchone()
        return _attachment(found) if found else None


_ROOM_SELECT = (
    "SELECT r.id, r.name, r.kind, r.created_at, "
    "COALESCE((SELECT max(id) FROM message WHERE room_id = r.id), 0) AS last_message_id, "
    "COALESCE((SELECT max(rev) FROM message WHERE room_id = r.id AND rev > 0), 0) AS last_rev "
    "FROM room r"
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
        last_rev=row["last_rev"],
    )


def _message(row: sqlite3.Row) -> Message:
    author = User(id=row["author_id"], name=row["author_name"], is_host=bool(row["author_is_host"]))
    quote = None
    if row["q_id"] is not None:
        quote = Quote(
            id=row["q_id"],
            author=User(id=row["q_author_id"], name=row["q_author_name"]),
            snippet=row["q_snippet"] or "",
            deleted=row["q_deleted_at"] is not None,
        )
    return Message(
        id=row["id"],
        room_id=row["room_id"],
        client_id=row["client_id"],
        author=author,
        text=row["text"],
        created_at=row["created_at"],
        reply_to=quote,
        edited_at=row["edited_at"],
        deleted=row["deleted_at"] is not None,
        rev=row["rev"],
    )


def _attachment(row: sqlite3.Row) -> Attachment:
    return Attachment(
        id=row["id"],
        room_id=row["room_id"],
        name=row["name"],
        size=row["size"],
        mime=row["mime"],
        kind=row["kind"],
        sha256=row["sha256"],
        uploader_id=row["uploader_id"],
        message_id=row["message_id"],
    )


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(
        id=row["id"],
        user_id=row["user_id"],
        room_id=row["room_id"],
        name=row["name"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=row["created_at"],
    )
