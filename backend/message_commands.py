"""Message commands: send, history and changes, edit, delete, react, search.

Each one checks (member? author? rate?), stores through one database job, then publishes to the
room — only after the write committed (a message is never shown before it is on disk).
"""

from __future__ import annotations

from typing import Any

from . import protocol as p
from . import validate
from .errors import Conflict, Forbidden, Invalid, NotFound
from .models import Message, Page
from .search_query import fts_query
from .service_core import (
    MAX_ATTACHMENTS,
    MAX_REACTION_KINDS,
    SEARCH_MAX,
    ServiceCore,
    check_limit,
)
from .storage import Store


class MessageCommands(ServiceCore):
    # -- messages -------------------------------------------------------------------------------

    def send_message(
        self,
        sid: str,
        room_id: int,
        text: Any,
        client_id: str,
        *,
        reply_to: int | None = None,
        attachments: list[int] | None = None,
    ) -> Message:
        """Store a message once per (author, client_id); announce it to the room once."""
        user = self._user(sid)
        if attachments and text in ("", None):
            text = ""
        else:
            text = validate.text({"text": text}, self._limits.max_text_chars)
        if attachments is not None and len(attachments) > MAX_ATTACHMENTS:
            raise Invalid(f"At most {MAX_ATTACHMENTS} files per message.", field="attachments")
        self.check_member(user, room_id)
        self._check_rate(self._sends, user, "You are sending too fast. Wait a moment.")
        mentions = self._names.find(text) if "@" in text else []

        def insert(store: Store) -> tuple[Message, bool]:
            if reply_to is not None:
                original = store.get_message(reply_to)
                if original is None or original.room_id != room_id:
                    raise NotFound("The message you are replying to is not in this room.")
            message, created = store.insert_message(room_id, user, client_id, text, reply_to)
            if not created:
                return message, False
            if attachments:
                if store.attach_files(message.id, room_id, user.id, attachments) != len(
                    attachments
                ):
                    # The job's savepoint rolls back: no message without its files.
                    raise Invalid(
                        "Those files are not your finished uploads to this room, or they are "
                        "attached already.",
                        field="attachments",
                    )
            if mentions:
                store.insert_mentions(message.id, mentions)
            if reply_to is not None or attachments or mentions:
                fresh = store.get_message(message.id)
                assert fresh is not None
                message = fresh
            return message, True

        message, created = self._db.write(insert)
        if created:  # a retry is acked again with the stored message, never re-broadcast
            self._out.publish(p.MESSAGE_CREATED, message.to_wire(), p.room_channel(room_id))
        return message

    def fetch_messages(
        self,
        sid: str,
        room_id: int,
        *,
        after_id: int | None,
        before_id: int | None,
        limit: int,
        around_id: int | None = None,
    ) -> Page:
        user = self._user(sid)
        if sum(x is not None for x in (after_id, before_id, around_id)) > 1:
            raise Invalid("Give at most one of after_id, before_id and around_id.")
        check_limit(limit, p.FETCH_MAX)
        self.check_member(user, room_id)
        if around_id is not None:
            return self._db.read(lambda s: s.list_messages_around(room_id, around_id, limit))
        return self._db.read(
            lambda s: s.list_messages(room_id, after_id=after_id, before_id=before_id, limit=limit)
        )

    def fetch_changes(
        self, sid: str, room_id: int, after_rev: int, limit: int
    ) -> tuple[list[Message], int, bool]:
        """(messages changed after ``after_rev``, the rev to ask from next time, more to come)."""
        user = self._user(sid)
        check_limit(limit, p.FETCH_MAX)
        self.check_member(user, room_id)

        def read(store: Store) -> tuple[list[Message], int, bool]:
            changed, more = store.list_changes(room_id, after_rev, limit)
            rev = changed[-1].rev if more else max(store.room_last_rev(room_id), after_rev)
            return changed, rev, more

        return self._db.read(read)

    def edit_message(self, sid: str, message_id: int, text: Any) -> Message:
        user = self._user(sid)
        text = validate.text({"text": text}, self._limits.max_text_chars)
        self._check_rate(self._sends, user, "You are editing too fast. Wait a moment.")
        original = self._visible_message(user, message_id)
        if original.author.id != user.id:
            raise Forbidden("You can only edit your own messages.")
        if original.deleted:
            raise Conflict("That message was deleted.")
        mentions = self._names.find(text) if "@" in text else []

        def edit(store: Store) -> Message | None:
            if text == original.text:
                return None
            store.update_message_text(message_id, text, store.next_rev())
            store.replace_mentions(message_id, mentions)
            return store.get_message(message_id)

        message = self._db.write(edit)
        if message is None:  # nothing changed: no event, no new rev
            return original
        self._out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def delete_message(self, sid: str, message_id: int) -> Message:
        """Authors delete their own messages; the host user may delete any it can see."""
        user = self._user(sid)
        original = self._visible_message(user, message_id, host_sees_channels=True)
        if original.author.id != user.id and not user.is_host:
            raise Forbidden("You can only delete your own messages.")
        if original.deleted:
            return original

        def delete(store: Store) -> Message:
            store.tombstone_message(message_id, store.next_rev())
            message = store.get_message(message_id)
            assert message is not None
            return message

        message = self._db.write(delete)
        self._out.publish(p.MESSAGE_DELETED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def react(self, sid: str, message_id: int, emoji: str, on: bool) -> Message:
        user = self._user(sid)
        self._check_rate(self._sends, user, "You are reacting too fast. Wait a moment.")
        original = self._visible_message(user, message_id)
        if original.deleted:
            raise Conflict("That message was deleted.")

        def change(store: Store) -> Message | None:
            if on:
                if store.count_reaction_kinds(message_id) >= MAX_REACTION_KINDS and not any(
                    r.emoji == emoji for r in original.reactions
                ):
                    raise Invalid(f"A message can have at most {MAX_REACTION_KINDS} reactions.")
                changed = store.add_reaction(message_id, user.id, emoji)
            else:
                changed = store.remove_reaction(message_id, user.id, emoji)
            if not changed:
                return None
            store.set_message_rev(message_id, store.next_rev())
            return store.get_message(message_id)

        message = self._db.write(change)
        if message is None:
            return original
        self._out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def search(
        self,
        sid: str,
        query: str,
        *,
        room_id: int | None,
        author_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> tuple[list[Message], bool]:
        """Full-text search over the non-deleted messages of the caller's rooms, newest first."""
        user = self._user(sid)
        check_limit(limit, SEARCH_MAX)
        if room_id is not None:
            self.check_member(user, room_id)
        match = fts_query(query)
        return self._db.read(
            lambda s: s.search(
                user.id,
                match,
                room_id=room_id,
                author_id=author_id,
                before_id=before_id,
                limit=limit,
            )
        )
