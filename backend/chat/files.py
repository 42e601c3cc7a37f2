"""Files people send: who may upload where and how much, who may fetch what, and the clean-up of
what was left half done or never sent.

How much: a user has at most MAX_OPEN_UPLOADS files in flight (unfinished uploads and finished
files not yet sent with a message) and at most ``FileLimits.user_quota`` bytes of them; the host
keeps at most ``total_quota`` bytes of files and unfinished uploads; and an upload is refused up
front when it would leave the data dir's file system with less than its reserve free (the database
must always have room). A file nobody sent within ``unattached_ttl`` is removed (``sweep`` at start,
``sweep_unattached`` while serving, which the host runs every ``files_sweep_interval``).

The bytes live in ``storage.blobs.BlobStore`` (plain, blocking file I/O), run off the event loop by
the ``Offload`` this part is given; the rows (uploads, files) through the database like everything
else. The HTTP side (``web/file_routes.py``) only moves request and response bodies.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from .. import commands as c
from ..errors import (
    ChatError,
    Conflict,
    ContentMismatch,
    Forbidden,
    Invalid,
    NotFound,
    StorageFull,
    TooLarge,
)
from ..models import Attachment, Upload, User
from ..storage.blobs import (
    CHUNK_SIZE,
    BlobStore,
    ChunkWriter,
    HashMismatch,
    OffsetMismatch,
    is_upload_id,
    new_upload_id,
)
from ..storage.interface import Store
from .context import Context

log = logging.getLogger(__name__)

T = TypeVar("T")

# Files one user may have in flight: unfinished uploads plus finished files not yet sent. Twice the
# attachments of one message (10), so a message can be prepared while the last one still uploads.
MAX_OPEN_UPLOADS = 20
# An upload started this long ago and still unfinished is dropped (its bytes too).
STALE_AFTER = timedelta(days=7)
# Download blocks: one thread-pool hop and one socket write each (docs/benchmarks.md, "Files").
DOWNLOAD_BLOCK = 1024 * 1024
# A stored display name is cut to this many characters (the extension is kept).
NAME_MAX = 200
# Characters Windows refuses in file names; replaced so a downloaded name can always be saved.
_UNSAVEABLE = re.compile(r'[<>:"|?*]')


class Offload(Protocol):
    """Runs a blocking call off the event loop and waits for it cooperatively (``offload``)."""

    def __call__(self, fn: Callable[..., T], *args: object) -> T: ...


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FileLimits:
    """How much the host keeps (each from a setting: docs/protocol.md, "Files")."""

    user_quota: int = 1024**3
    total_quota: int = 10 * 1024**3
    # The reserve is the smaller of the two: 5% of a 2 GB stick is 100 MB, not 256 MB.
    reserve_bytes: int = 256 * 1024**2
    reserve_fraction: float = 0.05
    unattached_ttl: timedelta = timedelta(hours=24)

    def reserve(self, total: int) -> int:
        """Bytes to keep free on a file system of ``total`` bytes."""
        return min(self.reserve_bytes, int(total * self.reserve_fraction))


@dataclass(frozen=True, slots=True)
class Download:
    """A file someone may fetch, and how many bytes it has on disk."""

    file: Attachment
    size: int


class Files:
    def __init__(
        self,
        ctx: Context,
        blobs: BlobStore,
        offload: Offload,
        limits: FileLimits | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._ctx = ctx
        self._blobs = blobs
        self._offload = offload
        self._limits = limits or FileLimits()
        self._clock = clock or _utc_now  # injectable: tests move time instead of waiting

    # -- clean-up ------------------------------------------------------------------------------

    def sweep(self) -> None:
        """At start, before serving: drop what an earlier run left half done or never sent.

        What ``sweep_unattached`` drops, and also partial files without an upload row (a crash
        between the two: only now, when no upload can be just starting); then the bytes of every
        stored file are counted afresh for the host's quota.
        """
        files, stale = self._drop_expired()
        swept = self._offload(self._blobs.sweep, self._ctx.db.read(lambda s: s.uploads.ids()))
        removed, freed = self._remove_unnamed()
        stored = self._offload(self._blobs.recount_stored)
        if files or swept or removed:
            log.info(
                "at start: removed %d unsent files, %d abandoned uploads, %d unused stored files "
                "(%d bytes); %d bytes of files kept",
                files,
                swept,
                removed,
                freed,
                stored,
            )

    def sweep_unattached(self) -> None:
        """While serving (every ``files_sweep_interval``): files nobody sent within the TTL go,
        uploads started STALE_AFTER ago and unfinished go, and the bytes no file row names any
        more are removed (those files', and those of deleted messages)."""
        files, stale = self._drop_expired()
        for upload_id in stale:
            self._offload(self._blobs.discard, upload_id)
        removed, freed = self._remove_unnamed()
        if files or stale or removed:
            log.info(
                "removed %d unsent files, %d stale uploads, %d unused stored files (%d bytes)",
                files,
                len(stale),
                removed,
                freed,
            )

    def sweep_every(self, interval: float, sleep: Callable[[float], object]) -> None:
        """Run ``sweep_unattached`` every ``interval`` seconds, for as long as the host runs.

        :param sleep: waits without blocking others (the host passes ``socketio.sleep``).
        """
        while True:  # ends with the host (its event loop is torn down, its database closed)
            sleep(interval)
            try:
                self.sweep_unattached()
            except ChatError as exc:  # a full disk: said once a round, tried again next round
                log.warning("file clean-up postponed: %s", exc.message)
            except RuntimeError as exc:  # the database is closed: this host is gone
                log.info("file clean-up stopped: %s", exc)
                return
            except Exception:
                log.exception("file clean-up failed")

    def _drop_expired(self) -> tuple[int, list[str]]:
        """Delete the rows of unsent files past the TTL and of stale uploads: (how many files,
        the uploads' ids)."""
        now = self._clock()
        files_before = _iso(now - self._limits.unattached_ttl)
        uploads_before = _iso(now - STALE_AFTER)

        def drop(store: Store) -> tuple[int, list[str]]:
            files = store.files.delete_unattached_before(files_before)
            return files, store.uploads.delete_created_before(uploads_before)

        return self._ctx.db.write(drop)

    def _remove_unnamed(self) -> tuple[int, int]:
        """Remove the stored files no file row names, a shard at a time: (files, bytes)."""
        removed = freed = 0
        for shard in self._offload(self._blobs.shards):
            files, size = self._remove_if_unnamed(self._offload(self._blobs.stored_in, shard))
            removed += files
            freed += size
        return removed, freed

    def _remove_if_unnamed(self, hashes: list[str]) -> tuple[int, int]:
        """Remove those of these stored files no file row names (the handshake in blobs.py)."""
        if not hashes:
            return 0, 0
        blobs = self._blobs
        mark = self._offload(blobs.condemn, hashes)
        try:
            named = self._ctx.db.read(lambda s: s.files.named(hashes))
        except BaseException:
            self._offload(blobs.remove_condemned, mark, hashes, set(hashes))  # unmark, keep all
            raise
        return self._offload(blobs.remove_condemned, mark, hashes, named)

    # -- uploads -------------------------------------------------------------------------------

    def create_upload(self, user: User, new: c.NewUpload) -> tuple[Upload, int]:
        """The upload of this file (a new one, or the same file's unfinished one to resume) and
        how many of its bytes the host has.

        :raises Forbidden: the user has MAX_OPEN_UPLOADS files in flight already.
        :raises TooLarge: over the user's or the host's quota (``data``: limit, used, quota).
        :raises StorageFull: it would leave the disk with less than its reserve free.
        """
        self._ctx.check_member(user, new.room_id)  # as for sending
        db = self._ctx.db
        upload = db.read(lambda s: s.uploads.find(user.id, new.room_id, new.size, new.sha256))
        if upload is not None:  # the same file again (a reload, a restart): continue from there
            return upload, self._offload(self._blobs.offset, upload.id)
        name = safe_name(new.name)
        self._check_space(new.size)
        stored = self._offload(self._blobs.stored_bytes)
        limits = self._limits

        def create(store: Store) -> Upload:
            uploads, announced = store.uploads.usage_of_user(user.id)
            waiting, unsent = store.files.unattached_of_user(user.id)
            if uploads + waiting >= MAX_OPEN_UPLOADS:
                raise Forbidden(
                    f"You have {MAX_OPEN_UPLOADS} files uploading or waiting to be sent. Send, "
                    "remove or cancel one first.",
                    limit=MAX_OPEN_UPLOADS,
                )
            used = announced + unsent
            if used + new.size > limits.user_quota:
                raise TooLarge(
                    f"Your files uploading or waiting to be sent come to {_amount(used)}; with "
                    f"this one they would pass your {_amount(limits.user_quota)}. Send or remove "
                    "some first.",
                    limit=limits.user_quota,
                    used=used,
                    quota="user",
                )
            used = stored + store.uploads.reserved()
            if used + new.size > limits.total_quota:
                raise TooLarge(
                    f"The host keeps at most {_amount(limits.total_quota)} of files and has "
                    f"{_amount(used)}, so it cannot take this one.",
                    limit=limits.total_quota,
                    used=used,
                    quota="host",
                )
            return store.uploads.insert(
                new_upload_id(), user.id, new.room_id, name, new.size, new.sha256
            )

        return db.write(create), 0

    def _check_space(self, size: int) -> None:
        """Refuse an upload that would leave less than the reserve free on the data dir's disk,
        counting what the unfinished uploads have yet to send."""
        space = self._offload(self._blobs.space)
        reserved = self._ctx.db.read(lambda s: s.uploads.reserved())
        to_come = max(0, reserved - space.partial)
        if space.free - to_come - size < self._limits.reserve(space.total):
            raise StorageFull(
                "The host is running out of disk space, so it cannot take this file. Messages "
                "still work; try a smaller file, or again once the host has space."
            )

    def own_upload(self, user: User, upload_id: str) -> Upload:
        """The user's own unfinished upload; anyone else's is not found."""
        upload: Upload | None = None
        if is_upload_id(upload_id):  # before any storage sees it
            upload = self._ctx.db.read(lambda s: s.uploads.get(upload_id))
        if upload is None or upload.user_id != user.id:
            raise NotFound("There is no such upload (finished, cancelled or never started).")
        return upload

    def offset(self, upload: Upload) -> int:
        """The bytes of the upload the host has, durably."""
        return self._offload(self._blobs.offset, upload.id)

    def begin_chunk(self, upload: Upload, offset: int, length: int) -> ChunkWriter:
        """Start receiving ``length`` bytes at ``offset``; the writer commits or aborts them."""
        if length > CHUNK_SIZE:
            raise TooLarge(f"Send at most {CHUNK_SIZE} bytes per request.", limit=CHUNK_SIZE)
        if offset + length > upload.size:
            raise Invalid(f"That is more than the {upload.size} bytes announced for this upload.")
        if length == 0 and offset != upload.size:
            raise Invalid("The chunk is empty.")
        try:
            return self._unraised(self._blobs.begin, upload.id, offset)
        except OffsetMismatch as exc:
            raise Conflict(
                f"The host has {exc.offset} bytes of this upload; continue from there.",
                offset=exc.offset,
            ) from None

    def finish(self, upload: Upload) -> Attachment:
        """Check the SHA-256, file the bytes under it and turn the upload into a file row."""
        db = self._ctx.db
        try:
            blob = self._unraised(self._blobs.finish, upload.id, upload.sha256)
        except HashMismatch:
            db.write(lambda s: s.uploads.delete(upload.id))
            raise ContentMismatch(
                "The file arrived changed (its SHA-256 does not match). Upload it again."
            ) from None

        def record(store: Store) -> Attachment:
            store.uploads.delete(upload.id)
            return store.files.insert(
                upload.room_id,
                upload.user_id,
                upload.name,
                blob.size,
                blob.mime,
                blob.kind,
                blob.sha256,
            )

        try:
            return db.write(record)
        finally:  # the row names the bytes now (or never will: then they go at a later sweep)
            self._offload(self._blobs.release, blob.sha256)

    def cancel(self, upload: Upload) -> None:
        self._ctx.db.write(lambda s: s.uploads.delete(upload.id))
        self._offload(self._blobs.discard, upload.id)

    def remove(self, user: User, file_id: int) -> None:
        """Remove a finished file of the user's own that is not sent yet (taken out of the
        composer): its row now, its bytes too unless another file has the same content.

        :raises NotFound: not the user's own file, or no such file.
        :raises Conflict: it was sent with a message (delete the message instead).
        """
        db = self._ctx.db
        found = db.read(lambda s: s.files.get(file_id))
        if found is None or found.uploader_id != user.id:
            raise NotFound("There is no such file.")
        if found.message_id is not None:
            raise Conflict("That file was sent with a message; delete the message instead.")
        sha256 = db.write(lambda s: s.files.delete_unattached(file_id, user.id))
        if sha256 is None:  # sent or swept meanwhile
            raise NotFound("There is no such file waiting to be sent.")
        self._remove_if_unnamed([sha256])

    def _unraised(self, fn: Callable[..., T], *args: object) -> T:
        """``offload(fn, *args)`` for calls whose refusals are expected (a wrong offset, a wrong
        hash): carried back as values and raised here, since gevent prints a traceback for
        whatever a pool task raises, and any peer could fill the log with them."""
        result: T | _Carried = self._offload(_carry, fn, *args)
        if isinstance(result, _Carried):
            raise result.exc
        return result

    # -- downloads -----------------------------------------------------------------------------

    def download(self, user: User, file_id: int) -> Download:
        """A file the user may fetch: sent in one of their rooms, or their own not yet sent."""
        found = self._ctx.db.read(lambda s: s.files.get(file_id))
        if (
            found is None
            or (found.message_id is None and found.uploader_id != user.id)
            or not self._ctx.can_see_room(user, found.room_id)
        ):
            raise NotFound("There is no such file.")
        size = self._offload(self._blobs.size, found.sha256)
        if size is None:
            log.error(
                "file %d: its bytes (%s) are missing from the data dir", found.id, found.sha256
            )
            raise NotFound("The host has lost this file's bytes.")
        return Download(found, size)

    def read(self, download: Download, start: int, stop: int) -> Iterator[bytes]:
        """The bytes ``start:stop``, read off the event loop a block at a time."""
        blobs = self._blobs
        fd = self._offload(blobs.open, download.file.sha256)  # on first use: a HEAD never opens
        try:
            pos = start
            while pos < stop:  # bounded: each pass advances or stops
                block = self._offload(blobs.read, fd, pos, min(DOWNLOAD_BLOCK, stop - pos))
                if not block:
                    return
                pos += len(block)
                yield block
        finally:
            blobs.close(fd)


class _Carried:
    """A refusal raised on the pool, brought back to the caller's greenlet as a value."""

    __slots__ = ("exc",)

    def __init__(self, exc: OffsetMismatch | HashMismatch) -> None:
        self.exc = exc


def _carry(fn: Callable[..., T], *args: object) -> T | _Carried:
    try:
        return fn(*args)
    except (OffsetMismatch, HashMismatch) as exc:
        return _Carried(exc)


def _iso(moment: datetime) -> str:
    """A time as the rows store it (``models.utc_now``): sortable text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _amount(size: int) -> str:
    """Bytes the way people read them: ``512 MB``, ``1.5 GB``."""
    gb = 1024**3
    if size >= gb:
        return f"{size / gb:,.1f} GB".replace(".0 GB", " GB")
    return f"{size / 1024**2:,.1f} MB".replace(".0 MB", " MB")


def safe_name(raw: str) -> str:
    """A file's name to show and save: no directories, no control or bidi-override characters,
    nothing Windows refuses, bounded length (the extension kept)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    # Category C: controls, format characters (U+202E would show "exe.png" for "gnp.exe"),
    # surrogates, private use, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAVEABLE.sub("_", name).strip()
    if name.strip(".") == "":
        return "file"
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: NAME_MAX - len(ext) - 1] + "." + ext
        else:
            name = name[:NAME_MAX]
    return name
