"""Export and import (docs/export.md): who may export what, how history becomes an archive a page at
a time, and how an archive's records become rows again, idempotently.

Who may export what:

- ``host``: everything; the host user only.
- ``room``: one room; the host user, or a member of it (a channel one is not in: forbidden; a DM
  one is not in, or no such room: not found, as for every other request).
- ``mine``: the caller's own direct messages, with their files; anyone.

Device tokens and join codes are never exported: no query here reads them.

Import (the host user, or ``parley import`` on a data dir no host is serving) matches what exists:
users by name (the name rules of names.py: a look-alike of a different user is a conflict), channels
by name, direct messages by their set of participants, messages by (author, client_id), files by
content. What exists is left as it is, so importing the same archive twice changes nothing the
second time. Imported messages keep their times but get new ids, larger than any before (ids are
the resume offset: connected clients learn of them through ``message_created``, others on their
next catch-up). The archive is checked whole (names, sizes, every SHA-256, every record, every
reference) before anything is stored.

Plain Python: storage work goes through the ``Database`` it is given, blocking file work through
the ``Offload``; the host passes its worker and thread pool, ``backend/offline.py`` direct calls.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from .. import commands as c
from .. import protocol as p
from ..archive import (
    FORMAT,
    ROOMS,
    USERS,
    VERSION,
    Archive,
    ArchiveError,
    ArchiveWriter,
    MessageRecord,
    RoomRecord,
    UserRecord,
    open_archive,
)
from ..errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from ..fields import CLIENT_ID, ROOM_NAME
from ..fields import emoji as check_emoji
from ..models import Message, Room, User, utc_now
from ..storage.blobs import Blob, BlobStore, HashMismatch
from ..storage.interface import Database, Store
from .context import Context, Offload
from .files import safe_name
from .mentions import Names
from .names import check_visible, clean_name, look_keys, name_key
from .rooms import MAX_DM_OTHERS

log = logging.getLogger(__name__)

# Messages per storage job and per write to the zip: one page in memory at a time.
PAGE = 500
# Users per page of the whole-host export.
USER_PAGE = 1000
# New messages of one room an import announces live (the newest); a client sees older ones as it
# scrolls back, and every one on its next catch-up. A whole history as events would swamp it.
LIVE_MAX = 1000
# Archives built at once (host-wide, one per user): each takes pool threads and disk while it lasts.
MAX_BUILDING = 2


@dataclass(frozen=True, slots=True)
class HostInfo:
    id: str
    name: str


@dataclass
class ImportResult:
    """What an import added (all zero: everything was there already)."""

    users: int = 0
    rooms: int = 0
    messages: int = 0
    files: int = 0
    # Messages the archive holds that were stored already (matched by author and client_id).
    existing: int = 0
    new_users: list[User] = field(default_factory=list)
    new_rooms: list[int] = field(default_factory=list)
    # Room id → the users the import made members of it (new rooms and existing ones).
    joined: dict[int, list[int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "users": self.users,
            "rooms": self.rooms,
            "messages": self.messages,
            "files": self.files,
            "existing_messages": self.existing,
        }


# -- export ----------------------------------------------------------------------------------------


def write_archive(
    db: Database,
    run: Offload,
    blobs: BlobStore,
    host: HostInfo,
    scope: str,
    room_ids: list[int],
    directory: Path,
    target: Path | None = None,
) -> tuple[Path, dict[str, int]]:
    """Write the archive of these rooms (``scope`` as the manifest says it) into ``directory`` (or
    to ``target``); its path and counts. Only messages stored when it starts are included."""
    writer: ArchiveWriter = run(ArchiveWriter, directory)
    try:
        counts = _write(db, run, blobs, writer, scope, room_ids)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": utc_now(),
            "scope": scope,
            "host": {"id": host.id, "name": host.name},
            "counts": counts,
        }
        path: Path = run(writer.finish, manifest, target)
        return path, counts
    except BaseException:
        run(writer.abort)
        raise


def _write(
    db: Database,
    run: Offload,
    blobs: BlobStore,
    writer: ArchiveWriter,
    scope: str,
    room_ids: list[int],
) -> dict[str, int]:
    up_to, rooms = db.read(lambda s: (s.archive.last_message_id(), s.archive.rooms(room_ids)))
    named: set[str] = set()
    counts = {"users": 0, "rooms": len(rooms), "messages": 0, "files": 0, "missing_files": 0}
    for room in rooms:
        named.update(room.members)
        if room.created_by:
            named.add(room.created_by)
        run(writer.begin_jsonl, room.path)
        pending: list[str] = []
        after = 0
        while True:  # bounded: each page moves ``after`` forward, up to ``up_to``
            page = db.read(partial(_message_page, room.id, after, up_to))
            if not page:
                break
            for message in page:
                named.add(message.author)
                for _, reactors in message.reactions:
                    named.update(reactors)
                pending += [a.sha256 for a in message.attachments]
            run(writer.lines, [m.to_json() for m in page])
            counts["messages"] += len(page)
            after = page[-1].id
        run(writer.end)
        for sha256 in pending:  # a zip takes one entry at a time: the room's files after it
            if f"files/{sha256}" in writer.names:
                continue
            if run(blobs.size, sha256) is None:
                log.error("export: the bytes of file %s are missing from the data dir", sha256)
                counts["missing_files"] += 1
                continue
            run(writer.add_file, sha256, blobs.blob_path(sha256))
            counts["files"] += 1
    run(writer.begin_jsonl, USERS)
    if scope == "host":
        after = 0
        while True:  # bounded: ids only grow
            users = db.read(partial(_user_page, after))
            if not users:
                break
            run(writer.lines, [u.to_json() for _, u in users])
            counts["users"] += len(users)
            after = users[-1][0]
    else:
        listed = sorted(named)
        records = db.read(lambda s: s.archive.users_named(listed))
        run(writer.lines, [u.to_json() for u in records])
        counts["users"] = len(records)
    run(writer.end)
    run(writer.begin_jsonl, ROOMS)
    run(writer.lines, [r.to_json() for r in rooms])
    run(writer.end)
    return counts


# -- import ----------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What the first pass learned: the archive's users and rooms (their messages are read again,
    a page at a time, when they are stored)."""

    users: list[UserRecord]
    rooms: list[RoomRecord]


