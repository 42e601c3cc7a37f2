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

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "is_host": self.is_host}

    def ref(self) -> dict[str, Any]:
        """The short form carried inside messages and typing events."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    name: str
    kind: str
    created_at: str
    last_message_id: int = 0

    def to_wire(self, *, member: bool) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "created_at": self.created_at,
            "member": member,
            "last_message_id": self.last_message_id,
        }


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    room_id: int
    client_id: str
    author: User
    text: str
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "room_id": self.room_id,
            "client_id": self.client_id,
            "author": self.author.ref(),
            "text": self.text,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Page:
    """One page of history: messages in ascending id, and whether more lie beyond it."""

    messages: list[Message]
    has_more: bool
