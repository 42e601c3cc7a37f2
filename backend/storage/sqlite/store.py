"""SQLite behind the storage interface: a connection's transactions and its opener (the row
groups' SQL is storage/sql/, shared with PostgreSQL).

Durability choices (docs/storage.md): WAL journal, so readers never block the writer and a process
kill loses nothing committed; ``synchronous`` FULL (the default) or NORMAL as configured.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path
from typing import IO

from ...errors import Conflict, StorageFull
from ...paths import private_dir, private_file
from ..interface import Progress, Snapshot
from ..sql.groups import RowGroups
from . import backup, lock, schema
from .dialect import DIALECT

log = logging.getLogger(__name__)


class WriterBusy(Conflict):
    """Another process (a running host) has the database open for writing."""


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


class SqliteStore(RowGroups):
    """One connection (autocommit mode: transactions are the worker's explicit calls)."""

    def __init__(self, db: sqlite3.Connection, writer_lock: IO[bytes] | None = None) -> None:
        super().__init__(db, DIALECT)
        self._db = db
        self._writer_lock = writer_lock

    @property
    def raw(self) -> sqlite3.Connection:
        """The connection itself, for moving every row elsewhere (dump.py, backend/move.py)."""
        return self._db

    def schema_current(self) -> bool:
        """Whether the file's schema is the one this program writes (a reader never migrates)."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        return bool(version == len(schema.MIGRATIONS))

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
        if self._writer_lock is not None:
            self._writer_lock.close()  # releases the lock (lock.py)


class SqliteBackend:
    """Opens stores on one SQLite file (the embedded default: no server to run)."""

    def __init__(self, path: Path, *, synchronous: str) -> None:
        self.path = path
        self._synchronous = synchronous

    def open_writer(self, *, alone: bool = False) -> SqliteStore:
        """The read-write store. It holds the writer lock (lock.py) when it can; ``alone``: it
        must, else WriterBusy (a host is running on this database)."""
        private_dir(self.path.parent)
        held = lock.try_hold(self.path)
        if held is None:
            if alone:
                raise WriterBusy(
                    f"A Parley host is running on {self.path.parent}; stop it first.",
                    data_dir=str(self.path.parent),
                )
            # Two writers are safe for SQLite; only commands that need to be alone care.
            log.warning("another process has %s open for writing", self.path)
        try:
            db = connect(self.path, synchronous=self._synchronous)
        except BaseException:
            if held is not None:
                held.close()
            raise
        try:
            schema.migrate(db)
        except BaseException:
            db.close()
            if held is not None:
                held.close()
            raise
        # SQLite makes its files with the process's umask (often 0644): history is this user's.
        for suffix in ("", "-wal", "-shm"):
            private_file(self.path.with_name(self.path.name + suffix))
        return SqliteStore(db, held)

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
