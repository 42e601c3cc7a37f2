"""Files people send: who may upload where and how much, who may fetch what, and the clean-up of
what was left half done or never sent.

How much: a user has at most MAX_OPEN_UPLOADS files in flight (unfinished uploads and finished
files not yet sent with a message) and at most ``FileLimits.user_quota`` bytes of them; the host
keeps at most ``total_quota`` bytes of files and unfinished uploads; and an upload is refused up
front when it would leave the data dir's file system with less than its reserve free (the database
must always have room). A file nobody sent within ``unattached_ttl`` is removed (file_cleanup.py).

The bytes live in ``storage.blobs.BlobStore`` (plain, blocking file I/O), run off the event loop by
the ``Offload`` this part is given; the rows (uploads, files) through the database like everything
else. The clean-up is ``file_cleanup.py``; the HTTP side (``web/file_routes.py``) only moves
request and response bodies.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from .. import commands as c
from ..errors import (
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
from .context import Context, Offload
from .file_cleanup import FileCleanup

log = logging.getLogger(__name__)

T = TypeVar("T")

# Files one user may have in flight: unfinished uploads plus finished files not yet sent. Twice the
# attachments of one message (10), so a message can be prepared while the last one still uploads.
MAX_OPEN_UPLOADS = 20
# Download blocks: one thread-pool hop and one socket write each (docs/benchmarks.md, "Files").
DOWNLOAD_BLOCK = 1024 * 1024
# A stored display name is cut to this many characters (the extension is kept).
NAME_MAX = 200
# Characters Windows refuses in file names; replaced so a downloaded name can always be saved.
_UNSAVEABLE = re.compile(r'[<>:"|?*]')


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
        cleanup: FileCleanup,
        limits: FileLimits | None = None,
    ) -> None:
        self._ctx = ctx
        self._blobs = blobs
        self._offload = offload
        self._cleanup = cleanup
        self._limits = limits or FileLimits()

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
            return self._offload(self._blobs.begin, upload.id, offset)
        except OffsetMismatch as exc:
            raise Conflict(
                f"The host has {exc.offset} bytes of this upload; continue from there.",
                offset=exc.offset,
            ) from None

    def finish(self, upload: Upload) -> Attachment:
        """Check the SHA-256, file the bytes under it and turn the upload into a file row."""
        db = self._ctx.db
        try:
            blob = self._offload(self._blobs.finish, upload.id, upload.sha256)
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
        self._cleanup.remove_if_unnamed([sha256])

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
