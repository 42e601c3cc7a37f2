"""The storage seam: what the chat rules may ask of a store, whatever engine is behind it.

A ``Store`` is one connection's worth of row groups (users, rooms, messages, ...), each a small
object whose methods say what they do to the rows and return models, never engine rows. The chat
rules see only this module's protocols; ``storage/sqlite/`` (the embedded default) and
``storage/postgres/`` implement them, each run by the same worker (``storage/worker.py``) through a
``Backend``.

Contracts every implementation keeps (docs/storage.md):

- A store never commits on its own: the worker wraps a batch of jobs in one transaction, each job
  in a savepoint (``begin``/``savepoint``/``release_savepoint``/``rollback_to_savepoint``/
  ``commit``/``rollback``), and only the worker calls those.
- Message ids increase across the whole host and are never reused (they are the resume offset);
  ``next_rev`` numbers never repeat.
- ``(author, client_id)`` identifies a message: inserting it again returns the stored one.
- Read marks only move forward.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from ..archive import AttachmentRecord, MessageRecord, RoomRecord, UserRecord
from ..models import (
    Attachment,
    Device,
    Message,
    NotifySettings,
    Page,
    Room,
    SearchHit,
    SignInLink,
    Upload,
    User,
    Webhook,
)

T = TypeVar("T")

# The setting (``SettingRows``) holding the host's default retention in days (chat/retention.py);
# rooms read it to carry their effective rule.
RETENTION_KEY = "retention_days"


class UserRows(Protocol):
    """Users and their three name keys, each unique (chat/names.py says what they are).

    The two look keys (``skeleton``, ``shape``) may be missing (None): on users stored before
    they existed, until the chat rules fill them in, and on a user whose name looked like an
    older user's then (the older one keeps the key; both keep their names and devices).
    """

    def get(self, user_id: int) -> User | None: ...
    def by_name_key(self, name_key: str) -> User | None: ...
    def by_skeleton(self, skeleton: str) -> User | None: ...
    def by_shape(self, shape: str) -> User | None: ...
    def without_look_keys(self) -> list[User]:
        """Users missing either look key, by id (oldest first)."""
        ...

    def set_look_keys(self, user_id: int, skeleton: str | None, shape: str | None) -> None: ...
    def host(self) -> User | None:
        """The host's own user (the first one marked as host), if it exists yet."""
        ...

    def all(self) -> list[User]:
        """Every user, by name key."""
        ...

    def some(self, ids: Sequence[int]) -> list[User]:
        """The users with these ids that exist, by id (issue 17: a client asks for the names it
        does not know)."""
        ...

    def page(self, after_id: int, limit: int) -> list[User]:
        """Up to ``limit`` users with an id above ``after_id``, by id."""
        ...

    def insert(
        self,
        name: str,
        name_key: str,
        *,
        skeleton: str | None = None,
        shape: str | None = None,
        is_host: bool = False,
        is_bot: bool = False,
        avatar: str | None = None,
    ) -> User: ...
    def bots(self) -> list[User]:
        """Every bot user, by name key."""
        ...

    def set_admin(self, user_id: int, admin: bool) -> User | None:
        """Make a person an admin or not (bots and the host person are left as they are)."""
        ...

    def rename(self, user_id: int, name: str, name_key: str, skeleton: str, shape: str) -> None:
        """A new name with its three keys (the caller checked they are free); the name counts
        as chosen by the person from now on."""
        ...

    def set_status(self, user_id: int, status: str, text: str, auto: bool) -> None:
        """The person's status, its short text, and whether idleness set it."""
        ...


class DeviceRows(Protocol):
    def insert(self, user_id: int, token_hash: str, label: str = "", name: str = "") -> int:
        """A new device; returns its id. Only the token's hash is ever stored."""
        ...

    def seen(self, device_id: int) -> None:
        """The device connected now (its last_seen_at)."""
        ...

    def set_name(self, device_id: int, name: str) -> None: ...
    def list_of_user(self, user_id: int) -> list[Device]:
        """The user's devices, oldest first."""
        ...

    def replace_token(self, user_id: int, label: str, token_hash: str) -> int:
        """Give the user's device with this label a new token (created if missing); its id."""
        ...

    def by_token_hash(self, token_hash: str) -> tuple[User, int] | None:
        """The user and the device id a token belongs to."""
        ...

    def get(self, device_id: int) -> Device | None: ...
    def all(self) -> list[Device]: ...
    def delete(self, device_id: int) -> bool: ...
    def of_user(self, user_id: int) -> list[int]:
        """The ids of the user's devices."""
        ...

    def of_some(self, user_ids: Sequence[int]) -> dict[int, list[int]]:
        """The ids of each of these users' devices (an empty list for one with none), in one
        query (callers keep lists under SQLite's 32,766 variables)."""
        ...

    def delete_of_user(self, user_id: int) -> list[int]:
        """Delete every device of the user (its tokens stop working); their ids."""
        ...


