"""Files people send: who may upload where and how much at once, who may fetch what, and the
clean-up of what was left half done.

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
from ..errors import Conflict, ContentMismatch, Forbidden, Invalid, NotFound, TooLarge
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

# Unfinished uploads one user may hold: each reserves up to max_upload_bytes of disk.
MAX_OPEN_UPLOADS = 20
# An upload nobody touched for this long is dropped at the next start (its bytes too).
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


@dataclass(frozen=True, slots=True)
class Download:
    """A file someone may fetch, and how many bytes it has on disk."""

    file: Attachment
    size: int


class Files:
    def __init__(self, ctx: Context, blobs: BlobStore, offload: Offload) -> None:
        self._ctx = ctx
        self._blobs = blobs
        self._offload = offload

    def sweep(self) -> None:
        """At start, before serving: drop what an earlier run left half done.

        Uploads untouched for STALE_AFTER go, rows and bytes; partial files without an upload row
        (a crash between the two) go; and the bytes of files no row names any more (their
        messages were deleted: the rows went at once, the bytes wait until now, when no upload
        can be finishing into the same content-addressed file).
        """
        db = self._ctx.db
        cutoff = (datetime.now(UTC) - STALE_AFTER).isoformat(timespec="milliseconds")
        db.write(lambda s: s.uploads.delete_created_before(cutoff.replace("+00:00", "Z")))
        swept = self._blobs.sweep(db.read(lambda s: s.uploads.ids()))
        if swept:
            log.info("removed %d abandoned partial uploads", swept)
        dropped = self._blobs.sweep_files(db.read(lambda s: s.files.hashes()))
        if dropped:
            log.info("removed %d files of deleted messages", dropped)

    # -- uploads -------------------------------------------------------------------------------

    def create_upload(self, user: User, new: c.NewUpload) -> tuple[Upload, int]:
        """The upload of this file (a new one, or the same file's unfinished one to resume) and
        how many of its bytes the host has."""
        self._ctx.check_member(user, new.room_id)  # as for sending
        db = self._ctx.db
        upload = db.read(lambda s: s.uploads.find(user.id, new.room_id, new.size, new.sha256))
        if upload is not None:  # the same file again (a reload, a restart): continue from there
            return upload, self._offload(self._blobs.offset, upload.id)
        name = safe_name(new.name)

        def create(store: Store) -> Upload:
            if store.uploads.count_of_user(user.id) >= MAX_OPEN_UPLOADS:
                raise Forbidden(
                    f"You have {MAX_OPEN_UPLOADS} unfinished uploads. Finish or cancel one first."
                )
            return store.uploads.insert(
                new_upload_id(), user.id, new.room_id, name, new.size, new.sha256
            )

        return db.write(create), 0

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

        return db.write(record)

    def cancel(self, upload: Upload) -> None:
        self._ctx.db.write(lambda s: s.uploads.delete(upload.id))
        self._offload(self._blobs.discard, upload.id)

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
