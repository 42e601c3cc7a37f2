"""Messages: send, history and changes, edit, delete, react, search.

Each command checks (member? author? rate?), stores through one database job, then publishes to the
room — only after the write committed (a message is never shown before it is on disk).
"""

from __future__ import annotations

from .. import commands as c
from .. import protocol as p
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Message, Page, SearchHit, User
from ..storage.interface import Store
from .context import Context

# Different reactions on one message; past this a message is a poll, and the row of chips unusable.
MAX_REACTION_KINDS = 20


class Messages:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def send(self, sid: str, cmd: c.SendMessage) -> Message:
        """Store a message once per (author, client_id); announce it to the room once."""
        return self.send_as(self._ctx.caller(sid), cmd)

    def send_as(self, user: User, cmd: c.SendMessage) -> Message:
        """``send`` for a user known another way than a connection (a bot's webhook)."""
        ctx = self._ctx
        room_id, text, reply_to, attachments = cmd.room_id, cmd.text, cmd.reply_to, cmd.attachments
        ctx.check_member(user, room_id)
        ctx.check_rate(ctx.rates.sends, user, "You are sending too fast. Wait a moment.")
        mentions = ctx.names.find(text) if "@" in text else []

        def insert(store: Store) -> tuple[Message, bool]:
            if reply_to is not None:
                original = store.messages.get(reply_to)
                if original is None or original.room_id != room_id:
                    raise NotFound("The message you are replying to is not in this room.")
            message, created = store.messages.insert(room_id, user, cmd.client_id, text, reply_to)
            if not created:
                return message, False
            if attachments:
                attached = store.files.attach(message.id, room_id, user.id, list(attachments))
                if attached != len(attachments):
                    # The job's savepoint rolls back: no message without its files.
                    raise Invalid(
                        "Those files are not your finished uploads to this room, or they are "
                        "attached already.",
                        field="attachments",
                    )
            if mentions:
                store.mentions.insert(message.id, mentions)
            if reply_to is not None or attachments or mentions:
                fresh = store.messages.get(message.id)
                assert fresh is not None  # inserted just above, in this transaction
                message = fresh
            return message, True

        message, created = ctx.db.write(insert)
        if created:  # a retry is acked again with the stored message, never re-broadcast
            ctx.out.publish(p.MESSAGE_CREATED, message.to_wire(), p.room_channel(room_id))
        return message

    def fetch(self, sid: str, cmd: c.FetchMessages) -> Page:
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id = cmd.room_id
        ctx.check_member(user, room_id)
        if cmd.around_id is not None:
            around = cmd.around_id
            return ctx.db.read(lambda s: s.messages.around(room_id, around, cmd.limit))
        return ctx.db.read(
            lambda s: s.messages.page(
                room_id, after_id=cmd.after_id, before_id=cmd.before_id, limit=cmd.limit
            )
        )

    def changes(self, sid: str, cmd: c.FetchChanges) -> tuple[list[Message], int, bool]:
        """(messages changed after ``after_rev``, the rev to ask from next time, more to come)."""
        ctx = self._ctx
        user = ctx.caller(sid)
        ctx.check_member(user, cmd.room_id)

        def read(store: Store) -> tuple[list[Message], int, bool]:
            changed, more = store.messages.changes(cmd.room_id, cmd.after_rev, cmd.limit)
            if more:
                return changed, changed[-1].rev, True
            return changed, max(store.messages.last_rev(cmd.room_id), cmd.after_rev), False

        return ctx.db.read(read)

    def edit(self, sid: str, cmd: c.EditMessage) -> Message:
        ctx = self._ctx
        user = ctx.caller(sid)
        text, message_id = cmd.text, cmd.message_id
        ctx.check_rate(ctx.rates.sends, user, "You are editing too fast. Wait a moment.")
        original = ctx.visible_message(user, message_id)
        if original.author.id != user.id:
            raise Forbidden("You can only edit your own messages.")
        if original.deleted:
            raise Conflict("That message was deleted.")
        mentions = ctx.names.find(text) if "@" in text else []

        def edit(store: Store) -> Message | None:
            if text == original.text:
                return None
            store.messages.set_text(message_id, text, store.messages.next_rev())
            store.mentions.replace(message_id, mentions)
            return store.messages.get(message_id)

        message = ctx.db.write(edit)
        if message is None:  # nothing changed: no event, no new rev
            return original
        ctx.out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def delete(self, sid: str, cmd: c.MessageRef) -> Message:
        """Authors delete their own messages; an admin may delete any it can see."""
        ctx = self._ctx
        user = ctx.caller(sid)
        message_id = cmd.message_id
        original = ctx.visible_message(user, message_id, host_sees_channels=True)
        if original.author.id != user.id and not user.admin:
            raise Forbidden("You can only delete your own messages.")
        if original.deleted:
            return original

        def delete(store: Store) -> Message:
            store.messages.tombstone(message_id, store.messages.next_rev())
            message = store.messages.get(message_id)
            assert message is not None  # tombstones keep their row
            return message

        message = ctx.db.write(delete)
        ctx.out.publish(p.MESSAGE_DELETED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def react(self, sid: str, cmd: c.React) -> Message:
        ctx = self._ctx
        user = ctx.caller(sid)
        message_id, emoji = cmd.message_id, cmd.emoji
        ctx.check_rate(ctx.rates.sends, user, "You are reacting too fast. Wait a moment.")
        original = ctx.visible_message(user, message_id)
        if original.deleted:
            raise Conflict("That message was deleted.")

        def change(store: Store) -> Message | None:
            if cmd.on:
                if store.reactions.count_kinds(message_id) >= MAX_REACTION_KINDS and not any(
                    r.emoji == emoji for r in original.reactions
                ):
                    raise Invalid(f"A message can have at most {MAX_REACTION_KINDS} reactions.")
                changed = store.reactions.add(message_id, user.id, emoji)
            else:
                changed = store.reactions.remove(message_id, user.id, emoji)
            if not changed:
                return None
            store.messages.set_rev(message_id, store.messages.next_rev())
            return store.messages.get(message_id)

        message = ctx.db.write(change)
        if message is None:
            return original
        ctx.out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def search(self, sid: str, cmd: c.Search) -> tuple[list[SearchHit], bool]:
        """Full-text search over the text and file names of the non-deleted messages of the
        caller's rooms, newest first."""
        ctx = self._ctx
        user = ctx.caller(sid)
        if cmd.room_id is not None:
            ctx.check_member(user, cmd.room_id)
        return ctx.db.read(
            lambda s: s.messages.search(
                user.id,
                cmd.query,
                room_id=cmd.room_id,
                author_id=cmd.author_id,
                before_id=cmd.before_id,
                after=cmd.after,
                before=cmd.before,
                limit=cmd.limit,
            )
        )