class SignInLinkRows(Protocol):
    """One-time sign-in links (chat/devices.py), by the sha256 of their secret."""

    def insert(
        self,
        user_id: int,
        secret_hash: str,
        kind: str,
        expires_at: str,
        *,
        name: str = "",
        issued_by: int | None = None,
    ) -> int: ...
    def take(self, secret_hash: str, now: str) -> SignInLink | None:
        """The link if unexpired at ``now``; it is deleted either way (it works once)."""
        ...

    def delete_of_user(self, user_id: int, kind: str) -> int: ...
    def delete_expired(self, now: str) -> int: ...


class SettingRows(Protocol):
    def get(self, key: str) -> tuple[bool, str | None]:
        """(whether the setting was ever made, its value, which may be None on purpose)."""
        ...

    def set(self, key: str, value: str | None) -> None: ...


class RoomRows(Protocol):
    def get(self, room_id: int) -> Room | None:
        """The room; a direct message with its members."""
        ...

    def by_name_key(self, name_key: str) -> Room | None: ...
    def by_dm_key(self, dm_key: str) -> Room | None: ...
    def visible_to(self, user_id: int) -> list[Room]:
        """Every channel, and the direct messages the user is in."""
        ...

    def insert(
        self,
        name: str,
        name_key: str | None,
        *,
        kind: str,
        created_by: int | None,
        dm_key: str | None = None,
    ) -> Room: ...

    def set_retention(self, room_id: int, days: int | None) -> bool:
        """The room's own retention (None: the host's default; 0: keep forever); False: no room."""
        ...

    def with_retention(self) -> list[tuple[int, int]]:
        """(room id, days) for every room whose messages expire, by its own rule or the host's."""
        ...


class MemberRows(Protocol):
    def room_ids_of(self, user_id: int) -> set[int]: ...
    def room_ids_of_some(self, user_ids: Sequence[int]) -> dict[int, set[int]]:
        """``room_ids_of`` each of these users, in one query (lists kept as for ``of_some``)."""
        ...

    def contains(self, room_id: int, user_id: int) -> bool: ...
    def insert(self, room_id: int, user_id: int) -> bool:
        """Add a member; False when they were one already."""
        ...

    def delete(self, room_id: int, user_id: int) -> bool: ...
    def of_room(self, room_id: int) -> list[User]:
        """The room's members, by name key."""
        ...

    def ids_of_room(self, room_id: int) -> list[int]:
        """The room's members' ids (no records: a count of those online, chat/room_counts.py)."""
        ...


class ReadMarkRows(Protocol):
    def get(self, user_id: int, room_id: int) -> int:
        """The user's read mark in the room (0: nothing read)."""
        ...

    def of_user(self, user_id: int) -> dict[int, int]: ...
    def of_room(self, room_id: int) -> list[tuple[int, int]]:
        """(user id, mark) for every member of the room, 0 for those who never read."""
        ...

    def set(self, user_id: int, room_id: int, message_id: int) -> tuple[int, bool]:
        """Move the mark forward only; (the mark now, whether it moved)."""
        ...

    def count_unread(
        self, room_id: int, after_id: int, up_to_id: int, reader: int, cap: int
    ) -> tuple[int, int]:
        """(messages, mentions of ``reader``) with after_id < id <= up_to_id, written by someone
        else and not deleted, each capped at ``cap``."""
        ...


