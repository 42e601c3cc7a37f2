"""Socket.IO events: decode the command, call one part of the chat rules, shape the ack.

Every command is acked with ``{"ok": true, ...}`` or ``{"ok": false, "error": {...}}``; handlers never
build domain events (the chat rules publish) and never touch storage.

The namespace is python-socketio's own, registered on the server Flask-SocketIO wraps: handlers get
the sid as an argument and need no Flask request context. Flask-SocketIO would push an app and a
request context around every event, about 9 % of the host's CPU under chat load (bench/, py-spy),
for globals these handlers do not use.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import socketio
from socketio.exceptions import ConnectionRefusedError

from .. import commands as c
from .. import protocol as p
from ..chat.service import ChatService
from ..errors import ChatError, Invalid

log = logging.getLogger(__name__)

C = TypeVar("C")
Ack = dict[str, Any]

# python-socketio's own events: dispatched only by python-socketio, never by a client (see below).
_LIFECYCLE = ("connect", "disconnect")
_INTERNAL = {"code": "internal", "message": "Something went wrong on the host."}
# Seconds a connection that revoked its own device keeps, for its ack to go out, before the
# host closes it.
ACK_GRACE = 0.2


def command(
    kind: Callable[[c.Data, c.Limits], C],
) -> Callable[[Callable[[ChatNamespace, str, C], Ack]], Callable[..., Ack]]:
    """Decode the event's one JSON object into ``kind`` (within the size limit), then handle it."""

    def wrap(fn: Callable[[ChatNamespace, str, C], Ack]) -> Callable[..., Ack]:
        @functools.wraps(fn)
        def handler(self: ChatNamespace, sid: str, *args: Any) -> Ack:
            return fn(self, sid, c.decode(kind, args, self.limits))

        return handler

    return wrap


