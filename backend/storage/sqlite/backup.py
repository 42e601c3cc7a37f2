"""A live copy of the SQLite file (the online backup API) and the checks run on such a copy.

Consistency: the source connection opens a read transaction before the first page is copied and
keeps it until the last. Under WAL that pins one snapshot of the database: writers go on appending
to the WAL beside it, and the backup, copying a few pages per step (so progress can be shown and
the GIL is let go between steps), sees the same database at every step and never restarts. The
copy is exactly the database as of the instant that transaction began: every write committed
before it, none after.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..interface import Progress, Snapshot
from . import schema

# Pages per backup step: 256 × 4 KiB = 1 MiB, a few milliseconds of copying between progress
# reports, and a chance for other threads (the host's storage workers) to run.
PAGES_PER_STEP = 256
# Rows counted for a backup's manifest: table → what the manifest calls it.
COUNTED = {"user": "users", "room": "rooms", "message": "messages", "file": "files"}


def snapshot(source: Path, target: Path, progress: Progress) -> None:
    """Copy ``source`` into the new file ``target`` as it stood at one instant (module docstring).

    The copy is left in rollback-journal mode, one self-contained file (no -wal beside it); the
    host switches it back to WAL when it opens it.
    """
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    # Made here, empty and private, so SQLite never creates it with the umask's mode.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # mode=rw: never create a database where there is none; nothing is written through it.
    src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, isolation_level=None, timeout=30)
    try:
        dst = sqlite3.connect(str(target), isolation_level=None)
        try:
            src.execute("BEGIN")  # deferred: a read transaction once the next line reads
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            src.backup(
                dst,
                pages=PAGES_PER_STEP,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
            src.execute("COMMIT")
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def inspect(path: Path) -> Snapshot:
    """Run ``PRAGMA integrity_check`` on a copy and read what it holds (read-only)."""
    if not path.is_file():
        raise ValueError(f"no database at {path}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise ValueError(f"cannot open {path.name}: {exc}") from exc
    try:
        try:
            integrity = "; ".join(
                str(row[0]) for row in db.execute("PRAGMA integrity_check(20)").fetchall()
            )
        except sqlite3.DatabaseError as exc:  # not a database at all
            raise ValueError(f"{path.name} is not a Parley database: {exc}") from exc
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if integrity != "ok":
            return Snapshot(version, len(schema.MIGRATIONS), integrity, None, {}, [])
        try:
            counts = {
                name: int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
                for table, name in COUNTED.items()
            }
            row = db.execute("SELECT value FROM host_setting WHERE key = 'host_name'").fetchone()
            blobs = [str(r[0]) for r in db.execute("SELECT DISTINCT sha256 FROM file ORDER BY 1")]
        except sqlite3.Error as exc:  # a database, but not one of ours
            raise ValueError(f"{path.name} is not a Parley database: {exc}") from exc
        return Snapshot(
            schema_version=version,
            newest_schema=len(schema.MIGRATIONS),
            integrity=integrity,
            host_name=row[0] if row else None,
            counts=counts,
            blobs=blobs,
        )
    finally:
        db.close()