class MessageRows(Protocol):
    def insert(
        self, room_id: int, author: User, client_id: str, text: str, reply_to: int | None = None
    ) -> tuple[Message, bool]:
        """Insert unless (author, client_id) exists; (message, created). A new message comes back
        without quote, mentions or attachments: add those, then ``get`` it again if it has any."""
        ...

    def get(self, message_id: int) -> Message | None: ...
    def room_of(self, message_id: int) -> int | None:
        """The room a message is in (None: no such message)."""
        ...

    def page(
        self, room_id: int, *, after_id: int | None, before_id: int | None, limit: int
    ) -> Page:
        """A page of a room's history in ascending id (fetch_messages in docs/protocol.md)."""
        ...

    def around(self, room_id: int, around_id: int, limit: int) -> Page:
        """Up to ``limit`` messages centred on ``around_id`` (included if it exists)."""
        ...

    def changes(self, room_id: int, after_rev: int, limit: int) -> tuple[list[Message], bool]:
        """Messages of a room changed after change number ``after_rev``, in change order."""
        ...

    def last_rev(self, room_id: int) -> int: ...
    def next_rev(self) -> int:
        """The next host-wide change number."""
        ...

    def set_text(self, message_id: int, text: str, rev: int) -> None: ...
    def tombstone(self, message_id: int, rev: int) -> None:
        """Blank a message and drop its reactions, mentions and file rows; the row stays."""
        ...

    def set_rev(self, message_id: int, rev: int) -> None: ...
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
        """Newest-first matches for the words a person typed, in the text or in a file name of the
        non-deleted messages of the user's rooms, sent at or after ``after`` and before ``before``
        (ISO-8601 UTC as stored); (page, more to come)."""
        ...

    def count(self) -> int: ...
    def created_before(self, room_id: int, created_at: str, limit: int) -> list[int]:
        """Up to ``limit`` ids of the room's messages created before ``created_at``, oldest first."""
        ...

    def delete_created_before(
        self, room_id: int, ids: list[int], created_at: str
    ) -> tuple[list[int], list[str]]:
        """Delete those of ``ids`` still in the room and created before ``created_at``, with their
        reactions, mentions, search entries and file rows; replies to them stay and remember the
        id. Returns (the ids deleted, the content hashes their file rows named)."""
        ...


class MentionRows(Protocol):
    def insert(self, message_id: int, user_ids: Iterable[int]) -> None: ...
    def replace(self, message_id: int, user_ids: Iterable[int]) -> None: ...


class ReactionRows(Protocol):
    def add(self, message_id: int, user_id: int, emoji: str) -> bool: ...
    def remove(self, message_id: int, user_id: int, emoji: str) -> bool: ...
    def count_kinds(self, message_id: int) -> int: ...


class UploadRows(Protocol):
    def insert(
        self, upload_id: str, user_id: int, room_id: int, name: str, size: int, sha256: str
    ) -> Upload: ...
    def get(self, upload_id: str) -> Upload | None: ...
    def find(self, user_id: int, room_id: int, size: int, sha256: str) -> Upload | None:
        """The user's unfinished upload of exactly this content to this room, if any."""
        ...

    def usage_of_user(self, user_id: int) -> tuple[int, int]:
        """How many unfinished uploads the user has, and the bytes they announced."""
        ...

    def reserved(self) -> int:
        """The bytes announced by every unfinished upload (of everyone)."""
        ...

    def ids(self) -> set[str]: ...
    def delete_created_before(self, created_at: str) -> list[str]:
        """Delete uploads older than ``created_at``; their ids."""
        ...

    def delete(self, upload_id: str) -> bool: ...


class FileRows(Protocol):
    def insert(
        self,
        room_id: int,
        uploader_id: int,
        name: str,
        size: int,
        mime: str,
        kind: str,
        sha256: str,
    ) -> Attachment: ...
    def get(self, file_id: int) -> Attachment | None: ...
    def named(self, hashes: list[str]) -> set[str]:
        """Those of ``hashes`` some file row names (their bytes must stay)."""
        ...

    def unattached_of_user(self, uploader_id: int) -> tuple[int, int]:
        """How many finished files the user uploaded that are not attached to a message yet,
        and their bytes."""
        ...

    def delete_unattached_before(self, created_at: str) -> int:
        """Delete every file row not attached to a message and created before ``created_at``;
        how many."""
        ...

    def delete_unattached(self, file_id: int, uploader_id: int) -> str | None:
        """Delete the uploader's file row if it is not attached to a message; its content hash
        (None: no such unattached file of theirs)."""
        ...

    def attach(self, message_id: int, room_id: int, uploader_id: int, file_ids: list[int]) -> int:
        """Attach the uploader's unattached files of this room; how many were attached."""
        ...


class WebhookRows(Protocol):
    """Incoming webhooks; only each secret's hash is stored."""

    def insert(self, bot_id: int, room_id: int, secret_hash: str) -> int:
        """A new webhook; its id."""
        ...

    def get(self, webhook_id: int) -> Webhook | None: ...
    def all(self) -> list[Webhook]:
        """Every webhook, by id."""
        ...

    def delete(self, webhook_id: int) -> bool: ...
    def delete_of_bot(self, bot_id: int) -> int:
        """Delete the bot's webhooks; how many."""
        ...


class NotifyRows(Protocol):
    """Each person's notification settings (chat/notify.py); no row means the defaults."""

    def of_user(self, user_id: int) -> NotifySettings: ...
    def set_flags(
        self, user_id: int, dnd: bool, sound_channels: bool, sound_direct: bool
    ) -> None: ...

    def set_room(self, user_id: int, room_id: int, level: str) -> None:
        """The person's level in the room; ``all`` (the default) removes their row."""
        ...