class ChatNamespace(socketio.Namespace):  # type: ignore[misc]
    def __init__(self, chat: ChatService, limits: c.Limits) -> None:
        super().__init__("/")
        self._chat = chat
        self.limits = limits

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch; refusals and bugs become error acks (an unknown event too).

        ``connect`` and ``disconnect`` are python-socketio's to call, while a connection is being
        made or ended: a connected client sending an event of either name gets what any unknown
        event gets, and its own ``environ`` (a spoofed ``REMOTE_ADDR``) is never read.
        """
        if event in _LIFECYCLE and args and self.server.manager.is_connected(args[0], "/"):
            handler = None
        else:
            handler = getattr(self, "on_" + event, None) if isinstance(event, str) else None
        if handler is None:
            name = str(event)[:40]
            return {"ok": False, "error": Invalid(f"Unknown event '{name}'.").to_wire()}
        try:
            return handler(*args)
        except ConnectionRefusedError:
            raise
        except ChatError as exc:
            return {"ok": False, "error": exc.to_wire()}
        except Exception:
            log.exception("unhandled error in %r", str(event)[:40])
            return {"ok": False, "error": dict(_INTERNAL)}

    def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Sent on every (re)connect. Refused with connect_error {code, message}; else `welcome`.

        Every failure refuses: python-socketio takes any answer but ``False`` or a raised
        ``ConnectionRefusedError`` as "accepted", which would leave a socket that never signed in
        connected, hearing broadcasts.
        """
        try:
            welcome = self._chat.sessions.connect(
                sid,
                c.decode_auth(auth),
                environ.get("REMOTE_ADDR"),
                environ.get("HTTP_USER_AGENT"),
            )
        except ChatError as exc:
            raise ConnectionRefusedError(exc.message, exc.to_wire()) from exc
        except Exception as exc:
            log.exception("connect failed")
            raise ConnectionRefusedError(_INTERNAL["message"], dict(_INTERNAL)) from exc
        # Through the chat's transport, not python-socketio's emit: on the fast path the welcome is
        # encoded once as plain JSON (python-socketio walked it for binary parts first: ~9 % of
        # the host's time while a crowd arrived, docs/benchmarks.md).
        self._chat.context.out.publish(p.WELCOME, welcome, sid)

    def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._chat.sessions.disconnect(sid)

    # -- messages ------------------------------------------------------------------------------

    @command(c.SendMessage.decode)
    def on_send_message(self, sid: str, cmd: c.SendMessage) -> Ack:
        """Sent when the user posts. Acked after the commit; the room gets message_created."""
        return {"ok": True, "message": self._chat.messages.send(sid, cmd).to_wire()}

    @command(c.FetchMessages.decode)
    def on_fetch_messages(self, sid: str, cmd: c.FetchMessages) -> Ack:
        """Sent to page through history (before_id) or catch up after a reconnect (after_id)."""
        page = self._chat.messages.fetch(sid, cmd)
        return {
            "ok": True,
            "messages": [m.to_wire() for m in page.messages],
            "has_more": page.has_more,
            "has_more_after": page.has_more_after,
            "rev": page.rev,
        }

    @command(c.FetchChanges.decode)
    def on_fetch_changes(self, sid: str, cmd: c.FetchChanges) -> Ack:
        """Sent after a reconnect: edits, deletions and reactions since the client's last rev."""
        messages, rev, more = self._chat.messages.changes(sid, cmd)
        return {
            "ok": True,
            "messages": [m.to_wire() for m in messages],
            "rev": rev,
            "has_more": more,
        }

    @command(c.EditMessage.decode)
    def on_edit_message(self, sid: str, cmd: c.EditMessage) -> Ack:
        """Sent when the author changes a message; the room gets message_updated."""
        return {"ok": True, "message": self._chat.messages.edit(sid, cmd).to_wire()}

    @command(c.MessageRef.decode)
    def on_delete_message(self, sid: str, cmd: c.MessageRef) -> Ack:
        """Sent by the author (or the host user); the room gets message_deleted."""
        return {"ok": True, "message": self._chat.messages.delete(sid, cmd).to_wire()}

    @command(c.React.decode)
    def on_react(self, sid: str, cmd: c.React) -> Ack:
        """Sent to add or take back a reaction; the room gets message_updated."""
        return {"ok": True, "message": self._chat.messages.react(sid, cmd).to_wire()}

    @command(c.Search.decode)
    def on_search(self, sid: str, cmd: c.Search) -> Ack:
        """Sent from the search box."""
        hits, more = self._chat.messages.search(sid, cmd)
        return {"ok": True, "messages": [h.to_wire() for h in hits], "has_more": more}

    # -- rooms ---------------------------------------------------------------------------------

    @command(c.NoFields.decode)
    def on_list_rooms(self, sid: str, cmd: c.NoFields) -> Ack:
        return {"ok": True, "rooms": self._chat.rooms.visible(sid)}

    @command(c.CreateRoom.decode)
    def on_create_room(self, sid: str, cmd: c.CreateRoom) -> Ack:
        """Sent to make a new channel; everyone gets room_created."""
        return {"ok": True, "room": self._chat.rooms.create(sid, cmd)}

    @command(c.RoomRef.decode)
    def on_join_room(self, sid: str, cmd: c.RoomRef) -> Ack:
        return {"ok": True, "room": self._chat.rooms.join(sid, cmd)}

    @command(c.RoomRef.decode)
    def on_leave_room(self, sid: str, cmd: c.RoomRef) -> Ack:
        self._chat.rooms.leave(sid, cmd)
        return {"ok": True}

    @command(c.RoomRef.decode)
    def on_list_members(self, sid: str, cmd: c.RoomRef) -> Ack:
        return {"ok": True, "members": self._chat.rooms.members(sid, cmd)}

    @command(c.OpenDm.decode)
    def on_open_dm(self, sid: str, cmd: c.OpenDm) -> Ack:
        """Sent to start (or go back to) a direct message with some people."""
        return {"ok": True, "room": self._chat.rooms.open_dm(sid, cmd)}

    @command(c.RoomRef.decode)
    def on_typing(self, sid: str, cmd: c.RoomRef) -> Ack:
        """Sent every few seconds while the user types; the room's others get `typing`."""
        self._chat.rooms.typing(sid, cmd)
        return {"ok": True}

    # -- reading -------------------------------------------------------------------------------

    @command(c.MarkRead.decode)
    def on_mark_read(self, sid: str, cmd: c.MarkRead) -> Ack:
        """Sent as the user reads: the host keeps the mark for all their devices."""
        return {"ok": True, "last_read_id": self._chat.reads.mark_read(sid, cmd)}

    @command(c.RoomRef.decode)
    def on_get_read_marks(self, sid: str, cmd: c.RoomRef) -> Ack:
        """Sent to show "seen" in a direct message."""
        return {"ok": True, "marks": self._chat.reads.marks(sid, cmd)}

    @command(c.CountUnread.decode)
    def on_count_unread(self, sid: str, cmd: c.CountUnread) -> Ack:
        """Sent after (re)connecting: exact unread counts from the client's own read marks."""
        return {"ok": True, "counts": self._chat.reads.count_unread(sid, cmd)}

    # -- the host ------------------------------------------------------------------------------

    @command(c.NoFields.decode)
    def on_get_invite(self, sid: str, cmd: c.NoFields) -> Ack:
        """Sent by the host's own UI for its invite panel (join code and URLs)."""
        return {"ok": True, **self._chat.admin.invite(sid)}

    @command(c.NoFields.decode)
    def on_admin_info(self, sid: str, cmd: c.NoFields) -> Ack:
        return {"ok": True, **self._chat.admin.info(sid)}

    @command(c.RenameHost.decode)
    def on_admin_rename_host(self, sid: str, cmd: c.RenameHost) -> Ack:
        return {"ok": True, "server": self._chat.admin.rename_host(sid, cmd)}

    @command(c.SetJoinCode.decode)
    def on_admin_set_join_code(self, sid: str, cmd: c.SetJoinCode) -> Ack:
        return {"ok": True, "join_code": self._chat.admin.set_join_code(sid, cmd)}

    @command(c.RemoveDevice.decode)
    def on_admin_remove_device(self, sid: str, cmd: c.RemoveDevice) -> Ack:
        self._chat.admin.remove_device(sid, cmd)
        return {"ok": True}

    # -- devices and admins (issue 15) ---------------------------------------------------------

    @command(c.CreateDeviceLink.decode)
    def on_create_device_link(self, sid: str, cmd: c.CreateDeviceLink) -> Ack:
        """Acked with a one-time sign-in link's secret (URL/#signin=SECRET) for another device."""
        return {"ok": True, **self._chat.devices.create_link(sid, cmd)}

    @command(c.NoFields.decode)
    def on_list_devices(self, sid: str, cmd: c.NoFields) -> Ack:
        """Sent by each person for their own devices list."""
        return {"ok": True, "devices": self._chat.devices.mine(sid)}

    @command(c.RemoveDevice.decode)
    def on_revoke_device(self, sid: str, cmd: c.RemoveDevice) -> Ack:
        """One of the caller's devices stops working; its connections get signed_out and drop.

        The device this command came from (signing out of it) is acked first, then dropped: its
        token already stopped working, so a client that stays connected gains nothing.
        """
        if self._chat.devices.revoke(sid, cmd):
            self.server.start_background_task(self._drop_after_ack, sid)
        return {"ok": True}

    def _drop_after_ack(self, sid: str) -> None:
        self.server.sleep(ACK_GRACE)
        self.server.disconnect(sid)

    @command(c.RecoveryLink.decode)
    def on_admin_create_recovery_link(self, sid: str, cmd: c.RecoveryLink) -> Ack:
        """Sent by an admin for someone who lost every device (logged with who sent it)."""
        return {"ok": True, **self._chat.devices.create_recovery_link(sid, cmd)}

    @command(c.SetAdmin.decode)
    def on_admin_set_admin(self, sid: str, cmd: c.SetAdmin) -> Ack:
        """Sent by the host person; everyone gets role_changed."""
        return {"ok": True, "user": self._chat.devices.set_admin(sid, cmd)}

    # -- bots and webhooks (the host user only) ------------------------------------------------

    @command(c.CreateBot.decode)
    def on_create_bot(self, sid: str, cmd: c.CreateBot) -> Ack:
        """Acked with the bot and its token, shown this once; everyone gets user_created."""
        bot, token = self._chat.bots.create(sid, cmd)
        return {"ok": True, "bot": bot.to_wire(), "token": token}

    @command(c.NoFields.decode)
    def on_list_bots(self, sid: str, cmd: c.NoFields) -> Ack:
        return {"ok": True, "bots": self._chat.bots.all(sid)}

    @command(c.BotRef.decode)
    def on_reset_bot_token(self, sid: str, cmd: c.BotRef) -> Ack:
        """The old token stops working and the bot's connections drop."""
        return {"ok": True, "token": self._chat.bots.reset_token(sid, cmd)}

    @command(c.BotRef.decode)
    def on_revoke_bot(self, sid: str, cmd: c.BotRef) -> Ack:
        self._chat.bots.revoke(sid, cmd)
        return {"ok": True}

    @command(c.CreateWebhook.decode)
    def on_create_webhook(self, sid: str, cmd: c.CreateWebhook) -> Ack:
        """Acked with the webhook, its secret path and LAN URLs, shown this once."""
        webhook, path, urls = self._chat.bots.create_webhook(sid, cmd)
        return {"ok": True, "webhook": webhook.to_wire(), "path": path, "urls": urls}

    @command(c.NoFields.decode)
    def on_list_webhooks(self, sid: str, cmd: c.NoFields) -> Ack:
        return {"ok": True, "webhooks": [w.to_wire() for w in self._chat.bots.webhooks(sid)]}

    @command(c.WebhookRef.decode)
    def on_delete_webhook(self, sid: str, cmd: c.WebhookRef) -> Ack:
        self._chat.bots.delete_webhook(sid, cmd)
        return {"ok": True}

    # -- backups (the host user's) ---------------------------------------------------------------

    @command(c.NoFields.decode)
    def on_start_backup(self, sid: str, cmd: c.NoFields) -> Ack:
        """Acked at once; backup_progress, then backup_finished or backup_failed follow."""
        return {"ok": True, **self._chat.backups.start(sid)}

    @command(c.NoFields.decode)
    def on_get_backup_settings(self, sid: str, cmd: c.NoFields) -> Ack:
        return {"ok": True, **self._chat.backups.settings(sid)}

    @command(c.SetBackupSettings.decode)
    def on_set_backup_settings(self, sid: str, cmd: c.SetBackupSettings) -> Ack:
        return {"ok": True, **self._chat.backups.set_settings(sid, cmd)}

    # -- retention (the host user's) -------------------------------------------------------------

    @command(c.SetRetention.decode)
    def on_admin_set_retention(self, sid: str, cmd: c.SetRetention) -> Ack:
        """Sent by the host user: the host-wide default; everyone gets retention_changed."""
        return {"ok": True, "days": self._chat.retention.set_default(sid, cmd)}

    @command(c.SetRoomRetention.decode)
    def on_admin_set_room_retention(self, sid: str, cmd: c.SetRoomRetention) -> Ack:
        """Sent by the host user: one channel's own rule; everyone gets room_updated."""
        return {"ok": True, "room": self._chat.retention.set_room(sid, cmd)}

    # -- notification settings (each person's own, on all their devices) -------------------------

    @command(c.NoFields.decode)
    def on_get_notify_settings(self, sid: str, cmd: c.NoFields) -> Ack:
        """Sent after connecting: the person's notification settings."""
        return {"ok": True, "settings": self._chat.notify.settings(sid).to_wire()}

    @command(c.SetNotifySettings.decode)
    def on_set_notify_settings(self, sid: str, cmd: c.SetNotifySettings) -> Ack:
        """Do-not-disturb and the sounds; all the person's devices get notify_settings_changed."""
        return {"ok": True, "settings": self._chat.notify.set_flags(sid, cmd).to_wire()}

    @command(c.SetRoomNotify.decode)
    def on_set_room_notify(self, sid: str, cmd: c.SetRoomNotify) -> Ack:
        """One room's level; all the person's devices get notify_settings_changed."""
        return {"ok": True, "settings": self._chat.notify.set_room(sid, cmd).to_wire()}

    # -- profiles (each person's own: chat/profiles.py) ----------------------------------------

    @command(c.SetName.decode)
    def on_set_name(self, sid: str, cmd: c.SetName) -> Ack:
        """Acked with the caller's new wire form; everyone gets user_updated."""
        return {"ok": True, "user": self._chat.profiles.set_name(sid, cmd).to_wire()}

    @command(c.SetStatus.decode)
    def on_set_status(self, sid: str, cmd: c.SetStatus) -> Ack:
        """Acked with the caller's new wire form; everyone gets user_updated."""
        return {"ok": True, "user": self._chat.profiles.set_status(sid, cmd).to_wire()}

    @command(c.NoFields.decode)
    def on_sign_out(self, sid: str, cmd: c.NoFields) -> Ack:
        """This device's token stops working; its connections (this one too) are dropped right
        after this ack is on its way (a task: the ack is queued when this handler returns)."""
        connections = self._chat.profiles.sign_out(sid)
        self.server.start_background_task(self._chat.profiles.drop, connections)
        return {"ok": True}

    # -- the host's people on demand (issue 17: chat/directory.py) -------------------------------

    @command(c.GetUsers.decode)
    def on_get_users(self, sid: str, cmd: c.GetUsers) -> Ack:
        """Sent for people the client met (an author, a mention) but does not know."""
        return {"ok": True, "users": self._chat.directory.some(sid, cmd)}

    @command(c.ListUsers.decode)
    def on_list_users(self, sid: str, cmd: c.ListUsers) -> Ack:
        """Sent page by page (after_id) by the pickers that list everyone."""
        users, more = self._chat.directory.page(sid, cmd)
        return {"ok": True, "users": users, "has_more": more}

    @command(c.WatchUsers.decode)
    def on_watch_users(self, sid: str, cmd: c.WatchUsers) -> Ack:
        """Sent by a client on a big host with the people it shows: it hears only their presence."""
        return {"ok": True, **self._chat.directory.watch(sid, cmd)}
