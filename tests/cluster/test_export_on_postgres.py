"""tests/integration/test_export.py with the hosts' storage on PostgreSQL: an export from a host on
PostgreSQL, imported into a second host with a database of its own, and every "nothing changed"
read from the databases themselves (the twins below of tests/archives.py's SQLite readers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

import tests.integration.test_export as suite
from backend import ServerHandle, Settings, start_server
from tests.archives import sha
from tests.cluster.conftest import TEMPLATE
from tests.cluster.servers import PostgresServer
from tests.integration.test_export import *  # noqa: F403

# Each host's data dir → its database, for the readers below.
_databases: dict[Path, str] = {}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    assert settings.database_url is not None
    _databases[settings.data_dir] = settings.database_url
    return settings


@pytest.fixture
def fresh(settings: Settings, tmp_path: Path, postgres: PostgresServer) -> Iterator[ServerHandle]:
    """A second host on an empty data dir and an empty database."""
    name = f"fresh_{abs(hash(tmp_path)) % 10**9}"
    fresh = settings.replace(
        data_dir=tmp_path / "fresh",
        name="Fresh host",
        person_name="Fresh host",
        database_url=postgres.create_database(name, template=TEMPLATE),
    )
    _databases[fresh.data_dir] = fresh.database_url  # type: ignore[assignment]
    handle = start_server(fresh)
    yield handle
    handle.stop()
    postgres.drop_database(name)


@pytest.fixture(autouse=True)
def _read_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite, "snapshot", snapshot_pg)
    monkeypatch.setattr(suite, "messages_by_name", messages_by_name_pg)


def snapshot_pg(data_dir: Path) -> dict[str, Any]:
    """Every row of every table (devices aside, as on SQLite) and every stored file."""
    with psycopg.connect(_databases[data_dir]) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'device' ORDER BY 1"
            )
        ]
        rows: dict[str, Any] = {
            t: sorted(repr(r) for r in db.execute(f"SELECT * FROM {t}")) for t in tables
        }
    rows["files/"] = sorted(
        (p.name, sha(p.read_bytes())) for p in (data_dir / "files").rglob("*") if p.is_file()
    )
    return rows


def messages_by_name_pg(data_dir: Path) -> list[tuple[Any, ...]]:
    """Every message as people see it, ids replaced by what they stand for."""
    with psycopg.connect(_databases[data_dir]) as db:

        def room_label(room_id: int) -> str:
            row = db.execute("SELECT kind, name FROM room WHERE id = %s", (room_id,)).fetchone()
            assert row is not None
            if row[0] == "channel":
                return f"#{row[1]}"
            names = db.execute(
                "SELECT u.name FROM room_member m JOIN users u ON u.id = m.user_id "
                'WHERE m.room_id = %s ORDER BY u.name COLLATE "C"',
                (room_id,),
            )
            return "dm:" + ",".join(r[0] for r in names)

        out = []
        for m in db.execute(
            "SELECT m.id, m.room_id, m.client_id, m.text, m.created_at, m.edited_at, "
            "m.deleted_at, u.name, q.client_id FROM message m JOIN users u ON u.id = m.author_id "
            'LEFT JOIN message q ON q.id = m.reply_to ORDER BY u.name COLLATE "C", m.client_id '
            'COLLATE "C"'
        ).fetchall():
            grouped: dict[str, list[str]] = {}
            for emoji, name in db.execute(
                "SELECT r.emoji, u.name FROM reaction r JOIN users u ON u.id = r.user_id "
                "WHERE r.message_id = %s ORDER BY r.created_at, r.emoji, r.user_id",
                (m[0],),
            ):
                grouped.setdefault(emoji, []).append(name)
            files = [
                tuple(f)
                for f in db.execute(
                    "SELECT name, size, mime, kind, sha256 FROM file WHERE message_id = %s "
                    "ORDER BY id",
                    (m[0],),
                )
            ]
            mentions = [
                r[0]
                for r in db.execute(
                    "SELECT u.name FROM mention n JOIN users u ON u.id = n.user_id "
                    'WHERE n.message_id = %s ORDER BY u.name COLLATE "C"',
                    (m[0],),
                )
            ]
            out.append(
                (
                    room_label(m[1]),
                    m[7],
                    m[2],
                    m[3],
                    m[4],
                    m[5],
                    m[6] is not None,
                    m[8],
                    tuple((emoji, tuple(names)) for emoji, names in grouped.items()),
                    tuple(files),
                    tuple(mentions),
                )
            )
        return out
