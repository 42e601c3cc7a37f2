"""SQLite behind the storage interface: a connection's row groups, its transactions, its opener.

Durability choices (docs/storage.md): WAL journal, so readers never block the writer and a process
kill loses nothing committed; ``synchronous`` FULL (the default) or NORMAL as configured.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from ...errors import StorageFull
from ...paths import private_dir, private_file
from ..interface import Progress, Snapshot
from . import backup, schema
from .files import Files, Uploads
from .messages import Mentions, Messages, Reactions
from .people import Devices, Settings, Users
from .rooms import Members, ReadMarks, Rooms
from .webhooks import Webhooks


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


# The database's file name in the data dir.
DB_FILE = "parley.sqlite3"

# What SQLite's unix VFS answers when a write meets ENOSPC (the database or its WAL).
_FULL = {sqlite3.SQLITE_FULL}


class SqliteStore:
    """One connection (autocommit mode: transactions are the worker's explicit calls)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.users = Users(db)
        self.devices = Devices(db)
        self.settings = Settings(db)
        self.rooms = Rooms(db)
        self.members = Members(db)
        self.reads = ReadMarks(db)
        self.messages = Messages(db)
        self.mentions = Mentions(db)
        self.reactions = Reactions(db)
        self.uploads = Uploads(db)
        self.files = Files(db)
        self.webhooks = Webhooks(db)

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- transactions (the worker's; see storage/worker.py) -----------------------------------

    def begin(self) -> None:
        # IMMEDIATE: take the write lock now, not at the first write inside a job.
        self._db.execute("BEGIN IMMEDIATE")

    def savepoint(self) -> None:
        self._db.execute("SAVEPOINT job")

    def release_savepoint(self) -> None:
        self._db.execute("RELEASE job")

    def rollback_to_savepoint(self) -> None:
        self._db.execute("ROLLBACK TO job")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()


class SqliteBackend:
    """Opens stores on one SQLite file (the embedded default: no server to run)."""

    def __init__(self, path: Path, *, synchronous: str) -> None:
        self.path = path
        self._synchronous = synchronous

    def open_writer(self) -> SqliteStore:
        private_dir(self.path.parent)
        db = connect(self.path, synchronous=self._synchronous)
        try:
            schema.migrate(db)
        except BaseException:
            db.close()
            raise
        # SQLite makes its files with the process's umask (often 0644): history is this user's.
        for suffix in ("", "-wal", "-shm"):
            private_file(self.path.with_name(self.path.name + suffix))
        return SqliteStore(db)

    def open_reader(self) -> SqliteStore:
        return SqliteStore(connect(self.path, synchronous=self._synchronous, readonly=True))

    def translate(self, exc: BaseException) -> BaseException:
        full = isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) in _FULL
        if full or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            return StorageFull()
        return exc

    def snapshot(self, target: Path, progress: Progress) -> None:
        backup.snapshot(self.path, target, progress)

    def inspect(self, path: Path) -> Snapshot:
        return backup.inspect(path)
