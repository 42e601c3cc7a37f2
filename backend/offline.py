"""Export and import on a data dir from the command line (``parley export``/``parley import``).

Export reads the SQLite file directly through a read-only connection, so it works while a host
serves the same data dir (WAL lets readers run beside the writer). Import writes, so it must be
alone: it takes the database's writer lock (storage/sqlite/lock.py), which a running host holds,
and refuses when it cannot. The chat rules are the same as on a host (chat/export.py); only the way
they reach storage differs: direct calls on this thread, no event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from . import secrets_store
from .chat.export import HostInfo, Importer, write_archive
from .chat.mentions import Names
from .config import default_host_name
from .errors import Invalid, NotFound
from .host_settings import NAME_KEY
from .storage.blobs import BlobStore
from .storage.interface import Store
from .storage.sqlite.store import SqliteBackend

T = TypeVar("T")

# The database file in a data dir (app.DB_FILE; named here too so a command pays no Flask import).
DB_FILE = "parley.sqlite3"


class _Direct:
    """The ``Database`` protocol on one store, on the calling thread: each write its own
    transaction."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def read(self, fn: Callable[[Store], T]) -> T:
        return fn(self._store)

    def write(self, fn: Callable[[Store], T]) -> T:
        self._store.begin()
        try:
            result = fn(self._store)
        except BaseException:
            self._store.rollback()
            raise
        self._store.commit()
        return result


def _call(fn: Callable[..., T], *args: object) -> T:
    return fn(*args)


def _database(data_dir: Path) -> SqliteBackend:
    path = data_dir / DB_FILE
    if not path.is_file():
        raise NotFound(f"There is no Parley data in {data_dir}.")
    return SqliteBackend(path, synchronous="full")


def export_data_dir(data_dir: Path, target: Path, room: str | None = None) -> dict[str, Any]:
    """Export the whole host (or one channel, by name) of ``data_dir`` into ``target``.

    :raises ChatError: no data there, an older or newer schema, no such channel.
    """
    store = _database(data_dir).open_reader()
    try:
        if not store.schema_current():
            raise Invalid(
                "This data dir was written by another Parley version; start its host once with "
                "this version (or use that version) to export it."
            )
        db = _Direct(store)
        name = db.read(lambda s: s.settings.get(NAME_KEY)[1]) or default_host_name()
        host = HostInfo(secrets_store.host_id(data_dir), name)
        if room is None:
            scope, room_ids = "host", db.read(lambda s: s.archive.room_ids())
        else:
            found = db.read(lambda s: s.archive.room_by_name(room))
            if found is None:
                raise NotFound(f"There is no channel called {room!r} here.")
            scope, room_ids = "room", [found]
        target.parent.mkdir(parents=True, exist_ok=True)
        blobs = BlobStore(data_dir)
        _, counts = write_archive(
            db, _call, blobs, host, scope, room_ids, target.parent, target=target
        )
        return counts
    finally:
        store.close()


def import_data_dir(data_dir: Path, archive: Path, max_bytes: int) -> dict[str, int]:
    """Import an archive into ``data_dir`` while no host serves it; what it added.

    :raises ChatError: a host is running there (conflict), the archive is bad (invalid), too
        large (too_large), or a name in it looks like someone else's here (conflict).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteBackend(data_dir / DB_FILE, synchronous="full").open_writer(alone=True)
    try:
        db = _Direct(store)
        names = Names()
        for user in store.users.all():
            names.add(user.id, user.name)
        importer = Importer(db, _call, BlobStore(data_dir), names)
        return importer.run(archive, max_bytes).counts()
    finally:
        store.close()
