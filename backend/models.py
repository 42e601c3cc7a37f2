"""Domain records: frozen dataclasses with their wire form (``to_wire``).

Storage builds them; the service hands them around; the transport sends ``to_wire()``. Nothing here
knows SQL, Flask or Socket.IO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def utc_now() -> str:
    """ISO-8601 UTC with milliseconds and a Z: sortable as text, parseable by every browser."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    is_host: bool = False
    # A bot user (chat/bots.py): made by the host user, signs in with its token only.
    is_bot: bool = False
    avatar: str | None = None  # bots only: one emoji
    # Made an admin by the host person (chat/devices.py); the host person always is one.
    is_admin: bool = False

    @property
    def admin(self) -> bool:
        """May run the host's panels (settings, invite, bots, backups): the host person or an
        admin they made."""
        return self.is_host or self.is_admin

    # Profiles (chat/profiles.py): "available", "away" or "dnd", a short text, and whether the
    # away was set by idleness (any device's activity then takes it back).
    status: str = "available"
    status_text: str = ""
    status_auto: bool = False
    # False for the host person until they said what to be called (the desktop window asks).
    name_chosen: bool = True

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"id": self.id, "name": self.name, "is_host": self.is_host}
        wire["bot"] = self.is_bot
        wire["admin"] = self.admin
        if self.avatar is not None:
            wire["avatar"] = self.avatar
        wire["status"] = self.status
        wire["status_text"] = self.status_text
        if self.status_auto:
            wire["status_auto"] = True
        return wire

    def ref(self) -> dict[str, Any]:
        """The short form carried inside messages and typing events (``bot`` only for bots)."""
        if self.is_bot:
            return {"id": self.id, "name": self.name, "bot": True}
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    name: str
    kind: str
    created_at: str
    last_message_id: int = 0
    last_rev: int = 0
    # Direct messages only: every participant, in id order.
    members: tuple[User, ...] = ()
    # Retention (chat/retention.py): messages older than this many days are deleted (None: kept
    # forever), and whether the room set that itself rather than following the host's default.
    retention_days: int | None = None
    retention_own: bool = False

    @property
    def is_dm(self) -> bool:
        return self.kind == "dm"

    def to_wire(self, *, member: bool, last_read_id: int = 0) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "created_at": self.created_at,
            "member": member,
            "last_message_id": self.last_message_id,
            "last_rev": self.last_rev,
            "last_read_id": last_read_id,
            "retention_days": self.retention_days,
            "retention_own": self.retention_own,
        }
        if self.is_dm:
            wire["members"] = [m.ref() for m in self.members]
        return wire


@dataclass(frozen=True, slots=True)
class Attachment:
    """A completed upload (the wire's File)."""

    id: int
    room_id: int
    name: str
    size: int
    mime: str
    kind: str  # "image" (PNG/JPEG/GIF/WebP, from the bytes) or "file"
    sha256: str
    uploader_id: int = 0
    message_id: int | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "mime": self.mime,
            "kind": self.kind,
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class Upload:
    """An upload in progress. Its offset is not stored: it is the size of the bytes on disk."""

    id: str
    user_id: int
    room_id: int
    name: str
    size: int
    sha256: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Quote:
    """The message a reply answers, as shown above the reply."""

    id: int
    author: User
    snippet: str
    deleted: bool
    # The message is gone by retention (chat/retention.py): no author or text to show any more;
    # ``deleted`` is set too, so a client that does not know ``expired`` still shows something sane.
    expired: bool = False

    def to_wire(self) -> dict[str, Any]:
        wire = {
            "id": self.id,
            "author": self.author.ref(),
            "snippet": self.snippet,
            "deleted": self.deleted,
        }
        if self.expired:  # only then: every other quote keeps the shape it always had
            wire["expired"] = True
        return wire


@dataclass(frozen=True, slots=True)
class Reaction:
    emoji: str
    user_ids: tuple[int, ...]

    def to_wire(self) -> dict[str, Any]:
        return {"emoji": self.emoji, "user_ids": list(self.user_ids)}


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    room_id: int
    client_id: str
    author: User
    text: str
    created_at: str
    reply_to: Quote | None = None
    edited_at: str | None = None
    deleted: bool = False
    rev: int = 0
    reactions: tuple[Reaction, ...] = ()
    mentions: tuple[int, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "room_id": self.room_id,
            "client_id": self.client_id,
            "author": self.author.ref(),
            "text": self.text,
            "created_at": self.created_at,
            "reply_to": self.reply_to.to_wire() if self.reply_to else None,
            "edited_at": self.edited_at,
            "deleted": self.deleted,
            "rev": self.rev,
            "reactions": [r.to_wire() for r in self.reactions],
            "mentions": list(self.mentions),
            "attachments": [a.to_wire() for a in self.attachments],
        }


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result: the message, and what of it matched the words (its text, the names of
    some of its files, or both), so a client can say why it is there."""

    message: Message
    text: bool
    file_ids: tuple[int, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.message.to_wire(),
            "match": {"text": self.text, "files": list(self.file_ids)},
        }


@dataclass(frozen=True, slots=True)
class Page:
    """One page of history: messages in ascending id, and whether more lie beyond it."""

    messages: list[Message]
    has_more: bool
    has_more_after: bool = False
    # The room's last_rev when the page was read: the client's starting point for fetch_changes.
    rev: int = 0


@dataclass(frozen=True, slots=True)
class Webhook:
    """An incoming webhook: a secret URL that posts as ``bot_id`` into ``room_id``."""

    id: int
    bot_id: int
    room_id: int
    room_name: str
    secret_hash: str  # sha256 of the secret; the secret itself is shown once and never stored
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bot_id": self.bot_id,
            "room_id": self.room_id,
            "room_name": self.room_name,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Device:
    id: int
    user: User
    label: str
    created_at: str
    last_seen_at: str
    # Given by its person or read from its browser's user agent (chat/devices.py); "" for old rows.
    name: str = ""


@dataclass(frozen=True, slots=True)
class SignInLink:
    """A one-time sign-in link (chat/devices.py): who it signs in, and until when."""

    id: int
    user_id: int
    kind: str  # "device" (made by its own person) or "recovery" (made by an admin)
    name: str  # the new device's name, if one was given
    issued_by: int | None
    expires_at: str


# A room's notification level (issue 15): every message, only those that mention the person, or
# nothing at all (a muted room).
NOTIFY_LEVELS = ("all", "mentions", "nothing")


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """One person's notification settings, the same on all their devices (chat/notify.py).

    ``rooms`` holds only the rooms whose level is not the default ``all``.
    """

    dnd: bool = False
    sound_channels: bool = False  # a sound for a channel message that does not mention them
    sound_direct: bool = True  # a sound for a direct message or a mention
    rooms: tuple[tuple[int, str], ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "dnd": self.dnd,
            "sound_channels": self.sound_channels,
            "sound_direct": self.sound_direct,
            "rooms": [{"room_id": room_id, "level": level} for room_id, level in self.rooms],
        }
