"""Bots and incoming webhooks: what the host user may make, and what a webhook's request posts.

A bot is a user the host user makes (a name by the same rules as a person's, an emoji for an
avatar) that signs in with its token like any device (chat/sessions.py); the token is shown once and
only its hash is stored. Resetting it or revoking the bot ends the old token at once and drops the
bot's open connections, as removing a device does (chat/admin.py).

An incoming webhook is a secret URL that posts as one bot into one room: a script with no socket
and no token can say something. The secret (256 random bits) is shown once and only its hash is
stored; a request with a wrong secret, or for a webhook that is gone, is told there is no such
webhook, the same either way. A post goes through ``Messages.send_as``, the path of every send:
stored, then broadcast, mentions found, text kept as written (markdown is the reader's to render).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import Forbidden, NotFound, RateLimited
from ..fields import MAX_ID
from ..models import Message, User, Webhook
from ..ratelimit import TokenBuckets
from ..storage.interface import Store
from .context import Context
from .messages import Messages
from .names import check_visible, clean_name, look_keys, name_key
from .rooms import add_member, join_general
from .sessions import Sessions, check_name_free, hash_token, new_token

# The device label a bot's token is stored under (the host's device list shows it).
BOT_DEVICE = "bot"
# Posts per webhook: a burst of 10, then one a second (Slack's incoming webhooks allow about one a
# second too). A bot's own send limit (per user, chat/context.py) applies as well.
WEBHOOK_RATE, WEBHOOK_BURST = 1.0, 10
# Longer than any secret the host makes: refused without a look at storage.
_SECRET_MAX = 128
# Compared with when the webhook does not exist, so a missing id costs what a wrong secret does.
_NO_HASH = hash_token("")


class Bots:
    def __init__(
        self,
        ctx: Context,
        sessions: Sessions,
        messages: Messages,
        host_urls: Callable[[], list[str]],
    ) -> None:
        self._ctx = ctx
        self._host_urls = host_urls
        self._sessions = sessions
        self._messages = messages
        self._posts = TokenBuckets(WEBHOOK_RATE, WEBHOOK_BURST)

    # -- bots ----------------------------------------------------------------------------------

    def create(self, sid: str, cmd: c.CreateBot) -> tuple[User, str]:
        """A new bot in general, and its token (returned only here)."""
        self._check_admin(sid)
        display = clean_name(cmd.name)
        key_of_name = name_key(display)
        skeleton, shape = look_keys(display)
        token = new_token()
        avatar = cmd.avatar
        self._sessions.fill_look_keys()

        def create(store: Store) -> User:
            check_name_free(store, display, key_of_name, skeleton, shape)
            check_visible(display)
            bot = store.users.insert(
                display, key_of_name, skeleton=skeleton, shape=shape, is_bot=True, avatar=avatar
            )
            store.devices.insert(bot.id, hash_token(token), BOT_DEVICE)
            join_general(store, bot)
            return bot

        ctx = self._ctx
        bot = ctx.db.write(create)
        ctx.names.add(bot.id, bot.name)  # people can @mention it
        ctx.out.publish(p.USER_CREATED, ctx.user_wire(bot), None)
        return bot, token

    def all(self, sid: str) -> list[dict[str, Any]]:
        """Every bot, whether it has a working token, and whether it is connected."""
        self._check_admin(sid)
        ctx = self._ctx

        def read(store: Store) -> list[tuple[User, bool]]:
            return [(bot, bool(store.devices.of_user(bot.id))) for bot in store.users.bots()]

        return [
            {**ctx.user_wire(bot), "has_token": has_token} for bot, has_token in ctx.db.read(read)
        ]

    def reset_token(self, sid: str, cmd: c.BotRef) -> str:
        """A new token for the bot; the old one stops working now and its connections drop."""
        self._check_admin(sid)
        token = new_token()
        bot_id = cmd.bot_id

        def reset(store: Store) -> None:
            self._bot(store, bot_id)
            store.devices.delete_of_user(bot_id)
            store.devices.insert(bot_id, hash_token(token), BOT_DEVICE)

        self._ctx.db.write(reset)
        self._drop_connections(bot_id)
        return token

    def revoke(self, sid: str, cmd: c.BotRef) -> None:
        """The bot's token and webhooks stop working now; its connections drop. The bot stays
        (its messages keep their author, its name stays taken); a reset gives it a token again."""
        self._check_admin(sid)
        bot_id = cmd.bot_id

        def revoke(store: Store) -> None:
            self._bot(store, bot_id)
            store.devices.delete_of_user(bot_id)
            store.webhooks.delete_of_bot(bot_id)

        self._ctx.db.write(revoke)
        self._drop_connections(bot_id)

    # -- webhooks ------------------------------------------------------------------------------

    def create_webhook(self, sid: str, cmd: c.CreateWebhook) -> tuple[Webhook, str, list[str]]:
        """A webhook posting as the bot into the room (a channel, which the bot joins), its secret
        path and the URLs to POST to on the LAN (returned only here: the secret is not kept)."""
        self._check_admin(sid)
        secret = secrets.token_urlsafe(32)
        bot_id, room_id = cmd.bot_id, cmd.room_id

        def create(store: Store) -> tuple[Webhook, User, bool]:
            bot = self._bot(store, bot_id)
            room = store.rooms.get(room_id)
            if room is None or room.kind != "channel":
                raise NotFound("There is no such room (webhooks post into channels).")
            joined = add_member(store, room, bot)
            webhook = store.webhooks.get(store.webhooks.insert(bot_id, room_id, hash_token(secret)))
            assert webhook is not None  # inserted just above, in this transaction
            return webhook, bot, joined

        ctx = self._ctx
        webhook, bot, joined = ctx.db.write(create)
        ctx.subscribe(bot.id, room_id)
        if joined:
            ctx.out.publish(
                p.MEMBER_JOINED,
                {"room_id": room_id, "user": bot.to_wire()},
                p.room_channel(room_id),
            )
        path = f"{p.WEBHOOK_PATH}/{webhook.id}/{secret}"
        return webhook, path, [url.rstrip("/") + path for url in self._host_urls()]

    def webhooks(self, sid: str) -> list[Webhook]:
        self._check_admin(sid)
        return self._ctx.db.read(lambda s: s.webhooks.all())

    def delete_webhook(self, sid: str, cmd: c.WebhookRef) -> None:
        """The webhook's URL stops working now."""
        self._check_admin(sid)
        webhook_id = cmd.webhook_id
        if not self._ctx.db.write(lambda s: s.webhooks.delete(webhook_id)):
            raise NotFound("There is no such webhook.")

    def authorize(self, webhook_id: int, secret: str) -> Webhook:
        """The webhook a request's URL names, if its secret is right.

        :raises NotFound: no such webhook, or the wrong secret (the same answer for both).
        """
        # An id past SQLite's integers (a URL can say anything) names nothing either.
        if not 1 <= len(secret) <= _SECRET_MAX or not 1 <= webhook_id <= MAX_ID:
            raise NotFound("There is no such webhook.")
        webhook = self._ctx.db.read(lambda s: s.webhooks.get(webhook_id))
        expected = webhook.secret_hash if webhook is not None else _NO_HASH
        # Both hashes are hex: ASCII, so compare_digest takes them as str.
        if not hmac.compare_digest(hash_token(secret), expected) or webhook is None:
            raise NotFound("There is no such webhook.")
        return webhook

    def post(self, webhook: Webhook, cmd: c.WebhookPost) -> Message:
        """Post as the webhook's bot into its room, as the bot itself would send.

        :raises RateLimited: over the webhook's rate; ``retry_after`` says when to come back.
        """
        wait = self._posts.take(webhook.id)
        if wait > 0:
            raise RateLimited("This webhook is posting too fast.", retry_after=round(wait, 2))
        bot = self._ctx.db.read(lambda s: s.users.get(webhook.bot_id))
        if bot is None or not bot.is_bot:
            raise NotFound("There is no such webhook.")
        client_id = cmd.client_id or f"hook-{uuid.uuid4().hex}"
        try:
            return self._messages.send_as(bot, c.SendMessage(webhook.room_id, cmd.text, client_id))
        except Forbidden:
            raise Forbidden(
                f"{bot.name} is no longer in #{webhook.room_name}; make a new webhook."
            ) from None

    # -- shared checks -------------------------------------------------------------------------

    def _check_admin(self, sid: str) -> None:
        if not self._ctx.caller(sid).admin:
            raise Forbidden("Only an admin can manage bots and webhooks.")

    @staticmethod
    def _bot(store: Store, bot_id: int) -> User:
        bot = store.users.get(bot_id)
        if bot is None or not bot.is_bot:
            raise NotFound("There is no such bot.")
        return bot

    def _drop_connections(self, bot_id: int) -> None:
        ctx = self._ctx
        for sid in list(ctx.presence.sids(bot_id)):
            ctx.out.disconnect(sid)
        ctx.tell_peers("drop_user", bot_id)
