"""What clients ask of the host, decoded once at the edge into typed, checked commands.

Every command of docs/protocol.md has a frozen dataclass here whose ``decode(data, limits)`` reads the
event's JSON object field by field (``fields.py``) and raises ``Invalid``/``TooLarge`` with the field's
name; the socket handlers (``web/events.py``) and HTTP routes decode, then hand the command to the
chat rules (``chat/``), which trust its types and shapes and check only who may do what. The same goes
for the handshake's ``auth`` (``decode_auth``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import fields
from . import protocol as p
from .errors import Invalid
from .host_settings import check_host_name, check_join_code
from .models import NOTIFY_LEVELS

C = TypeVar("C")
Data = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Limits:
    """The configurable bounds on what one command may carry (from ``Settings``)."""

    # Above this (encoded) an event is refused with too_large; the connection stays up.
    max_payload_bytes: int = 64 * 1024
    max_text_chars: int = 4000
    # Largest file an upload may announce; a bigger one is refused before any byte is sent.
    max_upload_bytes: int = 100 * 1024 * 1024


def decode(kind: Callable[[Data, Limits], C], args: tuple[Any, ...], limits: Limits) -> C:
    """The command ``kind`` from an event's arguments: exactly one JSON object within the limit."""
    return kind(fields.payload(args, limits.max_payload_bytes), limits)


# -- connecting ------------------------------------------------------------------------------------

_WHO = "Say who you are: a name and the join code, or your device token."


@dataclass(frozen=True, slots=True)
class TokenAuth:
    """A device that joined before, back with its token."""

    token: str


@dataclass(frozen=True, slots=True)
class OwnerAuth:
    """The host's own window, with the one-time key it was started with."""

    key: str


@dataclass(frozen=True, slots=True)
class JoinAuth:
    """A first join from a device: the name to go by and the join code (None: none given)."""

    name: str
    code: str | None


@dataclass(frozen=True, slots=True)
class LinkAuth:
    """A new device opening a one-time sign-in link (chat/devices.py), with its secret."""

    secret: str


Auth = TokenAuth | OwnerAuth | JoinAuth | LinkAuth


def decode_auth(auth: Any) -> Auth:
    if not isinstance(auth, dict):
        raise Invalid(_WHO)
    if "token" in auth:
        return TokenAuth(fields.token(auth["token"], "token"))
    if "owner_key" in auth:
        return OwnerAuth(fields.token(auth["owner_key"], "owner_key"))
    if "link" in auth:
        return LinkAuth(fields.token(auth["link"], "link"))
    if "name" in auth:
        name = auth.get("name")
        if not isinstance(name, str) or not fields.is_text(name):
            raise Invalid("Pick a name to show to others.", field="name")
        code = auth.get("code")
        # Anything but text is no code at all: refused as a wrong guess, and counted as one.
        return JoinAuth(name, code if isinstance(code, str) and fields.is_text(code) else None)
    raise Invalid(_WHO)


# -- messages --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendMessage:
    room_id: int
    text: str  # "" only when the message carries files
    client_id: str
    reply_to: int | None = None
    attachments: tuple[int, ...] = ()

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SendMessage:
        room_id = fields.room_id(data)
        client_id = fields.client_id(data)
        reply_to = fields.integer(data, "reply_to", required=False)
        attachments: tuple[int, ...] = ()
        if "attachments" in data:
            attachments = tuple(fields.id_list(data, "attachments", most=p.MAX_ATTACHMENTS))
        if attachments and data.get("text") in ("", None):
            text = ""  # a file needs no caption
        else:
            text = fields.text(data, limits.max_text_chars)
        return cls(room_id, text, client_id, reply_to, attachments)


@dataclass(frozen=True, slots=True)
class FetchMessages:
    room_id: int
    limit: int
    after_id: int | None = None
    before_id: int | None = None
    around_id: int | None = None

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> FetchMessages:
        room_id = fields.room_id(data)
        after_id = fields.integer(data, "after_id", required=False, minimum=0)
        before_id = fields.integer(data, "before_id", required=False, minimum=0)
        around_id = fields.integer(data, "around_id", required=False)
        limit = fields.limit(data, default=p.FETCH_DEFAULT, most=p.FETCH_MAX)
        if sum(x is not None for x in (after_id, before_id, around_id)) > 1:
            raise Invalid("Give at most one of after_id, before_id and around_id.")
        return cls(room_id, limit, after_id, before_id, around_id)


