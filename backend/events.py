"""Socket.IO transport: decode, call one service method, shape the ack.

Every command is acked with ``{"ok": true, ...}`` or ``{"ok": false, "error": {...}}``; handlers never
build domain events (the service publishes) and never touch storage.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, emit

from . import protocol as p
from . import validate
from .errors import ChatError, Invalid
from .service import MAX_UNREAD_ROOMS, ChatService

log = logging.getLogger(__name__)

Handler = Callable[["ChatNamespace", dict[str, Any]], dict[str, Any]]


def command(fn: Handler) -> Callable[..., dict[str, Any]]:
    """Check that the event carries one JSON object within the size limit, then run the handler."""

    @functools.wraps(fn)
    def wrapper(self: ChatNamespace, *args: Any) -> dict[str, Any]:
        return fn(self, validate.payload(args, self.max_payload_bytes))

    return wrapper


class ChatNamespace(Namespace):  # type: ignore[misc]
    def __init__(self, service: ChatService, max_payload_bytes: int) -> None:
        super().__init__("/")
        self._service = service
        self.max_payload_bytes = max_payload_bytes

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch; an unknown event gets an error ack instead of Flask-SocketIO's silent None."""
        if not hasattr(self, "on_" + (event or "")):
            name = str(event)[:40]
            return {"ok": False, "error": Invalid(f"Unknown event '{name}'.").to_wire()}
        return super().trigger_event(event, *args)

    def on_connect(self, auth: Any = None) -> None:
        """Sent on every (re)connect. Refused with connect_error {code, message}; else `welcome`."""
        try:
            welcome = self._service.connect(_sid(), auth, request.remote_addr)
        except ChatError as exc:  # an error ack would *accept* the connection
            raise ConnectionRefusedError(exc.message, exc.to_wire()) from exc
        emit(p.WELCOME, welcome)

    def on_disconnect(self, reason: Any = None) -> None:
        self._service.disconnect(_sid())

    @command
    def on_send_message(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sent when the user posts. Acked after the commit; the room gets message_created."""
        message = self._service.send_message(
            _sid(),
            validate.room_id(data),
            data.get("text"),
            validate.client_id(data),
        )
        return {"ok": True, "message": message.to_wire()}

    @command
    def on_fetch_messages(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to page through history (before_id) or catch up after a reconnect (after_id)."""
        page = self._service.fetch_messages(
            _sid(),
            validate.room_id(data),
            after_id=validate.integer(data, "after_id", required=False, minimum=0),
            before_id=validate.integer(data, "before_id", required=False, minimum=0),
            limit=validate.integer(data, "limit", required=False) or p.FETCH_DEFAULT,
        )
        return {
            "ok": True,
            "messages": [m.to_wire() for m in page.messages],
            "has_more": page.has_more,
        }

    @command
    def on_count_unread(self, data: dict[str, Any]) -> dict[str, Any]:
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
            after = validate.integer(entry, "after_id", minimum=0)
            up_to = validate.integer(entry, "up_to_id", required=False, minimum=0)
            assert after is not None
            marks.append(
                (validate.room_id(entry), after, validate.MAX_ID if up_to is None else up_to)
            )
        return {"ok": True, "counts": self._service.count_unread(_sid(), marks)}

    @command
    def on_list_rooms(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "rooms": self._service.list_rooms(_sid())}

    @command
    def on_create_room(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sent to make a new channel; everyone gets room_created."""
        return {"ok": True, "room": self._service.create_room(_sid(), data.get("name"))}

    @command
    def on_join_room(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "room": self._service.join_room(_sid(), validate.room_id(data))}

    @command
    def on_leave_room(self, data: dict[str, Any]) -> dict[str, Any]:
        self._service.leave_room(_sid(), validate.room_id(data))
        return {"ok": True}

    @command
    def on_list_members(self, data: dict[str, Any]) -> dict[str, Any]:
        members = self._service.list_members(_sid(), validate.room_id(data))
        return {"ok": True, "members": members}

    @command
    def on_typing(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sent every few seconds while the user types; the room's others get `typing`."""
        self._service.typing(_sid(), validate.room_id(data))
        return {"ok": True}

    @command
    def on_get_invite(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sent by the host's own UI for its invite panel (join code and URLs)."""
        return {"ok": True, **self._service.get_invite(_sid())}


def _sid() -> str:
    """The Socket.IO session id of the event being handled (Flask-SocketIO sets it per event)."""
    return str(request.sid)  # type: ignore[attr-defined]


def ack_error(exc: BaseException) -> dict[str, Any]:
    """Default error handler; Flask-SocketIO sends its return value as the ack."""
    if isinstance(exc, ChatError):
        return {"ok": False, "error": exc.to_wire()}
    log.exception("unhandled error in %r", getattr(request, "event", {}).get("message"))
    return {
        "ok": False,
        "error": {"code": "internal", "message": "Something went wrong on the host."},
    }
