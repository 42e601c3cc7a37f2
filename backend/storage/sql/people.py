"""Rows for people and the host: users, their devices, host settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ...models import Device, SignInLink, User, utc_now
from .rows import USER_COLUMNS, RowGroup, user_from_row

_USER_COLUMNS = f"SELECT {USER_COLUMNS} FROM user u"


class Users(RowGroup):
    def get(self, user_id: int) -> User | None:
        row = self._db.execute(_USER_COLUMNS + " WHERE id = ?", (user_id,)).fetchone()
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
            "UPDATE user SET name_skeleton = ?, name_shape = ? WHERE id = ?",
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
        among, args = self._dialect.among(ids)
        rows = self._db.execute(_USER_COLUMNS + f" WHERE id {among} ORDER BY id", args)
        return [user_from_row(row) for row in rows]

    def page(self, after_id: int, limit: int) -> list[User]:
        rows = self._db.execute(
            _USER_COLUMNS + " WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
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
        new_id = self._insert(
            "INSERT INTO user (name, name_key, name_skeleton, name_shape, is_host, is_bot, avatar, "
            "created_at, name_chosen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, name_key, skeleton, shape, is_host, is_bot, avatar, utc_now(), chosen),
        )
        return User(
            id=new_id,
            name=name,
            is_host=is_host,
            is_bot=is_bot,
            avatar=avatar,
            name_chosen=chosen,
        )

    def rename(self, user_id: int, name: str, name_key: str, skeleton: str, shape: str) -> None:
        self._db.execute(
            "UPDATE user SET name = ?, name_key = ?, name_skeleton = ?, name_shape = ?, "
            "name_chosen = TRUE WHERE id = ?",
            (name, name_key, skeleton, shape, user_id),
        )

    def set_status(self, user_id: int, status: str, text: str, auto: bool) -> None:
        self._db.execute(
            "UPDATE user SET status = ?, status_text = ?, status_auto = ? WHERE id = ?",
            (status, text, auto, user_id),
        )

    def set_admin(self, user_id: int, admin: bool) -> User | None:
        """Make a person an admin or not (never a bot, never the host person); the user after."""
        self._db.execute(
            "UPDATE user SET is_admin = ? WHERE id = ? AND NOT is_bot AND NOT is_host",
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
        row = self._db.execute(_USER_COLUMNS + f" WHERE {column} = ?", (value,)).fetchone()
        return user_from_row(row) if row else None


class Devices(RowGroup):
    def insert(self, user_id: int, token_hash: str, label: str = "", name: str = "") -> int:
        now = utc_now()
        return self._insert(
            "INSERT INTO device (user_id, token_hash, label, name, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, token_hash, label, name, now, now),
        )

    def seen(self, device_id: int) -> None:
        self._db.execute("UPDATE device SET last_seen_at = ? WHERE id = ?", (utc_now(), device_id))

    def set_name(self, device_id: int, name: str) -> None:
        self._db.execute("UPDATE device SET name = ? WHERE id = ?", (name, device_id))

    def list_of_user(self, user_id: int) -> list[Device]:
        return self._select("WHERE d.user_id = ? ORDER BY d.id", (user_id,))

    def replace_token(self, user_id: int, label: str, token_hash: str) -> int:
        row = self._db.execute(
            "UPDATE device SET token_hash = ?, last_seen_at = ? WHERE user_id = ? AND label = ? "
            "RETURNING id",
            (token_hash, utc_now(), user_id, label),
        ).fetchone()
        if row is None:
            return self.insert(user_id, token_hash, label)
        return int(row[0])

    def by_token_hash(self, token_hash: str) -> tuple[User, int] | None:
        row = self._db.execute(
            f"SELECT {USER_COLUMNS}, d.id AS device_id FROM device d "
            "JOIN user u ON u.id = d.user_id WHERE d.token_hash = ?",
            (token_hash,),
        ).fetchone()
        return (user_from_row(row), int(row["device_id"])) if row else None

    def get(self, device_id: int) -> Device | None:
        return next(iter(self._select("WHERE d.id = ?", (device_id,))), None)

    def all(self) -> list[Device]:
        return self._select("ORDER BY u.name_key, d.id")

    def delete(self, device_id: int) -> bool:
        cur = self._db.execute("DELETE FROM device WHERE id = ?", (device_id,))
        return bool(cur.rowcount == 1)

    def of_user(self, user_id: int) -> list[int]:
        rows = self._db.execute("SELECT id FROM device WHERE user_id = ? ORDER BY id", (user_id,))
        return [int(row[0]) for row in rows]

    def of_some(self, user_ids: Sequence[int]) -> dict[int, list[int]]:
        sql = "SELECT user_id, id FROM device WHERE user_id {among} ORDER BY id"
        return self._ids_by(sql, user_ids)

    def delete_of_user(self, user_id: int) -> list[int]:
        rows = self._db.execute("DELETE FROM device WHERE user_id = ? RETURNING id", (user_id,))
        return sorted(int(row[0]) for row in rows)

    def _select(self, tail: str, args: tuple[object, ...] = ()) -> list[Device]:
        rows = self._db.execute(
            "SELECT d.id AS device_id, d.label, d.name AS device_name, d.created_at, "
            "d.last_seen_at, "
            f"{USER_COLUMNS} FROM device d JOIN user u ON u.id = d.user_id " + tail,
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


class SignInLinks(RowGroup):
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
        return self._insert(
            "INSERT INTO sign_in_link (user_id, secret_hash, kind, name, issued_by, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, secret_hash, kind, name, issued_by, utc_now(), expires_at),
        )

    def take(self, secret_hash: str, now: str) -> SignInLink | None:
        """The unexpired link with this hash, deleted as it is read: a link works once."""
        row = self._db.execute(
            "DELETE FROM sign_in_link WHERE secret_hash = ? RETURNING id, user_id, kind, name, "
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
            "DELETE FROM sign_in_link WHERE user_id = ? AND kind = ?", (user_id, kind)
        )
        return int(cur.rowcount)

    def delete_expired(self, now: str) -> int:
        cur = self._db.execute("DELETE FROM sign_in_link WHERE expires_at <= ?", (now,))
        return int(cur.rowcount)


class Settings(RowGroup):
    def get(self, key: str) -> tuple[bool, str | None]:
        row = self._db.execute("SELECT value FROM host_setting WHERE key = ?", (key,)).fetchone()
        return (True, row[0]) if row else (False, None)

    def set(self, key: str, value: str | None) -> None:
        self._db.execute(
            "INSERT INTO host_setting (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
