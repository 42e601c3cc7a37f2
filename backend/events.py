"""Socket.IO transport: decode, call one service method, shape the ack.

Every command is acked with ``{"ok": true, ...}`` or ``{"ok": false, "error": {...}}``; handlers never
build domain events (the service publishes) and never touch storage.

The namespace is python-socketio's own, registered on the server Flask-SocketIO wraps: handlers get
the sid as an argument and need no Flask request context. Flask-SocketIO would push an app and a
request context around every event, about 9 % of the host's CPU under chat load (bench/, py-spy),
for globals these handlers do not use.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import socketio
from socketio.exceptions import ConnectionRefusedError

from . import protocol as p
from . import validate
from .admin import HostAdmin
from .errors import ChatError, Invalid
from .service import ChatService
from .service_core import MAX_UNREAD_ROOMS, SEARCH_DEFAULT

log = logging.getLogger(__name__)

Handler = Callable[["ChatNamespace", str, dict[str, Any]], dict[str, Any]]


def command(fn: Handler) -> Callable[..., dict[str, Any]]:
    """Check that the event carries one JSON object within the size limit, then run the handler."""

    @functools.wraps(fn)
    def wrapper(self: ChatNamespace, sid: str, *args: Any) -> dict[str, Any]:
        return fn(self, sid, validate.payload(args, self.max_payload_bytes))

    return wrapper


class ChatNamespace(socketio.Namespace):  # type: ignore[misc]
    def __init__(self, service: ChatService, admin: HostAdmin, max_payload_bytes: int) -> None:
        super().__init__("/")
        self._service = service
        self._admin = admin
        self.max_payload_bytes = max_payload_bytes

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch; refusals and bugs become error acks (an unknown event too)."""
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
            return {
                "ok": False,
                "error": {"code": "internal", "message": "Something went wrong on the host."},
            }

    def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Sent on every (re)connect. Refused with connect_error {code, message}; else `welcome`."""
        try:
            welcome = self._service.connect(sid, auth, environ.get("REMOTE_ADDR"))
        except ChatError as exc:  # an error ack would *accept* the connection
            raise ConnectionRefusedError(exc.message, exc.to_wire()) from exc
        self.emit(p.WELCOME, welcome, to=sid)

    def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self._service.disconnect(sid)

    @command
    def on_send_message(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent when the user posts. Acked after the commit; the room gets message_created."""
        message = self._service.send_message(
            sid,
            validate.room_id(data),
            data.get("text"),
            validate.client_id(data),
            reply_to=validate.integer(data, "reply_to", required=False),
            attachments=(
                validate.id_list(data, "attachments", most=10) if "attachments" in data else None
            ),
        )
        return {"ok": True, "message": message.to_wire()}

    @command
    def on_fetch_messages(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to page through history (before_id) or catch up after a reconnect (after_id)."""
        page = self._service.fetch_messages(
            sid,
            validate.room_id(data),
            after_id=validate.integer(data, "after_id", required=False, minimum=0),
            before_id=validate.integer(data, "before_id", required=False, minimum=0),
            around_id=validate.integer(data, "around_id", required=False),
            limit=validate.integer(data, "limit", required=False) or p.FETCH_DEFAULT,
        )
        return {
            "ok": True,
            "messages": [m.to_wire() for m in page.messages],
            "has_more": page.has_more,
            "has_more_after": page.has_more_after,
            "rev": page.rev,
        }

    @command
    def on_fetch_changes(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent after a reconnect: edits, deletions and reactions since the client's last rev."""
        messages, rev, more = self._service.fetch_changes(
            sid,
            validate.room_id(data),
            validate.required_int(data, "after_rev", minimum=0),
            validate.integer(data, "limit", required=False) or p.FETCH_MAX,
        )
        return {
            "ok": True,
            "messages": [m.to_wire() for m in messages],
            "rev": rev,
            "has_more": more,
        }

    @command
    def on_edit_message(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent when the author changes a message; the room gets message_updated."""
        message = self._service.edit_message(
            sid, validate.required_int(data, "message_id"), data.get("text")
        )
        return {"ok": True, "message": message.to_wire()}

    @command
    def on_delete_message(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent by the author (or the host user); the room gets message_deleted."""
        message = self._service.delete_message(sid, validate.required_int(data, "message_id"))
        return {"ok": True, "message": message.to_wire()}

    @command
    def on_react(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to add or take back a reaction; the room gets message_updated."""
        message = self._service.react(
            sid,
            validate.required_int(data, "message_id"),
            validate.emoji(data.get("emoji")),
            validate.boolean(data, "on"),
        )
        return {"ok": True, "message": message.to_wire()}

    @command
    def on_open_dm(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to start (or go back to) a direct message with some people."""
        users = validate.id_list(data, "user_ids", most=8)
        return {"ok": True, "room": self._service.open_dm(sid, users)}

    @command
    def on_mark_read(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent as the user reads: the host keeps the mark for all their devices."""
        mark = self._service.mark_read(
            sid, validate.room_id(data), validate.required_int(data, "message_id", minimum=0)
        )
        return {"ok": True, "last_read_id": mark}

    @command
    def on_get_read_marks(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to show "seen" in a direct message."""
        marks = self._service.get_read_marks(sid, validate.room_id(data))
        return {"ok": True, "marks": marks}

    @command
    def on_search(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent from the search box."""
        messages, more = self._service.search(
            sid,
            validate.search_query(data.get("query")),
            room_id=validate.integer(data, "room_id", required=False),
            author_id=validate.integer(data, "author_id", required=False),
            before_id=validate.integer(data, "before_id", required=False),
            limit=validate.integer(data, "limit", required=False) or SEARCH_DEFAULT,
        )
        return {"ok": True, "messages": [m.to_wire() for m in messages], "has_more": more}

    @command
    def on_admin_info(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, **self._admin.info(sid)}

    @command
    def on_admin_rename_host(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "server": self._admin.rename_host(sid, data.get("name"))}

    @command
    def on_admin_set_join_code(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        if "code" not in data:
            raise Invalid("'code' is missing (null turns the code off).", field="code")
        return {"ok": True, "join_code": self._admin.set_join_code(sid, data["code"])}

    @command
    def on_admin_remove_device(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        self._admin.remove_device(sid, validate.required_int(data, "device_id"))
        return {"ok": True}

    @command
    def on_count_unread(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent after (re)connecting: exact unread counts from the client's own read marks."""
        rooms = data.get("rooms")
        if not isinstance(rooms, list) or not 1 <= len(rooms) <= MAX_UNREAD_ROOMS:
            raise Invalid(f"'rooms' must be a list of 1-{MAX_UNREAD_ROOMS} entries.", field="rooms")
        marks = []
        for entry in rooms:
            if not isinstance(entry, dict):
                raise Invalid(
                    "Each entry of 'rooms' is {room_id, after_id, up_to_id?}.", field="rooms"
                )
            after = validate.integer(entry, "after_id", required=False, minimum=0)
            up_to = validate.integer(entry, "up_to_id", required=False, minimum=0)
            marks.append(
                (validate.room_id(entry), after, validate.MAX_ID if up_to is None else up_to)
            )
        return {"ok": True, "counts": self._service.count_unread(sid, marks)}

    @command
    def on_list_rooms(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "rooms": self._service.list_rooms(sid)}

    @command
    def on_create_room(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to make a new channel; everyone gets room_created."""
        return {"ok": True, "room": self._service.create_room(sid, data.get("name"))}

    @command
    def on_join_room(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "room": self._service.join_room(sid, validate.room_id(data))}

    @command
    def on_leave_room(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        self._service.leave_room(sid, validate.room_id(data))
        return {"ok": True}

    @command
    def on_list_members(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        members = self._service.list_members(sid, validate.room_id(data))
        return {"ok": True, "members": members}

    @command
    def on_typing(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent every few seconds while the user types; the room's others get `typing`."""
        self._service.typing(sid, validate.room_id(data))
        return {"ok": True}

    @command
    def on_get_invite(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Sent by the host's own UI for its invite panel (join code and URLs)."""
        return {"ok": True, **self._service.get_invite(sid)}