def check_archive(archive: Archive) -> _Plan:
    """Read every record once and refuse the archive unless every one is valid and every name and
    id it refers to is in it (blocking; run it off the event loop)."""
    users: dict[str, UserRecord] = {}
    keys: set[str] = set()
    for user in archive.users():
        try:
            name = clean_name(user.name)
            check_visible(name)
        except Invalid as exc:
            raise ArchiveError(f"users.jsonl: {user.name!r}: {exc.message}") from None
        if name != user.name:
            raise ArchiveError(f"users.jsonl: {user.name!r} is not a name as Parley stores one.")
        if name_key(name) in keys:
            raise ArchiveError(f"users.jsonl names {user.name!r} twice.")
        keys.add(name_key(name))
        users[user.name] = user
    rooms: list[RoomRecord] = []
    seen: set[str] = set()
    for room in archive.rooms():
        where = f"rooms.jsonl: room {room.id}"
        if room.path in seen:
            raise ArchiveError(f"{where} is listed twice.")
        seen.add(room.path)
        if room.kind == "channel" and not ROOM_NAME.match(room.name):
            raise ArchiveError(f"{where}: {room.name!r} is not a channel name.")
        if room.kind == "dm" and (
            room.name != "" or not 2 <= len(set(room.members)) <= MAX_DM_OTHERS + 1
        ):
            raise ArchiveError(f"{where}: a direct message has no name and 2-8 participants.")
        for name in (*room.members, *([room.created_by] if room.created_by else [])):
            if name not in users:
                raise ArchiveError(f"{where} names {name!r}, who is not in users.jsonl.")
        ids: set[int] = set()
        last = 0
        for message in archive.messages(room):
            _check_message(archive, message, users, ids, last, room.path)
            ids.add(message.id)
            last = message.id
        rooms.append(room)
    return _Plan(list(users.values()), rooms)


def _check_message(
    archive: Archive,
    message: MessageRecord,
    users: dict[str, UserRecord],
    earlier: set[int],
    last: int,
    where: str,
) -> None:
    where = f"{where} message {message.id}"
    if message.id <= last:
        raise ArchiveError(f"{where}: messages must be oldest first (ascending ids).")
    if not CLIENT_ID.match(message.client_id):
        raise ArchiveError(f"{where}: client_id {message.client_id!r} is not one Parley stores.")
    for emoji, _ in message.reactions:
        try:
            check_emoji(emoji)
        except Invalid:
            raise ArchiveError(f"{where}: {emoji!r} is not one emoji.") from None
    names = [message.author, *(u for _, users_ in message.reactions for u in users_)]
    for name in names:
        if name not in users:
            raise ArchiveError(f"{where} names {name!r}, who is not in users.jsonl.")
    if message.reply_to is not None and message.reply_to not in earlier:
        raise ArchiveError(f"{where} replies to {message.reply_to}, not an earlier message here.")
    for attachment in message.attachments:
        if not archive.has_file(attachment.sha256):
            raise ArchiveError(f"{where}: its file {attachment.path} is not in the archive.")


