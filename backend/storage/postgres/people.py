"""PostgreSQL rows for people and the host: users, their devices, host settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ...models import Device, SignInLink, User, utc_now
from .rows import USER_COLUMNS, Connection, last_id, user_from_row

_USER_COLUMNS = f"SELECT {USER_COLUMNS} FROM users u"


class Users:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def get(self, user_id: int) -> User | None:
        row = self._db.execute(_USER_COLUMNS + " WHERE id = %s", (user_id,)).fetchone()
        return user_from_row(row) if row else None

    def by_name_key(self, name_key: str) -> User | None:
        return self._one("name_key", name_key)

    def by_skeleton(self, skeleton: str) -> User | None:
        return self._one("name_skeleton", skeleton)

    def by_shape(self, shape: str) -> User | None:
        return self._one("name_shape", shape)

    def without_look_keys(self) -> list[User]:
        rows = self._db.execute(
            _USER_COLUMNS + " WHERE name_skeleton IS NULL OR name_shape IS NULL ORDER BY id"
        )
        return [user_from_row(row) for row in rows]

    def set_look_keys(self, user_id: int, skeleton: str | None, shape: str | None) -> None:
        self._db.execute(
            "UPDATE users SET name_skeleton = %s, name_shape = %s WHERE id = %s",
            (skeleton, shape, user_id),
        )

    def host(self) -> User | None:
        row = self._db.execute(_USER_COLUMNS + " WHERE is_host ORDER BY id LIMIT 1").fetchone()
        return user_from_row(row) if row else None

    def all(self) -> list[User]:
        return [
            user_from_row(row) for row in self._db.execute(_USER_COLUMNS + " ORDER BY name_key")
        ]

    def some(self, ids: Sequence[int]) -> list[User]:
        if not ids:
            return []
        rows = self._db.execute(_USER_COLUMNS + " WHERE id = ANY(%s) ORDER BY id", (list(ids),))
        return [user_from_row(row) for row in rows]

    def page(self, after_id: int, limit: int) -> list[User]:
        rows = self._db.execute(
            _USER_COLUMNS + " WHERE id > %s ORDER BY id LIMIT %s", (after_id, limit)
        )
        return [user_from_row(row) for row in rows]

    def insert(
        self,
        name: str,
        name_key: str,
        *,
        skeleton: str | None = None,
        shape: str | None = None,
        is_host: bool = False,
        is_bot: bool = False,
        avatar: str | None = None,
    ) -> User:
        # The host person is named before they are asked (chat/sessions.py): not chosen yet.
        chosen = not is_host
        cur = self._db.execute(
            "INSERT INTO users (name, name_key, name_skeleton, name_shape, is_host, is_bot, avatar, "
            "created_at, name_chosen) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (name, name_key, skeleton, shape, is_host, is_bot, avatar, utc_now(), chosen),
        )
        return User(
            id=last_id(cur),
            name=name,
            is_host=is_host,
            is_bot=is_bot,
            avatar=avatar,
            name_chosen=chosen,
        )

    def rename(self, user_id: int, name: str, name_key: str, skeleton: str, shape: str) -> None:
        self._db.execute(
            "UPDATE users SET name = %s, name_key = %s, name_skeleton = %s, name_shape = %s, "
            "name_chosen = true WHERE id = %s",
            (name, name_key, skeleton, shape, user_id),
        )

    def set_status(self, user_id: int, status: str, text: str, auto: bool) -> None:
        self._db.execute(
            "UPDATE users SET status = %s, status_text = %s, status_auto = %s WHERE id = %s",
            (status, text, auto, user_id),
        )

    def set_admin(self, user_id: int, admin: bool) -> User | None:
        """Make a person an admin or not (never a bot, never the host person); the user after."""
        self._db.execute(
            "UPDATE users SET is_admin = %s WHERE id = %s AND NOT is_bot AND NOT is_host",
            (admin, user_id),
        )
        return self.get(user_id)

    def bots(self) -> list[User]:
        return [
            user_from_row(row)
            for row in self._db.execute(_USER_COLUMNS + " WHERE is_bot ORDER BY name_key")
        ]

    def _one(
        self, column: Literal["name_key", "name_skeleton", "name_shape"], value: str
    ) -> User | None:
        row = self._db.execute(_USER_COLUMNS + f" WHERE {column} = %s", (value,)).fetchone()
        return user_from_row(row) if row else None


class Devices:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def insert(self, user_id: int, token_hash: str, label: str = "", name: str = "") -> int:
        now = utc_now()
        cur = self._db.execute(
            "INSERT INTO device (user_id, token_hash, label, name, created_at, last_seen_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (user_id, token_hash, label, name, now, now),
        )
        return last_id(cur)

    def seen(self, device_id: int) -> None:
        self._db.execute(
            "UPDATE device SET last_seen_at = %s WHERE id = %s", (utc_now(), device_id)
        )

    def set_name(self, device_id: int, name: str) -> None:
        self._db.execute("UPDATE device SET name = %s WHERE id = %s", (name, device_id))

    def list_of_user(self, user_id: int) -> list[Device]:
        return self._select("WHERE d.user_id = %s ORDER BY d.id", (user_id,))

    def replace_token(self, user_id: int, label: str, token_hash: str) -> int:
        row = self._db.execute(
            "UPDATE device SET token_hash = %s, last_seen_at = %s WHERE user_id = %s AND label = %s "
            "RETURNING id",
            (token_hash, utc_now(), user_id, label),
        ).fetchone()
        if row is None:
            return self.insert(user_id, token_hash, label)
        return int(row[0])

    def by_token_hash(self, token_hash: str) -> tuple[User, int] | None:
        row = self._db.execute(
            f"SELECT {USER_COLUMNS}, d.id AS device_id FROM device d "
            "JOIN users u ON u.id = d.user_id WHERE d.token_hash = %s",
            (token_hash,),
        ).fetchone()
        return (user_from_row(row), int(row["device_id"])) if row else None

    def get(self, device_id: int) -> Device | None:
        return next(iter(self._select("WHERE d.id = %s", (device_id,))), None)

    def all(self) -> list[Device]:
        return self._select("ORDER BY u.name_key, d.id")

    def delete(self, device_id: int) -> bool:
        return bool(
            self._db.execute("DELETE FROM device WHERE id = %s", (device_id,)).rowcount == 1
        )

    def of_user(self, user_id: int) -> list[int]:
        rows = self._db.execute("SELECT id FROM device WHERE user_id = %s ORDER BY id", (user_id,))
        return [int(row[0]) for row in rows]

    def delete_of_user(self, user_id: int) -> list[int]:
        rows = self._db.execute("DELETE FROM device WHERE user_id = %s RETURNING id", (user_id,))
        return sorted(int(row[0]) for row in rows)

    def _select(self, tail: str, args: tuple[object, ...] = ()) -> list[Device]:
        rows = self._db.execute(
            "SELECT d.id AS device_id, d.label, d.name AS device_name, d.created_at, "
            "d.last_seen_at, "
            f"{USER_COLUMNS} FROM device d JOIN users u ON u.id = d.user_id " + tail,
            args,
        )
        return [
            Device(
                id=row["device_id"],
                user=user_from_row(row),
                label=row["label"],
                created_at=row["created_at"],
                last_seen_at=row["last_seen_at"],
                name=row["device_name"],
            )
            for row in rows
        ]


class SignInLinks:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def insert(
        self,
        user_id: int,
        secret_hash: str,
        kind: str,
        expires_at: str,
        *,
        name: str = "",
        issued_by: int | None = None,
    ) -> int:
        cur = self._db.execute(
            "INSERT INTO sign_in_link (user_id, secret_hash, kind, name, issued_by, created_at, "
            "expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (user_id, secret_hash, kind, name, issued_by, utc_now(), expires_at),
        )
        return last_id(cur)

    def take(self, secret_hash: str, now: str) -> SignInLink | None:
        """The unexpired link with this hash, deleted as it is read: a link works once."""
        row = self._db.execute(
            "DELETE FROM sign_in_link WHERE secret_hash = %s RETURNING id, user_id, kind, name, "
            "issued_by, expires_at",
            (secret_hash,),
        ).fetchone()
        if row is None or row["expires_at"] <= now:
            return None
        return SignInLink(
            id=row["id"],
            user_id=row["user_id"],
            kind=row["kind"],
            name=row["name"],
            issued_by=row["issued_by"],
            expires_at=row["expires_at"],
        )

    def delete_of_user(self, user_id: int, kind: str) -> int:
        cur = self._db.execute(
            "DELETE FROM sign_in_link WHERE user_id = %s AND kind = %s", (user_id, kind)
        )
        return int(cur.rowcount)

    def delete_expired(self, now: str) -> int:
        return int(
            self._db.execute("DELETE FROM sign_in_link WHERE expires_at <= %s", (now,)).rowcount
        )


class Settings:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def get(self, key: str) -> tuple[bool, str | None]:
        row = self._db.execute("SELECT value FROM host_setting WHERE key = %s", (key,)).fetchone()
        return (True, row[0]) if row else (False, None)

    def set(self, key: str, value: str | None) -> None:
        self._db.execute(
            "INSERT INTO host_setting (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
