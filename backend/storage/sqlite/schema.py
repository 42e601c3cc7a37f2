"""The SQLite schema: numbered migrations, and how a file is brought up to date.

``PRAGMA user_version`` records where a file stands; each step runs in its own transaction, and a
file newer than this program is refused rather than damaged (docs/storage.md). A second backend
keeps its own schema in its own module, with the same numbering story.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

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
    # 3: look-alike names (the hostile-peer issue): two more keys per user, each unique, from the
    # UTS #39 skeleton of the name (chat/names.py: `look_keys`), so that no two people pick names
    # that look the same. SQL cannot compute them: users stored before this step get theirs from
    # the chat rules before any name is compared (chat/sessions.py); NULL stays on a user whose
    # name already looked like an older user's (that one keeps the key; both keep their names).
    """
    ALTER TABLE user ADD COLUMN name_skeleton TEXT;  -- skeleton of the case-folded name
    ALTER TABLE user ADD COLUMN name_shape TEXT;     -- skeleton of the name as written
    CREATE UNIQUE INDEX user_name_skeleton ON user(name_skeleton);
    CREATE UNIQUE INDEX user_name_shape ON user(name_shape);
    """,
    # 4: bots and incoming webhooks (chat/bots.py). A bot is a user the host user made, with an
    # emoji for an avatar, that signs in only with its token (a device row, hashed as every token
    # is). A webhook is a secret URL that posts as one bot into one room; only the secret's
    # sha256 is stored, so a copy of the database cannot post.
    """
    ALTER TABLE user ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE user ADD COLUMN avatar TEXT;                 -- bots: one emoji
    CREATE TABLE webhook (
        id          INTEGER PRIMARY KEY,
        bot_id      INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        room_id     INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,                   -- sha256 of the secret in its URL
        created_at  TEXT NOT NULL
    );
    CREATE INDEX webhook_bot ON webhook(bot_id);
    """,
    # 5: retention (chat/retention.py). A room's own rule: NULL follows the host's default (the
    # host_setting 'retention_days'), 0 keeps everything whatever the default, N deletes messages
    # older than N days. A reply whose message expired keeps that message's id in reply_gone
    # (reply_to must then be NULL: it references a row that is gone), so it can still say it was a
    # reply. The partial index lets expiry find the replies of a batch (and SQLite's foreign-key
    # check of each deleted message) without scanning every message; sends pay for it only on
    # replies.
    """
    ALTER TABLE room ADD COLUMN retention_days INTEGER;
    ALTER TABLE message ADD COLUMN reply_gone INTEGER;
    CREATE INDEX message_reply_to ON message(reply_to) WHERE reply_to IS NOT NULL;
    """,
    # Search by file name (issue 14): the same tokenizer and prefixes as message_fts, so
    # "report" finds "Q3-report.pdf" and the words match as they do in text. A separate small
    # index rather than names in message_fts: a message's text index stays as it was (and as
    # fast), and a file attached later or removed by a tombstone updates only its own row. File
    # names never change, so no update trigger.
    """
    CREATE VIRTUAL TABLE file_fts USING fts5(
        name, content='file', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
        prefix='3 4'
    );
    INSERT INTO file_fts (rowid, name) SELECT id, name FROM file;
    CREATE TRIGGER file_fts_insert AFTER INSERT ON file BEGIN
        INSERT INTO file_fts (rowid, name) VALUES (new.id, new.name);
    END;
    CREATE TRIGGER file_fts_delete AFTER DELETE ON file BEGIN
        INSERT INTO file_fts (file_fts, rowid, name) VALUES ('delete', old.id, old.name);
    END;
    """,
    # 7. Profiles (issue 15, chat/profiles.py): each person's status ("available", "away",
    # "dnd"), its short text, whether the away came from idleness, and whether the person chose
    # their name. The host person of an existing data dir was named after the machine, not by
    # themselves: their window asks them once (name_chosen 0).
    """
    ALTER TABLE user ADD COLUMN status TEXT NOT NULL DEFAULT 'available'
        CHECK (status IN ('available', 'away', 'dnd'));
    ALTER TABLE user ADD COLUMN status_text TEXT NOT NULL DEFAULT '';
    ALTER TABLE user ADD COLUMN status_auto INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE user ADD COLUMN name_chosen INTEGER NOT NULL DEFAULT 1;
    UPDATE user SET name_chosen = 0 WHERE is_host = 1;
    """,
    # 8 (issue 15, devices and admins; chat/devices.py): admins besides the host person; a
    # device's own name (given, or read from the browser's user agent) apart from `label`, which
    # stays the host window's and bots' marker; and one-time sign-in links. A link is stored
    # only as the sha256 of its secret (the secret is in the URL's fragment, never on the host's
    # disk); `issued_by` says which admin made a recovery link (also logged).
    """
    ALTER TABLE user ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE device ADD COLUMN name TEXT NOT NULL DEFAULT '';
    CREATE TABLE sign_in_link (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL UNIQUE,              -- sha256 of the secret in the link
        kind        TEXT NOT NULL CHECK (kind IN ('device', 'recovery')),
        name        TEXT NOT NULL DEFAULT '',          -- the new device's name, if given
        issued_by   INTEGER REFERENCES user(id) ON DELETE SET NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL
    );
    CREATE INDEX sign_in_link_user ON sign_in_link(user_id);
    """,
    # 9 (issue 15): notification settings, one person's, followed by all their devices
    # (chat/notify.py). A row only once they change something: no row means the defaults (DND
    # off, a sound for direct messages and mentions, none for other channel messages). A room's
    # own level ('all', 'mentions', 'nothing') is a row of room_notify; no row means 'all'.
    """
    CREATE TABLE notify_setting (
        user_id        INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
        dnd            INTEGER NOT NULL DEFAULT 0,
        sound_channels INTEGER NOT NULL DEFAULT 0,
        sound_direct   INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE room_notify (
        user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
        room_id INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE,
        level   TEXT NOT NULL CHECK (level IN ('all', 'mentions', 'nothing')),
        PRIMARY KEY (user_id, room_id)
    ) WITHOUT ROWID;
    """,
)


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