class Importer:
    """Stores a checked archive: users and rooms first (one transaction, so a conflict stores
    nothing), then each room's messages a page at a time, their files before them."""

    def __init__(
        self,
        db: Database,
        run: Offload,
        blobs: BlobStore,
        names: Names,
        on_rooms: Callable[[ImportResult], None] | None = None,
        on_messages: Callable[[int, list[int]], None] | None = None,
    ) -> None:
        self._db = db
        self._run = run
        self._blobs = blobs
        self._names = names
        # Told once users and rooms are committed, then (room id, its newest LIVE_MAX new message
        # ids) after each room: the host publishes them (rooms first, so members are subscribed).
        self._on_rooms = on_rooms
        self._on_messages = on_messages

    def run(self, path: Path, max_bytes: int) -> ImportResult:
        """Check the archive at ``path`` whole, then store what is missing.

        :raises ArchiveError: anything wrong with the archive (nothing stored).
        :raises TooLarge: it would unpack to more than ``max_bytes`` (nothing stored).
        :raises Conflict: one of its names looks like a different user's here (nothing stored).
        """
        archive: Archive = self._run(open_archive, path, max_bytes)
        try:
            plan: _Plan = self._run(check_archive, archive)
            result = ImportResult()
            user_ids, room_ids = self._db.write(lambda s: self._people_and_rooms(s, plan, result))
            for user in result.new_users:
                self._names.add(user.id, user.name)
            if self._on_rooms is not None:
                self._on_rooms(result)
            for room in plan.rooms:
                room_id = room_ids[room.path]
                self._messages(archive, room, room_id, user_ids, result)
                joined = result.joined.get(room_id, [])
                if joined:  # new members start with the history read, as on joining a room
                    self._db.write(partial(_mark_read, room_id, joined))
            return result
        finally:
            self._run(archive.close)

    def _people_and_rooms(
        self, store: Store, plan: _Plan, result: ImportResult
    ) -> tuple[dict[str, int], dict[str, int]]:
        result.new_users.clear()  # in case the job runs again
        result.new_rooms.clear()
        result.joined.clear()
        user_ids: dict[str, int] = {}
        for record in plan.users:
            key = name_key(record.name)
            skeleton, shape = look_keys(record.name)
            found = store.users.by_name_key(key)
            if found is None:
                holder = store.users.by_skeleton(skeleton) or store.users.by_shape(shape)
                if holder is not None:
                    raise Conflict(
                        f"The archive's {record.name} looks like {holder.name}, who is already "
                        "here; nothing was imported.",
                        name=record.name,
                    )
                user_id = store.archive.insert_user(
                    record.name, key, skeleton, shape, record.created_at
                )
                result.new_users.append(User(user_id, record.name))
            else:
                user_id = found.id
            user_ids[record.name] = user_id
        result.users = len(result.new_users)
        room_ids: dict[str, int] = {}
        for room in plan.rooms:
            members = sorted({user_ids[m] for m in room.members})
            creator = user_ids[room.created_by] if room.created_by else None
            if room.kind == "channel":
                room_id = store.archive.room_by_name(room.name)
                if room_id is None:
                    room_id = store.archive.insert_room(
                        "channel", room.name, room.name, None, creator, room.created_at
                    )
                    result.new_rooms.append(room_id)
            else:
                dm_key = ",".join(map(str, members))
                room_id = store.archive.room_by_dm_key(dm_key)
                if room_id is None:
                    room_id = store.archive.insert_room(
                        "dm", "", None, dm_key, creator, room.created_at
                    )
                    result.new_rooms.append(room_id)
            room_ids[room.path] = room_id
            joined = [m for m in members if store.members.insert(room_id, m)]
            if joined:
                result.joined[room_id] = joined
        result.rooms = len(result.new_rooms)
        return user_ids, room_ids

    def _messages(
        self,
        archive: Archive,
        room: RoomRecord,
        room_id: int,
        user_ids: dict[str, int],
        result: ImportResult,
    ) -> None:
        records: Iterator[MessageRecord] = archive.messages(room)
        # Original id → id here, for replies: ints only, one room at a time.
        ids: dict[int, int] = {}
        newest: deque[int] = deque(maxlen=LIVE_MAX)
        while True:  # bounded: each pass takes up to PAGE records off the archive, or stops
            page: list[MessageRecord] = self._run(_take, records, PAGE)
            if not page:
                break
            hashes = sorted({a.sha256 for m in page if not m.deleted for a in m.attachments})
            blobs: dict[str, Blob] = {}
            try:
                for sha256 in hashes:  # the bytes first: a row never names missing content
                    blobs[sha256] = self._run(self._adopt, archive, sha256)
                new_ids, new_files = self._db.write(
                    partial(self._store_page, room_id, page, user_ids, ids, blobs)
                )
            finally:
                for sha256 in blobs:
                    self._blobs.release(sha256)
            result.messages += len(new_ids)
            result.existing += len(page) - len(new_ids)
            result.files += new_files
            newest.extend(new_ids)
        if newest and self._on_messages is not None:
            self._on_messages(room_id, list(newest))

    def _adopt(self, archive: Archive, sha256: str) -> Blob:
        with archive.file(sha256) as source:
            try:
                return self._blobs.adopt(source, sha256)
            except HashMismatch:  # checked against the manifest already: the zip changed since
                raise ArchiveError(f"files/{sha256} changed while it was imported.") from None

    def _store_page(
        self,
        room_id: int,
        page: list[MessageRecord],
        user_ids: dict[str, int],
        ids: dict[int, int],
        blobs: dict[str, Blob],
        store: Store,
    ) -> tuple[list[int], int]:
        new_ids: list[int] = []
        files = 0
        for record in page:
            author = user_ids[record.author]
            found = store.archive.message_of(author, record.client_id)
            if found is not None:  # stored before (this archive imported already, or its source)
                ids[record.id] = found[0]
                continue
            reply_to = ids.get(record.reply_to) if record.reply_to is not None else None
            message_id = store.archive.insert_message(room_id, author, record, reply_to)
            ids[record.id] = message_id
            new_ids.append(message_id)
            if record.deleted:
                continue  # a tombstone has no reactions, mentions or files
            store.archive.insert_reactions(
                message_id,
                record.created_at,
                [(emoji, user_ids[name]) for emoji, names in record.reactions for name in names],
            )
            for attachment in record.attachments:
                # What a file is comes from its bytes, as for an upload, never from the archive's
                # word (an "image" of HTML would be served inline); its name is cleaned the same.
                blob = blobs[attachment.sha256]
                stored = replace(
                    attachment,
                    name=safe_name(attachment.name),
                    size=blob.size,
                    kind=blob.kind,
                    mime=blob.mime,
                )
                store.archive.insert_file(room_id, author, message_id, stored, record.created_at)
                files += 1
            if "@" in record.text:
                store.mentions.insert(message_id, self._names.find(record.text))
        return new_ids, files