class ArchiveRows(Protocol):
    """Export and import (docs/export.md): history as archive records a page at a time, and rows
    written with the times and links an archive carries (chat/export.py has the rules)."""

    def last_message_id(self) -> int: ...
    def room_ids(self, *, dms_of: int | None = None) -> list[int]:
        """Every room's id, or only the direct messages ``dms_of`` is in."""
        ...

    def room_by_name(self, name: str) -> int | None: ...
    def room_by_dm_key(self, dm_key: str) -> int | None: ...
    def rooms(self, room_ids: list[int]) -> list[RoomRecord]: ...
    def users_after(self, after_id: int, limit: int) -> list[tuple[int, UserRecord]]: ...
    def users_named(self, names: list[str]) -> list[UserRecord]: ...
    def messages(
        self, room_id: int, after_id: int, up_to_id: int, limit: int
    ) -> list[MessageRecord]:
        """A room's messages with after_id < id <= up_to_id, oldest first."""
        ...

    def insert_user(
        self, name: str, name_key: str, skeleton: str, shape: str, created_at: str
    ) -> int: ...
    def insert_room(
        self,
        kind: str,
        name: str,
        name_key: str | None,
        dm_key: str | None,
        created_by: int | None,
        created_at: str,
    ) -> int: ...
    def message_of(self, author_id: int, client_id: str) -> tuple[int, int] | None:
        """(id, room id) of the author's message with this client_id, if stored."""
        ...

    def insert_message(
        self, room_id: int, author_id: int, record: MessageRecord, reply_to: int | None
    ) -> int: ...
    def insert_reactions(
        self, message_id: int, created_at: str, rows: Iterable[tuple[str, int]]
    ) -> None:
        """(emoji, user id) pairs, in the order they were first added."""
        ...

    def insert_file(
        self,
        room_id: int,
        uploader_id: int,
        message_id: int,
        file: AttachmentRecord,
        created_at: str,
    ) -> None: ...


class Store(Protocol):
    """One connection's row groups, plus the transaction calls only the worker makes."""

    @property
    def users(self) -> UserRows: ...
    @property
    def devices(self) -> DeviceRows: ...
    @property
    def settings(self) -> SettingRows: ...
    @property
    def sign_in_links(self) -> SignInLinkRows: ...
    @property
    def rooms(self) -> RoomRows: ...
    @property
    def members(self) -> MemberRows: ...
    @property
    def reads(self) -> ReadMarkRows: ...
    @property
    def messages(self) -> MessageRows: ...
    @property
    def mentions(self) -> MentionRows: ...
    @property
    def reactions(self) -> ReactionRows: ...
    @property
    def uploads(self) -> UploadRows: ...
    @property
    def files(self) -> FileRows: ...
    @property
    def webhooks(self) -> WebhookRows: ...
    @property
    def archive(self) -> ArchiveRows: ...
    @property
    def notify(self) -> NotifyRows: ...

    def integrity_check(self) -> str: ...

    def begin(self) -> None: ...
    def savepoint(self) -> None: ...
    def release_savepoint(self) -> None: ...
    def rollback_to_savepoint(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None:
        """Undo the open transaction, if there is one."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    """An engine the worker can open stores on."""

    def open_writer(self) -> Store:
        """The read-write store; brings the schema up to date first."""
        ...

    def open_reader(self) -> Store:
        """A read-only store that sees every committed write."""
        ...

    def translate(self, exc: BaseException) -> BaseException:
        """The engine's error as the chat rules know it (a full disk: ``errors.StorageFull``);
        anything else unchanged."""
        ...

    def snapshot(self, target: Path, progress: Progress) -> None:
        """Copy the database, as it stood at one instant, into the new file ``target`` (0600),
        while others keep writing; blocking, for a worker thread. ``progress(done, total)``."""
        ...

    def inspect(self, path: Path) -> Snapshot:
        """Check a copy ``snapshot`` made (or a restored one) and say what it holds.

        :raise ValueError: the file is not a healthy database of this engine.
        """
        ...


# Work done so far and in all (pages, bytes): called from the thread doing the work.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a database copy holds (``Backend.inspect``): for a backup's manifest and a restore."""

    schema_version: int
    newest_schema: int  # the newest schema this program knows; a copy above it cannot be used
    integrity: str  # "ok", or what the engine's own check found
    host_name: str | None
    counts: dict[str, int]  # users, rooms, messages, files
    blobs: list[str]  # the SHA-256 of every stored file a row names, each once


class Database(Protocol):
    """How the chat rules run storage work: off the event loop, waited for cooperatively."""

    def write(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` inside the writer's next transaction; returns once it is committed."""
        ...

    def read(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` on a reader; sees every write committed before the call."""
        ...
