"""``python -m backend migrate-to-postgresql``: move a SQLite host's history into PostgreSQL.

The data dir's host must be stopped (the SQLite writer lock says so, as for ``parley import``);
its database is first brought up to this version's schema, then every row is copied into an empty
PostgreSQL database (one transaction: all or nothing), ids and change numbers included, so links,
read marks and clients' resume points stay valid. The SQLite file is then renamed
(``parley.sqlite3.moved-to-postgresql``), kept whole. The data dir keeps its keys (secret_key,
host_id) and files: run the host on PostgreSQL with the same ``--data-dir`` (or copy ``files/`` to
``--files-dir``). Docs: docs/deploy.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ChatError, StorageUnreachable
from .storage.sqlite.store import DB_FILE, SqliteBackend

COMMAND = "migrate-to-postgresql"
# What the SQLite file is renamed to once its rows are in PostgreSQL.
MOVED_SUFFIX = ".moved-to-postgresql"


def move(data_dir: Path, url: str) -> dict[str, int]:
    """Copy ``data_dir``'s history into the empty database at ``url``; rows copied per table.

    :raises ChatError: a host is running on the data dir (conflict).
    :raises ValueError: no Parley data there, or the database is not empty.
    :raises StorageUnreachable: no PostgreSQL server at ``url``, or it refused the login.
    """
    from .storage.postgres import load
    from .storage.postgres.store import PostgresBackend, connect, redacted
    from .storage.sqlite.dump import Dump

    path = data_dir / DB_FILE
    if not path.is_file():
        raise ValueError(f"There is no Parley data in {data_dir}.")
    source = SqliteBackend(path, synchronous="full").open_writer(alone=True)  # migrates it too
    try:
        PostgresBackend(url).open_writer().close()  # the schema, made or brought up to date
        db = connect(url)
        try:
            busy = load.in_use(db)
            if busy:
                raise ValueError(
                    f"{redacted(url)} already holds Parley data ({', '.join(busy)}); "
                    "move into an empty database."
                )
            dump = Dump(source.raw)
            counts = load.load(db, dump.rows, dump.high_water())
        finally:
            db.close()
        dump.checkpoint()  # everything in the one file, before it is renamed
    finally:
        source.close()
    # Out of the way, kept whole: a host started on this data dir without --database must not
    # serve (and grow) the old history beside the moved one. Renaming it back undoes the move.
    path.rename(path.with_name(DB_FILE + MOVED_SUFFIX))
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m backend {COMMAND}",
        description="Copy a stopped SQLite host's history into an empty PostgreSQL database.",
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="the SQLite host's data dir")
    parser.add_argument(
        "--database", required=True, metavar="URL", help="postgresql://… (an empty database)"
    )
    args = parser.parse_args(argv)
    if not args.database.startswith(("postgresql://", "postgres://")):
        parser.error("--database must be a postgresql:// URL")
    try:
        counts = move(args.data_dir, args.database)
    except (ChatError, ValueError, StorageUnreachable) as exc:
        print(f"parley: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 1
    moved = ", ".join(f"{n} {table}" for table, n in counts.items() if n)
    print(f"Moved into PostgreSQL: {moved}.")
    print(f"Start the host with: python -m backend --data-dir {args.data_dir} --database URL")
    return 0