def _take(records: Iterator[MessageRecord], n: int) -> list[MessageRecord]:
    page: list[MessageRecord] = []
    for record in records:
        page.append(record)
        if len(page) == n:
            break
    return page


def _message_page(room_id: int, after: int, up_to: int, store: Store) -> list[MessageRecord]:
    return store.archive.messages(room_id, after, up_to, PAGE)


def _user_page(after: int, store: Store) -> list[tuple[int, UserRecord]]:
    return store.archive.users_after(after, USER_PAGE)


def _room(room_id: int, store: Store) -> Room | None:
    return store.rooms.get(room_id)


def _users(user_ids: list[int], store: Store) -> list[User | None]:
    return [store.users.get(u) for u in user_ids]


def _messages(message_ids: list[int], store: Store) -> list[Message | None]:
    return [store.messages.get(m) for m in message_ids]


def _mark_read(room_id: int, user_ids: list[int], store: Store) -> None:
    room = store.rooms.get(room_id)
    if room is not None and room.last_message_id:
        for user_id in user_ids:
            store.reads.set(user_id, room_id, room.last_message_id)


# -- the host's part -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    """A finished archive waiting to be sent (the caller removes it afterwards)."""

    path: Path
    filename: str


class Archives:
    """Export and import on a running host: the rules of who may do what, and what clients are
    told afterwards."""

    def __init__(
        self,
        ctx: Context,
        blobs: BlobStore,
        offload: Offload,
        host: Callable[[], HostInfo],
        spool_dir: Path,
        max_import_bytes: int,
    ) -> None:
        self._ctx = ctx
        self._blobs = blobs
        self._offload = offload
        self._host = host
        self.spool_dir = spool_dir
        self.max_import_bytes = max_import_bytes
        # Who has an archive being built (MAX_BUILDING at most), and whether an import runs.
        self._building: set[int] = set()
        self._importing = False

    def clear_spool(self) -> None:
        """At start: remove archives a crash left half written or never sent (blocking)."""
        for entry in os.scandir(self.spool_dir):
            if entry.name.startswith(".parley-") and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)

    def export(self, user: User, req: c.ExportRequest) -> Export:
        """Write the archive ``req`` asks for, if ``user`` may have it.

        :raises RateLimited: MAX_BUILDING archives are being built already, or one of the user's.
        """
        if user.id in self._building or len(self._building) >= MAX_BUILDING:
            raise RateLimited(
                "Another export is being prepared; try again in a moment.", retry_after=5
            )
        # One event loop: nothing runs between the check and this line.
        self._building.add(user.id)
        try:
            return self._export(user, req)
        finally:
            self._building.discard(user.id)

    def _export(self, user: User, req: c.ExportRequest) -> Export:
        ctx = self._ctx
        if req.scope == "host":
            if not user.admin:
                raise Forbidden("Only an admin can export the whole host.")
            room_ids = ctx.db.read(lambda s: s.archive.room_ids())
            label = "host"
        elif req.scope == "room":
            assert req.room_id is not None  # decoded so
            room_id = req.room_id
            room = ctx.db.read(lambda s: s.rooms.get(room_id))
            if room is None:
                raise NotFound("There is no such room.")
            if not user.admin:
                ctx.check_member(user, room_id)
            room_ids = [room_id]
            label = room.name if room.kind == "channel" else f"dm-{room_id}"
        else:
            room_ids = ctx.db.read(lambda s: s.archive.room_ids(dms_of=user.id))
            label = "my-direct-messages"
        path, _ = write_archive(
            ctx.db, self._offload, self._blobs, self._host(), req.scope, room_ids, self.spool_dir
        )
        stamp = utc_now()[:10]
        return Export(path, f"parley-{label}-{stamp}.zip")

    def check_import(self, user: User) -> None:
        if not user.admin:
            raise Forbidden("Only an admin can import an archive.")

    def import_(self, user: User, path: Path) -> dict[str, int]:
        """Import the archive at ``path`` (the host user only); what it added. Online clients
        are told as it goes: new users, rooms and members, then each room's newest messages."""
        self.check_import(user)
        if self._importing:
            raise Conflict("An import is running already; try again once it is done.")
        self._importing = True
        try:
            return self._import(path)
        finally:
            self._importing = False

    def _import(self, path: Path) -> dict[str, int]:
        ctx = self._ctx
        importer = Importer(
            ctx.db,
            self._offload,
            self._blobs,
            ctx.names,
            on_rooms=self._announce,
            on_messages=self._publish_messages,
        )
        return importer.run(path, self.max_import_bytes).counts()

    def _announce(self, result: ImportResult) -> None:
        """New users, new rooms (their online members subscribed now) and new members."""
        ctx = self._ctx
        for new_user in result.new_users:
            ctx.out.publish(p.USER_CREATED, ctx.user_wire(new_user), None)
        new_rooms = set(result.new_rooms)
        for room_id in dict.fromkeys([*result.new_rooms, *result.joined]):
            room = ctx.db.read(partial(_room, room_id))
            if room is None:
                continue
            joined = result.joined.get(room_id, [])
            for member in joined:
                ctx.subscribe(member, room_id)
            if room_id in new_rooms:
                if room.kind == "channel":
                    ctx.out.publish(p.ROOM_CREATED, room.to_wire(member=False), None)
                for member in joined:  # members learn that they are (a DM only goes to them)
                    ctx.out.publish(
                        p.ROOM_CREATED, room.to_wire(member=True), p.user_channel(member)
                    )
                continue
            for joiner in ctx.db.read(partial(_users, joined)):
                if joiner is not None:
                    ctx.out.publish(
                        p.MEMBER_JOINED,
                        {"room_id": room_id, "user": joiner.to_wire()},
                        p.room_channel(room_id),
                    )

    def _publish_messages(self, room_id: int, message_ids: list[int]) -> None:
        for start in range(0, len(message_ids), PAGE):
            batch = message_ids[start : start + PAGE]
            messages = self._ctx.db.read(partial(_messages, batch))
            for message in messages:
                if message is not None:
                    self._ctx.out.publish(
                        p.MESSAGE_CREATED, message.to_wire(), p.room_channel(room_id)
                    )
