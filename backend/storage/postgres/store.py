"""PostgreSQL behind the storage interface: a connection's transactions and its opener (the row
groups' SQL is storage/sql/, shared with SQLite; dialect.py has what differs).

The same model as SQLite's (storage/worker.py): one writer connection on the writer thread runs a
batch of jobs in one transaction, a savepoint each; reader connections (autocommit, read-only)
see every committed write. psycopg 3's blocking calls run on those OS threads, never on the gevent
hub (nothing is monkey-patched).

Several host processes may share one database: ``begin`` takes a transaction-scoped advisory lock,
so write transactions run one at a time across all of them, as SQLite's write lock makes them run
on one machine. Message ids are therefore committed in the order they are handed out, and a client
resuming "after id N" can never miss a message that committed later with a smaller id.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from ...errors import StorageFull, StorageUnreachable
from ..interface import Progress, Snapshot
from ..sql.groups import RowGroups
from . import schema
from .dialect import DIALECT, statement
from .rows import Connection, row_factory

log = logging.getLogger(__name__)

# The write lock every writer's transaction holds (pg_advisory_xact_lock); see the docstring.
_WRITE_LOCK = 0x70726C7772  # "prlwr"

SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str | None) -> bool:
    return url is not None and url.startswith(SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host = info.get("host", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', '')}/{info.get('dbname', '')}"


def connect(url: str, *, readonly: bool = False) -> Connection:
    """A connection in autocommit mode: the store's transactions are explicit statements.

    :raises StorageUnreachable: no server there, or it refused us."""
    try:
        db: Connection = psycopg.connect(
            url, autocommit=True, row_factory=row_factory, application_name="parley"
        )
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise StorageUnreachable(f"Cannot reach {redacted(url)}: {reason}") from None
    if readonly:
        db.execute("SET default_transaction_read_only = on")
    return db


class Link:
    """A store's connection, opened again when the server dropped it (a restart, a failover, an
    idle timeout): a server coming back must not need a host restart. Its statements are the
    shared ones (storage/sql/), in SQLite's spelling: each is rewritten (dialect.statement).

    Only where nothing can be half-done: a reader's every statement runs on its own (autocommit),
    and the writer reopens only as a batch begins (``revive``). Inside a write transaction a lost
    connection fails the batch, whose jobs are all told; it is never silently continued."""

    def __init__(self, url: str, *, readonly: bool) -> None:
        self._url = url
        self._readonly = readonly
        self._db = connect(url, readonly=readonly)

    def revive(self) -> Connection:
        if self._db.closed or self._db.broken:
            log.warning("the database connection was lost; connecting again")
            self._db = connect(self._url, readonly=self._readonly)
        return self._db

    def _now(self) -> Connection:
        return self.revive() if self._readonly else self._db

    def execute(self, sql: str, args: Any = None) -> Any:
        query = statement(sql, args is not None)
        try:
            return self._now().execute(query, args)
        except psycopg.OperationalError:
            # A reader's statement is read-only and on its own: safe to ask again, once.
            if not (self._readonly and self._db.broken):
                raise
            return self.revive().execute(query, args)

    def executemany(self, sql: str, args: Any) -> None:
        self._now().cursor().executemany(statement(sql), args)

    def first(self, sql: str) -> None:
        """Run the first statement of a unit (a reader's query, the writer's BEGIN), once more on
        a new connection if the old one turns out to be dead: nothing has been done on it yet.
        A dead connection is found out only by using it."""
        try:
            self.revive().execute(sql)
        except psycopg.OperationalError:
            if not self._db.broken:
                raise
            self.revive().execute(sql)

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        return self._now().cursor(*args, **kwargs)

    def transaction(self) -> Any:
        return self._now().transaction()

    @property
    def info(self) -> Any:
        return self._db.info

    def close(self) -> None:
        self._db.close()


class PostgresStore(RowGroups):
    """One connection's row groups, plus the transaction calls only the worker makes."""

    def __init__(self, db: Link) -> None:
        super().__init__(db, DIALECT)
        self._db = db

    def schema_current(self) -> bool:
        return schema.version(self._db.revive()) == len(schema.MIGRATIONS)

    def integrity_check(self) -> str:
        # PostgreSQL checks its pages itself (and amcheck is an extension to install): what is
        # checked here is that the server answers and the schema is this program's.
        return "ok" if self.schema_current() else "schema out of date"

    # -- transactions (the worker's; see storage/worker.py) -----------------------------------

    def begin(self) -> None:
        self._db.first("BEGIN")
        self._db.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))

    def savepoint(self) -> None:
        self._db.execute("SAVEPOINT job")

    def release_savepoint(self) -> None:
        self._db.execute("RELEASE SAVEPOINT job")

    def rollback_to_savepoint(self) -> None:
        self._db.execute("ROLLBACK TO SAVEPOINT job")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        status = self._db.info.transaction_status
        if status in (psycopg.pq.TransactionStatus.INTRANS, psycopg.pq.TransactionStatus.INERROR):
            self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()


class PostgresBackend:
    """Opens stores on one PostgreSQL database (``--database postgresql://…``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def open_writer(self) -> PostgresStore:
        link = Link(self.url, readonly=False)
        try:
            schema.migrate(link.revive())
        except BaseException:
            link.close()
            raise
        return PostgresStore(link)

    def open_reader(self) -> PostgresStore:
        return PostgresStore(Link(self.url, readonly=True))

    def translate(self, exc: BaseException) -> BaseException:
        if isinstance(exc, pg_errors.DiskFull):
            return StorageFull()
        return exc

    def snapshot(self, target: Path, progress: Progress) -> None:
        raise NotImplementedError(NO_SNAPSHOT)

    def inspect(self, path: Path) -> Snapshot:
        raise ValueError(NO_SNAPSHOT)


# What the backup and restore commands say on a PostgreSQL host (docs/deploy.md).
NO_SNAPSHOT = (
    "Parley's backups copy a SQLite database; a host on PostgreSQL is backed up with PostgreSQL's "
    "own tools (pg_dump, or continuous archiving) plus its files directory: see docs/deploy.md."
)