@dataclass(frozen=True, slots=True)
class FetchChanges:
    room_id: int
    after_rev: int
    limit: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> FetchChanges:
        return cls(
            fields.room_id(data),
            fields.required_int(data, "after_rev", minimum=0),
            fields.limit(data, default=p.FETCH_MAX, most=p.FETCH_MAX),
        )


@dataclass(frozen=True, slots=True)
class EditMessage:
    message_id: int
    text: str

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> EditMessage:
        message_id = fields.required_int(data, "message_id")
        return cls(message_id, fields.text(data, limits.max_text_chars))


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A command about one message and nothing more (delete_message)."""

    message_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> MessageRef:
        return cls(fields.required_int(data, "message_id"))


@dataclass(frozen=True, slots=True)
class React:
    message_id: int
    emoji: str
    on: bool

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> React:
        message_id = fields.required_int(data, "message_id")
        emoji = fields.emoji(data.get("emoji"))
        return cls(message_id, emoji, fields.boolean(data, "on"))


@dataclass(frozen=True, slots=True)
class Search:
    query: str
    limit: int
    room_id: int | None = None
    author_id: int | None = None
    before_id: int | None = None
    # Sent at or after ``after`` and strictly before ``before`` (normalized ISO-8601 UTC): a
    # half-open range, so consecutive days share no instant and "to Friday" is "before Saturday".
    after: str | None = None
    before: str | None = None

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> Search:
        query = fields.search_query(data.get("query"))
        room_id = fields.integer(data, "room_id", required=False)
        author_id = fields.integer(data, "author_id", required=False)
        before_id = fields.integer(data, "before_id", required=False)
        limit = fields.limit(data, default=p.SEARCH_DEFAULT, most=p.SEARCH_MAX)
        after = fields.timestamp(data, "after")
        before = fields.timestamp(data, "before")
        if after is not None and before is not None and after >= before:
            raise Invalid("'after' must be earlier than 'before'.", field="after")
        return cls(query, limit, room_id, author_id, before_id, after, before)


# -- rooms and reading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomRef:
    """A command about one room and nothing more (join, leave, members, typing, read marks)."""

    room_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> RoomRef:
        return cls(fields.room_id(data))


@dataclass(frozen=True, slots=True)
class CreateRoom:
    name: str  # already in its one spelling: lowercase, dashes for spaces

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> CreateRoom:
        return cls(fields.room_name(data.get("name")))


@dataclass(frozen=True, slots=True)
class OpenDm:
    user_ids: tuple[int, ...]

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> OpenDm:
        return cls(tuple(fields.id_list(data, "user_ids", most=p.MAX_DM_USERS)))


@dataclass(frozen=True, slots=True)
class MarkRead:
    room_id: int
    message_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> MarkRead:
        room_id = fields.room_id(data)
        return cls(room_id, fields.required_int(data, "message_id", minimum=0))


@dataclass(frozen=True, slots=True)
class UnreadQuery:
    """One room of count_unread: after ``after_id`` (None: the host's mark), up to ``up_to_id``."""

    room_id: int
    after_id: int | None
    up_to_id: int


@dataclass(frozen=True, slots=True)
class CountUnread:
    rooms: tuple[UnreadQuery, ...]

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> CountUnread:
        rooms = data.get("rooms")
        most = p.MAX_UNREAD_ROOMS
        if not isinstance(rooms, list) or not 1 <= len(rooms) <= most:
            raise Invalid(f"'rooms' must be a list of 1-{most} entries.", field="rooms")
        queries = []
        for entry in rooms:
            if not isinstance(entry, dict):
                raise Invalid(
                    "Each entry of 'rooms' is {room_id, after_id, up_to_id?}.", field="rooms"
                )
            after = fields.integer(entry, "after_id", required=False, minimum=0)
            up_to = fields.integer(entry, "up_to_id", required=False, minimum=0)
            queries.append(
                UnreadQuery(fields.room_id(entry), after, fields.MAX_ID if up_to is None else up_to)
            )
        return cls(tuple(queries))


# -- the host --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenameHost:
    name: str  # host_settings.check_host_name: the one rule, for the flag, env and admin alike

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> RenameHost:
        return cls(check_host_name(data.get("name")))


@dataclass(frozen=True, slots=True)
class SetJoinCode:
    code: str | None  # None: open, anyone may join; "": make a fresh random code

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetJoinCode:
        if "code" not in data:
            raise Invalid("'code' is missing (null turns the code off).", field="code")
        code = data["code"]
        if code is None or code == "":
            return cls(code)
        return cls(check_join_code(code))


@dataclass(frozen=True, slots=True)
class RemoveDevice:
    device_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> RemoveDevice:
        return cls(fields.required_int(data, "device_id"))


# -- bots and webhooks -----------------------------------------------------------------------------

# A bot's avatar when none is picked.
DEFAULT_BOT_AVATAR = "\U0001f916"  # 🤖


@dataclass(frozen=True, slots=True)
class CreateBot:
    name: str  # as sent; chat/bots.py cleans it by the same rules as a person's name
    avatar: str  # one emoji (fields.emoji)

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> CreateBot:
        name = data.get("name")
        if not isinstance(name, str) or not fields.is_text(name):
            raise Invalid("Pick a name for the bot.", field="name")
        avatar = data.get("avatar")
        if avatar is None or avatar == "":
            return cls(name, DEFAULT_BOT_AVATAR)
        try:
            return cls(name, fields.emoji(avatar))
        except Invalid:
            raise Invalid("A bot's avatar is one emoji.", field="avatar") from None


@dataclass(frozen=True, slots=True)
class BotRef:
    """A command about one bot and nothing more (reset_bot_token, revoke_bot)."""

    bot_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> BotRef:
        return cls(fields.required_int(data, "bot_id"))


@dataclass(frozen=True, slots=True)
class CreateWebhook:
    bot_id: int
    room_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> CreateWebhook:
        return cls(fields.required_int(data, "bot_id"), fields.room_id(data))


@dataclass(frozen=True, slots=True)
class WebhookRef:
    webhook_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> WebhookRef:
        return cls(fields.required_int(data, "webhook_id"))


@dataclass(frozen=True, slots=True)
class WebhookPost:
    """A webhook request's JSON body: the text, and a client_id to make a retry safe (None: the
    host makes one, and a retried request posts again)."""

    text: str
    client_id: str | None

    @classmethod
    def decode(cls, data: Any, limits: Limits) -> WebhookPost:
        if not isinstance(data, dict):
            raise Invalid('Send a JSON object: {"text": "..."}.')
        text = fields.text(data, limits.max_text_chars)
        if not fields.is_text(text):  # a lone surrogate ("\ud800") JSON allows, UTF-8 does not
            raise Invalid("The message is not valid text.", field="text")
        return cls(text, fields.client_id(data) if "client_id" in data else None)


@dataclass(frozen=True, slots=True)
class SetBackupSettings:
    """Where the host's backups go, how many the folder keeps, whether one is made daily."""

    folder: str  # an absolute path (whether it can be made and written is the host's to find out)
    keep: int
    daily: bool

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetBackupSettings:
        folder = data.get("folder")
        if (
            not isinstance(folder, str)
            or not 1 <= len(folder.strip()) <= p.BACKUP_FOLDER_MAX_CHARS
            or not fields.is_text(folder)
            or "\x00" in folder
        ):
            raise Invalid("'folder' must be a folder's full path.", field="folder")
        folder = folder.strip()
        if not os.path.isabs(folder):
            raise Invalid(
                "Give the backup folder's full path (like /home/me/backups), not a relative one.",
                field="folder",
            )
        keep = data.get("keep")
        if (
            isinstance(keep, bool)
            or not isinstance(keep, int)
            or not 1 <= keep <= p.BACKUP_KEEP_MAX
        ):
            raise Invalid(f"Keep 1-{p.BACKUP_KEEP_MAX} backups.", field="keep")
        daily = data.get("daily")
        if not isinstance(daily, bool):
            raise Invalid("'daily' must be true or false.", field="daily")
        return cls(os.path.normpath(folder), keep, daily)


def _retention_days(data: Data, *, also: str = "") -> int | None:
    """``days``: a whole number of days in the protocol's bounds, or null (keep forever)."""
    if "days" not in data:
        raise Invalid("'days' is missing (null keeps messages forever).", field="days")
    days = data["days"]
    if days is None:
        return None
    low, high = p.RETENTION_MIN_DAYS, p.RETENTION_MAX_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise Invalid(
            f"'days' must be a whole number of days from {low} to {high}, {also}or null.",
            field="days",
        )
    return days


@dataclass(frozen=True, slots=True)
class SetRetention:
    """The host's default: messages older than ``days`` are deleted (None: kept forever)."""

    days: int | None

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetRetention:
        return cls(_retention_days(data))


@dataclass(frozen=True, slots=True)
class SetRoomRetention:
    """One room's own rule: ``days`` (None: keep forever), or follow the host's default."""

    room_id: int
    days: int | None
    follow_default: bool

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetRoomRetention:
        room_id = fields.room_id(data)
        if data.get("days") == "default":
            return cls(room_id, None, True)
        return cls(room_id, _retention_days(data, also='"default", '), False)


@dataclass(frozen=True, slots=True)
class NoFields:
    """A command that carries nothing but itself (list_rooms, get_invite, admin_info)."""

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> NoFields:
        return cls()


# -- profiles (chat/profiles.py) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetName:
    """A new display name for the caller, as typed (chat/names.py cleans and checks it)."""

    name: str

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetName:
        name = data.get("name")
        if not isinstance(name, str) or not fields.is_text(name) or len(name) > 1024:
            raise Invalid("'name' must be the name to show to others.", field="name")
        return cls(name)


@dataclass(frozen=True, slots=True)
class SetStatus:
    """The caller's status, a short text beside it ("" for none), and whether idleness set it."""

    status: str
    text: str
    auto: bool

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetStatus:
        status = data.get("status")
        if status not in p.STATUSES:
            raise Invalid("'status' must be available, away or dnd.", field="status")
        auto = fields.boolean(data, "auto") if "auto" in data else False
        if auto and status != "away":
            raise Invalid("Only away can be set by idleness.", field="auto")
        return cls(status, fields.status_text(data.get("text", "")), auto)


# -- files (HTTP) ----------------------------------------------------------------------------------

# A name longer than this as sent is refused rather than cut (nobody types 1,024 characters).
FILE_NAME_SENT_MAX = 1024


@dataclass(frozen=True, slots=True)
class NewUpload:
    """A ``POST /api/uploads`` body: a file about to be sent to a room."""

    room_id: int
    name: str  # as sent; chat/files.py makes it safe to show and save
    size: int
    sha256: str  # lowercase hex

    @classmethod
    def decode(cls, data: Any, limits: Limits) -> NewUpload:
        """A file over the limit is refused here, before any byte of it is sent."""
        if not isinstance(data, dict):
            raise Invalid("Send a JSON object with room_id, name, size and sha256.")
        room_id = fields.room_id(data)
        size = fields.required_int(data, "size")
        fields.file_size(size, limits.max_upload_bytes)
        name = data.get("name")
        if not isinstance(name, str) or len(name) > FILE_NAME_SENT_MAX:
            raise Invalid("'name' must be the file's name.", field="name")
        return cls(room_id, name, size, fields.sha256(data.get("sha256")))


# -- export (HTTP query parameters: docs/export.md) ------------------------------------------------

EXPORT_SCOPES = ("host", "room", "mine")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """``GET /api/export?scope=host|room|mine[&room_id=N]``: what to put in the archive."""

    scope: str
    room_id: int | None = None

    @classmethod
    def decode(cls, query: dict[str, list[str]]) -> ExportRequest:
        """From the query string, every parameter given once; anything else is ``invalid``."""
        unknown = sorted(set(query) - {"scope", "room_id"})
        if unknown:
            raise Invalid(f"Unknown parameter {unknown[0]!r}.", field=unknown[0])
        if any(len(values) != 1 for values in query.values()):
            raise Invalid("Give each parameter once.")
        scope = query.get("scope", [""])[0]
        if scope not in EXPORT_SCOPES:
            raise Invalid("scope must be host, room or mine.", field="scope")
        raw = query.get("room_id", [None])[0]
        if scope != "room":
            if raw is not None:
                raise Invalid("room_id goes with scope=room only.", field="room_id")
            return cls(scope)
        if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise Invalid("room_id must be a room's id (a whole number).", field="room_id")
        room_id = int(raw)
        if room_id < 1:
            raise Invalid("room_id must be a room's id (a whole number).", field="room_id")
        return cls(scope, room_id)


# -- notification settings (issue 15; chat/notify.py) ---------------------------------------------

NOTIFY_FLAGS = ("dnd", "sound_channels", "sound_direct")


@dataclass(frozen=True, slots=True)
class SetNotifySettings:
    """Some of the person's flags (each optional, at least one): the rest stay as they are, so
    two devices changing different switches at once do not undo each other."""

    dnd: bool | None
    sound_channels: bool | None
    sound_direct: bool | None

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetNotifySettings:
        given = {key: fields.boolean(data, key) for key in NOTIFY_FLAGS if key in data}
        if not given:
            raise Invalid("Send at least one of 'dnd', 'sound_channels', 'sound_direct'.")
        return cls(given.get("dnd"), given.get("sound_channels"), given.get("sound_direct"))


@dataclass(frozen=True, slots=True)
class SetRoomNotify:
    room_id: int
    level: str

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetRoomNotify:
        room_id = fields.room_id(data)
        level = data.get("level")
        if not isinstance(level, str) or level not in NOTIFY_LEVELS:
            raise Invalid("'level' must be 'all', 'mentions' or 'nothing'.", field="level")
        return cls(room_id, level)


# -- devices and admins (issue 15) -----------------------------------------------------------------


def _device_name(data: Data) -> str:
    """An optional device name: "" when absent; trimmed, 1-DEVICE_NAME_MAX visible characters."""
    value = data.get("name")
    if value is None:
        return ""
    if not isinstance(value, str) or not fields.is_text(value):
        raise Invalid("'name' must be text.", field="name")
    name = " ".join(value.split())
    if len(name) > p.DEVICE_NAME_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise Invalid(f"A device name is at most {p.DEVICE_NAME_MAX} characters.", field="name")
    return name


@dataclass(frozen=True, slots=True)
class CreateDeviceLink:
    """Sign another device in as me: the new device's name, if given ("" reads its browser)."""

    name: str

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> CreateDeviceLink:
        return cls(_device_name(data))


@dataclass(frozen=True, slots=True)
class RecoveryLink:
    user_id: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> RecoveryLink:
        return cls(fields.required_int(data, "user_id"))


@dataclass(frozen=True, slots=True)
class SetAdmin:
    user_id: int
    admin: bool

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> SetAdmin:
        return cls(fields.required_int(data, "user_id"), fields.boolean(data, "admin"))


# -- the people of the host, on demand (issue 17: chat/directory.py) --------------------------------


@dataclass(frozen=True, slots=True)
class GetUsers:
    """Users by id (1..GET_USERS_MAX distinct ids): names the client met but does not know."""

    ids: tuple[int, ...]

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> GetUsers:
        return cls(tuple(fields.id_list(data, "ids", most=p.GET_USERS_MAX)))


@dataclass(frozen=True, slots=True)
class WatchUsers:
    """The people whose presence the client shows (0..WATCH_USERS_MAX distinct ids), replacing
    those it heard of before; and the room whose online count it shows, if any."""

    ids: tuple[int, ...]
    room_id: int | None = None

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> WatchUsers:
        room_id = fields.integer(data, "room_id", required=False)
        ids = data.get("ids")
        if ids == []:  # nobody but itself
            return cls((), room_id)
        return cls(tuple(fields.id_list(data, "ids", most=p.WATCH_USERS_MAX)), room_id)


@dataclass(frozen=True, slots=True)
class ListUsers:
    """A page of the host's users by id, after ``after_id`` (0: from the start)."""

    after_id: int
    limit: int

    @classmethod
    def decode(cls, data: Data, limits: Limits) -> ListUsers:
        after_id = fields.integer(data, "after_id", required=False, minimum=0) or 0
        return cls(after_id, fields.limit(data, default=p.LIST_USERS_MAX, most=p.LIST_USERS_MAX))
