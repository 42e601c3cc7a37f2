"""Rows for messages and what hangs on them: reactions, mentions, search (the engine's index)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ...models import Attachment, Message, Page, Quote, Reaction, SearchHit, User, utc_now
from .dialect import Filters
from .rows import FILE_COLUMNS, RowGroup, attachment_from_row

MESSAGE_SELECT = (
    "SELECT m.id, m.room_id, m.client_id, m.text, m.created_at, m.edited_at, m.deleted_at, m.rev, "
    "u.id AS author_id, u.name AS author_name, u.is_host AS author_is_host, "
    "u.is_bot AS author_is_bot, "
    "m.reply_gone, "
    "q.id AS q_id, substr(q.text, 1, 140) AS q_snippet, q.deleted_at AS q_deleted_at, "
    "qu.id AS q_author_id, qu.name AS q_author_name "
    "FROM message m JOIN user u ON u.id = m.author_id "
    "LEFT JOIN message q ON q.id = m.reply_to LEFT JOIN user qu ON qu.id = q.author_id "
)
# Past every id either engine can hand out (SQLite's rowid, a BIGINT identity): "before nothing"
# means "the newest".
_NO_BOUND = 2**63 - 1


class Messages(RowGroup):
    def insert(
        self, room_id: int, author: User, client_id: str, text: str, reply_to: int | None = None
    ) -> tuple[Message, bool]:
        now = utc_now()
        new_id = self._dialect.insert(
            self._db,
            "INSERT INTO message (room_id, author_id, client_id, text, created_at, reply_to) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (author_id, client_id) DO NOTHING",
            (room_id, author.id, client_id, text, now, reply_to),
        )
        if new_id is not None:
            return Message(new_id, room_id, client_id, author, text, now), True
        row = self._db.execute(
            MESSAGE_SELECT + "WHERE m.author_id = ? AND m.client_id = ?", (author.id, client_id)
        ).fetchone()
        return self._complete([_message(row)])[0], False

    def get(self, message_id: int) -> Message | None:
        row = self._db.execute(MESSAGE_SELECT + "WHERE m.id = ?", (message_id,)).fetchone()
        return self._complete([_message(row)])[0] if row else None

    def room_of(self, message_id: int) -> int | None:
        row = self._db.execute("SELECT room_id FROM message WHERE id = ?", (message_id,)).fetchone()
        return int(row[0]) if row else None

    def page(
        self, room_id: int, *, after_id: int | None, before_id: int | None, limit: int
    ) -> Page:
        rev = self.last_rev(room_id)
        # One more than asked tells whether more lie beyond the page, without a COUNT.
        if after_id is not None:
            rows = self._db.execute(
                MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id > ? ORDER BY m.id ASC LIMIT ?",
                (room_id, after_id, limit + 1),
            ).fetchall()
            page = self._complete([_message(r) for r in rows[:limit]])
            return Page(page, len(rows) > limit, rev=rev)
        bound = before_id if before_id is not None else _NO_BOUND
        rows = self._db.execute(
            MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?",
            (room_id, bound, limit + 1),
        ).fetchall()
        page = self._complete([_message(r) for r in reversed(rows[:limit])])
        return Page(page, len(rows) > limit, rev=rev)

    def around(self, room_id: int, around_id: int, limit: int) -> Page:
        rev = self.last_rev(room_id)
        before_n = limit // 2
        older = self._db.execute(
            MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?",
            (room_id, around_id, before_n + 1),
        ).fetchall()
        newer = self._db.execute(
            MESSAGE_SELECT + "WHERE m.room_id = ? AND m.id >= ? ORDER BY m.id ASC LIMIT ?",
            (room_id, around_id, limit - before_n + 1),
        ).fetchall()
        rows = list(reversed(older[:before_n])) + newer[: limit - before_n]
        return Page(
            self._complete([_message(r) for r in rows]),
            len(older) > before_n,
            has_more_after=len(newer) > limit - before_n,
            rev=rev,
        )

    def changes(self, room_id: int, after_rev: int, limit: int) -> tuple[list[Message], bool]:
        # "m.rev > 0" spelled out lets the planner use the partial index message_room_rev.
        rows = self._db.execute(
            MESSAGE_SELECT + "WHERE m.room_id = ? AND m.rev > ? AND m.rev > 0 "
            "ORDER BY m.rev ASC LIMIT ?",
            (room_id, after_rev, limit + 1),
        ).fetchall()
        return self._complete([_message(r) for r in rows[:limit]]), len(rows) > limit

    def last_rev(self, room_id: int) -> int:
        row = self._db.execute(
            "SELECT max(rev) FROM message WHERE room_id = ? AND rev > 0", (room_id,)
        ).fetchone()
        return int(row[0] or 0)

    def next_rev(self) -> int:
        row = self._db.execute(self._dialect.next_rev).fetchone()
        return int(row[0])

    def set_text(self, message_id: int, text: str, rev: int) -> None:
        self._db.execute(
            "UPDATE message SET text = ?, edited_at = ?, rev = ? WHERE id = ?",
            (text, utc_now(), rev, message_id),
        )

    def tombstone(self, message_id: int, rev: int) -> None:
        # The row stays so ids, replies and paging hold; the search index drops its empty text.
        self._db.execute(
            "UPDATE message SET text = '', deleted_at = ?, rev = ? WHERE id = ?",
            (utc_now(), rev, message_id),
        )
        self._db.execute("DELETE FROM reaction WHERE message_id = ?", (message_id,))
        self._db.execute("DELETE FROM mention WHERE message_id = ?", (message_id,))
        self._db.execute("DELETE FROM file WHERE message_id = ?", (message_id,))

    def set_rev(self, message_id: int, rev: int) -> None:
        self._db.execute("UPDATE message SET rev = ? WHERE id = ?", (rev, message_id))

    def search(
        self,
        user_id: int,
        text: str,
        *,
        room_id: int | None,
        author_id: int | None,
        before_id: int | None,
        after: str | None = None,
        before: str | None = None,
        limit: int,
    ) -> tuple[list[SearchHit], bool]:
        search = self._dialect.search
        query = search.query(text)
        # The date range as an id window too, so the index walks start and stop inside it
        # instead of reading every newer match to skip it (benchmarks.md: 0.8 s for a common word
        # in a day 60% back, without). created_at is still checked row by row.
        low = self._first_id_at(after) if after is not None else 0
        high = before_id or _NO_BOUND
        if before is not None:
            high = min(high, self._first_id_at(before))
        filters = self._filters(user_id, room_id, author_id, after, before)
        # Two newest-first walks, one over message text and one over file names, each stopping at
        # limit + 1; the page is the newest `limit` of their union, which lies within both walks'
        # first `limit`, so what matched each message is known exactly and "more" is exact too.
        in_text = self._search_text(query, low, high, filters, limit)
        in_files = search.in_files(self._db, query, low, high, filters, limit)
        ids = sorted(set(in_text) | set(in_files), reverse=True)
        page = ids[:limit]
        rows = {row["id"]: row for row in in_text.values()}
        missing = [mid for mid in page if mid not in rows]
        if missing:
            among, args = self._dialect.among(missing)
            rows.update(
                (row["id"], row)
                for row in self._db.execute(MESSAGE_SELECT + f"WHERE m.id {among}", args)
            )
        messages = self._complete([_message(rows[mid]) for mid in page])
        hits = [SearchHit(m, m.id in in_text, tuple(in_files.get(m.id, ()))) for m in messages]
        return hits, len(ids) > limit

    def _first_id_at(self, at: str) -> int:
        """The smallest id from which messages are sent at or after ``at``: a binary search over
        ids (a few indexed lookups, no index on created_at), since the one writer stamps messages
        in id order. Only a clock stepped back between two sends could misplace it, by that step."""
        row = self._db.execute("SELECT max(id) FROM message").fetchone()
        lo, hi = 0, (row[0] or 0) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            found = self._db.execute(
                "SELECT id, created_at FROM message WHERE id >= ? ORDER BY id LIMIT 1", (mid,)
            ).fetchone()
            if found is None or found[1] >= at:
                hi = mid
            else:
                lo = found[0] + 1
        return lo

    @staticmethod
    def _filters(
        user_id: int,
        room_id: int | None,
        author_id: int | None,
        after: str | None,
        before: str | None,
    ) -> Filters:
        # Membership is one indexed lookup per candidate; created_at compares as text (the host
        # writes one ISO-8601 UTC format, and fields.timestamp normalizes the bounds to it).
        sql = (
            "AND m.deleted_at IS NULL AND EXISTS (SELECT 1 FROM room_member rm "
            "WHERE rm.room_id = m.room_id AND rm.user_id = ?) "
        )
        args: list[object] = [user_id]
        optional = (
            ("m.room_id = ?", room_id),
            ("m.author_id = ?", author_id),
            ("m.created_at >= ?", after),
            ("m.created_at < ?", before),
        )
        for condition, value in optional:
            if value is not None:
                sql += f"AND {condition} "
                args.append(value)
        return sql, args

    def _search_text(
        self, query: str, low: int, high: int, filters: Filters, limit: int
    ) -> dict[int, Any]:
        # The index drives the loop newest first and LIMIT stops it, so a common word costs a
        # page, not every match (on PostgreSQL the planner picks what drives it: docs/deploy.md).
        search, (where, args) = self._dialect.search, filters
        sql = (
            MESSAGE_SELECT.replace("FROM message m", search.text_from, 1)
            + f"WHERE {search.text_match} AND {search.text_id} >= ? AND {search.text_id} < ? "
            + where
            + f"ORDER BY {search.text_id} DESC LIMIT ?"
        )
        rows = self._db.execute(sql, [query, low, high, *args, limit + 1])
        return {row["id"]: row for row in rows}

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM message").fetchone()[0])

    def created_before(self, room_id: int, created_at: str, limit: int) -> list[int]:
        # No index on created_at (every send would pay for it): the room's rows are read in id
        # order, which is time order, so the old ones come first; a reader does this, not the writer.
        rows = self._db.execute(
            "SELECT id FROM message WHERE room_id = ? AND created_at < ? ORDER BY id LIMIT ?",
            (room_id, created_at, limit),
        )
        return [row[0] for row in rows]

    def delete_created_before(
        self, room_id: int, ids: list[int], created_at: str
    ) -> tuple[list[int], list[str]]:
        if not ids:
            return [], []
        among, args = self._dialect.among(ids)
        # Checked again here, in the writer's transaction: only what is still there and still old.
        gone = self._firsts(
            f"SELECT id FROM message WHERE id {among} AND room_id = ? AND created_at < ? ORDER BY id",
            [*args, room_id, created_at],
        )
        if not gone:
            return [], []
        among, args = self._dialect.among(gone)
        hashes = self._firsts(f"SELECT DISTINCT sha256 FROM file WHERE message_id {among}", args)
        self._db.execute(f"DELETE FROM file WHERE message_id {among}", args)
        # Replies stay; they remember which message they answered (reply_to must let go of it).
        self._db.execute(
            f"UPDATE message SET reply_gone = reply_to, reply_to = NULL WHERE reply_to {among}",
            args,
        )
        # Reactions and mentions go by ON DELETE CASCADE, the search index with the row (SQLite's
        # by its trigger).
        self._db.execute(f"DELETE FROM message WHERE id {among}", args)
        return gone, hashes

    def _complete(self, messages: list[Message]) -> list[Message]:
        """Add reactions, mentions and attachments: three queries for the whole list."""
        live = [m.id for m in messages if not m.deleted]
        if not live:
            return messages
        among, args = self._dialect.among(live)
        reactions: dict[int, dict[str, list[int]]] = {}
        for row in self._db.execute(
            f"SELECT message_id, emoji, user_id FROM reaction WHERE message_id {among} "
            "ORDER BY created_at, emoji, user_id",
            args,
        ):
            reactions.setdefault(row[0], {}).setdefault(row[1], []).append(row[2])
        mentions: dict[int, list[int]] = {}
        for row in self._db.execute(
            f"SELECT message_id, user_id FROM mention WHERE message_id {among} ORDER BY user_id",
            args,
        ):
            mentions.setdefault(row[0], []).append(row[1])
        files: dict[int, list[Attachment]] = {}
        for row in self._db.execute(
            f"SELECT {FILE_COLUMNS} FROM file WHERE message_id {among} ORDER BY id", args
        ):
            files.setdefault(row["message_id"], []).append(attachment_from_row(row))
        if not (reactions or mentions or files):
            return messages
        return [
            replace(
                m,
                reactions=tuple(
                    Reaction(e, tuple(ids)) for e, ids in reactions.get(m.id, {}).items()
                ),
                mentions=tuple(mentions.get(m.id, ())),
                attachments=tuple(files.get(m.id, ())),
            )
            for m in messages
        ]


class Mentions(RowGroup):
    def insert(self, message_id: int, user_ids: Iterable[int]) -> None:
        self._db.executemany(
            "INSERT INTO mention (user_id, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(user_id, message_id) for user_id in user_ids],
        )

    def replace(self, message_id: int, user_ids: Iterable[int]) -> None:
        self._db.execute("DELETE FROM mention WHERE message_id = ?", (message_id,))
        self.insert(message_id, user_ids)


class Reactions(RowGroup):
    def add(self, message_id: int, user_id: int, emoji: str) -> bool:
        cur = self._db.execute(
            "INSERT INTO reaction (message_id, emoji, user_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (message_id, emoji, user_id, utc_now()),
        )
        return bool(cur.rowcount == 1)

    def remove(self, message_id: int, user_id: int, emoji: str) -> bool:
        cur = self._db.execute(
            "DELETE FROM reaction WHERE message_id = ? AND emoji = ? AND user_id = ?",
            (message_id, emoji, user_id),
        )
        return bool(cur.rowcount == 1)

    def count_kinds(self, message_id: int) -> int:
        row = self._db.execute(
            "SELECT count(DISTINCT emoji) FROM reaction WHERE message_id = ?", (message_id,)
        ).fetchone()
        return int(row[0])


def _message(row: Any) -> Message:
    author = User(
        id=row["author_id"],
        name=row["author_name"],
        is_host=bool(row["author_is_host"]),
        is_bot=bool(row["author_is_bot"]),
    )
    quote = None
    if row["q_id"] is not None:
        quote = Quote(
            id=row["q_id"],
            author=User(id=row["q_author_id"], name=row["q_author_name"]),
            snippet=row["q_snippet"] or "",
            deleted=row["q_deleted_at"] is not None,
        )
    elif row["reply_gone"] is not None:  # it answered a message that expired (retention)
        quote = Quote(
            id=row["reply_gone"], author=User(id=0, name=""), snippet="", deleted=True, expired=True
        )
    return Message(
        id=row["id"],
        room_id=row["room_id"],
        client_id=row["client_id"],
        author=author,
        text=row["text"],
        created_at=row["created_at"],
        reply_to=quote,
        edited_at=row["edited_at"],
        deleted=row["deleted_at"] is not None,
        rev=row["rev"],
    )
