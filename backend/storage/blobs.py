"""Uploaded bytes on disk: partial uploads, content-addressed files, what kind of file they are.

Layout under the data dir (docs/storage.md):

- ``uploads/<upload_id>``: the bytes received so far. The file's size *is* the upload's offset, and
  every chunk is fsync'd before it is acknowledged, so the offset a client is told survives a crash.
- ``files/<sha[:2]>/<sha256>``: finished files, named by their content. Identical content is stored
  once. Nothing here is ever named by a client: the name a person gave a file is metadata only.

Upload ids and hashes are checked against strict patterns before any path is built from them.
Plain Python and blocking: the chat rules run these calls off the event loop (``chat/files.py``).

Removing a stored file while the host serves is a three-step handshake, because an upload of the
same content may be finishing into it at that moment: ``condemn`` marks the candidates, the caller
asks the database which of them some file row still names, and ``remove_condemned`` removes the
others, but only those still marked. ``finish`` pins its content until the caller has recorded the
file row (``release``), and pinning clears a mark, so a file an upload finished into is never
removed under it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..paths import private_dir

# 8 MiB: large enough that per-request overhead (HTTP, a thread hop, an fsync) is amortised at
# loopback speeds, small enough that a dropped connection costs little to resend (docs/benchmarks.md).
CHUNK_SIZE = 8 * 1024 * 1024
# Blocks for reading back from disk (hash recomputation, downloads).
READ_BLOCK = 1024 * 1024
# secrets.token_urlsafe(24) is 32 characters of [A-Za-z0-9_-]; anything else is not ours.
UPLOAD_ID = re.compile(r"\A[A-Za-z0-9_-]{32}\Z")
SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
OCTET_STREAM = "application/octet-stream"
# Hashes pieces beside the thread that writes them (started on first use; one per process, and
# fast enough for every upload at once: ~1 GB/s).
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hash")


class OffsetMismatch(Exception):
    """The client's offset is not where the upload stands; ``offset`` is where it does."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class HashMismatch(Exception):
    """The finished bytes do not have the SHA-256 the client announced (the upload is discarded)."""


@dataclass(frozen=True, slots=True)
class Space:
    """The data dir's file system, and the bytes unfinished uploads hold on it."""

    free: int  # bytes this process may still write (``shutil.disk_usage``)
    total: int
    partial: int  # bytes of unfinished uploads already on disk


@dataclass(frozen=True, slots=True)
class Blob:
    """A finished, verified file in the content store."""

    sha256: str
    size: int
    kind: str  # "image" or "file"
    mime: str


def new_upload_id() -> str:
    return secrets.token_urlsafe(24)


def is_upload_id(value: str) -> bool:
    return bool(UPLOAD_ID.match(value))


def sniff(head: bytes) -> tuple[str, str]:
    """``(kind, mime)`` from the first bytes. Only four image types are images; the rest are bytes.

    SVG and HTML are deliberately not images here: both can carry script. A file's name or the
    uploader's claimed type never matter.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image", "image/gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image", "image/webp"
    return "file", OCTET_STREAM


def stored_path(files_dir: Path, sha256: str) -> Path:
    """Where a finished file with this content lives under ``files_dir`` (``files/``)."""
    if not SHA256.match(sha256):
        raise ValueError("not a SHA-256")
    return files_dir / sha256[:2] / sha256


def _fsync_dir(path: Path) -> None:
    """Make a new directory entry (a created or renamed file) survive a power loss."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ChunkWriter:
    """One chunk of an upload going to disk as it arrives; durable, and counted, only at commit().

    Pieces are written in order, one call at a time (the caller waits for each). Each piece is
    hashed on another thread while it is written and the next piece is received: SHA-256 and the
    disk each cost about a third of a chunk's time, and hashlib releases the GIL.
    """

    def __init__(
        self, store: BlobStore, upload_id: str, fd: int, start: int, hasher: Any, lock: Any
    ) -> None:
        self._store, self._upload_id, self._fd = store, upload_id, fd
        self.start = self.end = start
        self._hasher, self._lock = hasher, lock
        self._hashing: Future[None] | None = None

    def write(self, piece: bytes) -> None:
        if self._hashing is not None:
            self._hashing.result()  # keeps hash updates in order
        self._hashing = _HASHING.submit(self._hasher.update, piece)
        view = memoryview(piece)
        done = 0
        while done < len(view):  # bounded: each pass writes at least one byte
            done += os.pwrite(self._fd, view[done:], self.end + done)
        self.end += done

    def commit(self) -> int:
        """fdatasync, then count the bytes as received; returns the new offset."""
        try:
            if self._hashing is not None:
                self._hashing.result()
            os.fdatasync(self._fd)  # the data and the new size; other metadata can wait
            if self.start == 0:
                _fsync_dir(self._store.uploads_dir)
        except BaseException:
            self.abort()
            raise
        self._store._hashes[self._upload_id] = (self.end, self._hasher)
        self._close()
        return self.end

    def abort(self) -> None:
        """Forget this chunk: cut the file back to where it stood (a dropped or failed request)."""
        if self._fd < 0:
            return
        try:
            if self._hashing is not None:
                self._hashing.exception()  # wait; the hash is dropped anyway
            os.ftruncate(self._fd, self.start)
        finally:
            self._store._hashes.pop(self._upload_id, None)  # rebuilt from disk when next needed
            self._close()

    def _close(self) -> None:
        os.close(self._fd)
        self._fd = -1
        with self._store._guard:
            self._store._writing.pop(self._upload_id, None)
        self._lock.release()


class BlobStore:
    """Partial uploads and finished files under ``data_dir``. Thread-safe; every call blocks."""

    def __init__(self, data_dir: Path) -> None:
        self.uploads_dir = data_dir / "uploads"
        self.files_dir = data_dir / "files"
        private_dir(self.uploads_dir)
        private_dir(self.files_dir)
        self._guard = threading.Lock()
        # One lock per upload: two requests for the same upload (a retry racing the original)
        # must not interleave their offset check and write.
        self._locks: dict[str, threading.Lock] = {}
        # The running SHA-256 of each upload this process has seen bytes for, and how many bytes
        # it covers. Lost on restart, then rebuilt from the bytes on disk.
        self._hashes: dict[str, tuple[int, Any]] = {}
        # Where each upload stood when the chunk now being written began.
        self._writing: dict[str, int] = {}
        # Content an upload has just finished into, until its file row is recorded (release()):
        # never removed meanwhile. Counts: two uploads of the same content may finish at once.
        self._pinned: dict[str, int] = {}
        # Stored files marked for removal, each with the mark of the sweep that condemned it.
        self._condemned: dict[str, int] = {}
        self._marks = 0
        # Bytes under files/ (each content once); counted on first use, then kept up to date.
        self._stored: int | None = None

    # -- paths ---------------------------------------------------------------------------------

    def partial_path(self, upload_id: str) -> Path:
        if not is_upload_id(upload_id):
            raise ValueError("not an upload id")
        return self.uploads_dir / upload_id

    def blob_path(self, sha256: str) -> Path:
        return stored_path(self.files_dir, sha256)

    # -- uploads -------------------------------------------------------------------------------

    def offset(self, upload_id: str) -> int:
        """Bytes received so far, durably (0 if none were)."""
        with self._guard:
            writing = self._writing.get(upload_id)
        if writing is not None:  # a chunk is arriving: its bytes on disk do not count yet
            return writing
        try:
            return self.partial_path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    def begin(self, upload_id: str, offset: int) -> ChunkWriter:
        """Start writing a chunk at ``offset``; the upload is held until commit() or abort().

        :raise OffsetMismatch: ``offset`` is not the number of bytes already received, or another
            request is writing this upload right now (told at once, not kept waiting: a waiting
            request would hold a pool thread for as long as the other client is slow).
        """
        path = self.partial_path(upload_id)
        lock = self._lock_for(upload_id)
        if not lock.acquire(blocking=False):
            raise OffsetMismatch(self.offset(upload_id))
        try:
            # Only the first chunk creates the file: a late request for an upload that was just
            # finished or cancelled must not leave a stray file behind.
            flags = os.O_RDWR | (os.O_CREAT if offset == 0 else 0)
            try:
                fd = os.open(path, flags, 0o600)
            except FileNotFoundError:
                raise OffsetMismatch(0) from None
            try:
                have = os.fstat(fd).st_size
                if offset != have:
                    raise OffsetMismatch(have)
                hasher = self._hasher_at(upload_id, fd, have)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            lock.release()
            raise
        self._hashes.pop(upload_id, None)  # until the chunk is durable, the hash is not known
        with self._guard:
            self._writing[upload_id] = have
        return ChunkWriter(self, upload_id, fd, have, hasher, lock)

    def append(self, upload_id: str, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset`` durably and return the new offset (one-piece ``begin``)."""
        writer = self.begin(upload_id, offset)
        try:
            writer.write(data)
        except BaseException:
            writer.abort()
            raise
        return writer.commit()

    def finish(self, upload_id: str, expected_sha256: str) -> Blob:
        """Verify the received bytes and move them into the content store.

        The content stays pinned (never removed) until ``release(blob.sha256)``: the caller
        releases it once the file row naming it is recorded, or failed to be.

        :raise HashMismatch: the bytes are not what was announced; they are removed.
        """
        path = self.partial_path(upload_id)
        with self._lock_for(upload_id):
            fd = os.open(path, os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                digest = self._hasher_at(upload_id, fd, size).hexdigest()
                kind, mime = sniff(os.pread(fd, 16, 0))
            finally:
                os.close(fd)
            self._hashes.pop(upload_id, None)
            if not secrets.compare_digest(digest, expected_sha256):
                path.unlink(missing_ok=True)
                raise HashMismatch(digest)
            target = self.blob_path(digest)
            with self._guard:
                self._pinned[digest] = self._pinned.get(digest, 0) + 1
                self._condemned.pop(digest, None)  # a sweep that marked it must now spare it
            try:
                with self._guard:
                    stored = target.exists()
                    if stored:  # the same content was stored before: keep one copy
                        path.unlink()
                    else:
                        target.parent.mkdir(mode=0o700, exist_ok=True)
                        os.replace(path, target)
                        if self._stored is not None:
                            self._stored += size
                if not stored:
                    _fsync_dir(target.parent)
                _fsync_dir(self.uploads_dir)
            except BaseException:
                self.release(digest)
                raise
        self._drop_lock(upload_id)
        return Blob(digest, size, kind, mime)

    def adopt(self, source: Any, sha256: str) -> Blob:
        """Store content read from ``source`` (a binary stream; an imported archive's file) under
        its SHA-256, unless it is stored already; what it is (size and kind from its bytes).
        Pinned like ``finish``'s content until ``release(sha256)``.

        :raise HashMismatch: the bytes are not ``sha256``; nothing is stored.
        """
        target = self.blob_path(sha256)
        with self._guard:
            self._pinned[sha256] = self._pinned.get(sha256, 0) + 1
            self._condemned.pop(sha256, None)
        try:
            if self.size(sha256) is not None:
                return self._described(sha256)
            target.parent.mkdir(mode=0o700, exist_ok=True)
            partial = target.with_name(f".{sha256}.{secrets.token_hex(8)}.part")
            hasher = hashlib.sha256()
            size = 0
            try:
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    while block := source.read(READ_BLOCK):
                        hasher.update(block)
                        view = memoryview(block)
                        while view:  # bounded: each pass writes at least one byte
                            view = view[os.write(fd, view) :]
                        size += len(block)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if not secrets.compare_digest(hasher.hexdigest(), sha256):
                    raise HashMismatch(hasher.hexdigest())
                with self._guard:
                    if target.exists():  # stored meanwhile by an upload of the same content
                        partial.unlink()
                    else:
                        os.replace(partial, target)
                        if self._stored is not None:
                            self._stored += size
            finally:
                partial.unlink(missing_ok=True)
            _fsync_dir(target.parent)
            return self._described(sha256)
        except BaseException:
            self.release(sha256)
            raise

    def _described(self, sha256: str) -> Blob:
        fd = os.open(self.blob_path(sha256), os.O_RDONLY)
        try:
            kind, mime = sniff(os.pread(fd, 16, 0))
            return Blob(sha256, os.fstat(fd).st_size, kind, mime)
        finally:
            os.close(fd)

    def release(self, sha256: str) -> None:
        """The file row for content ``finish`` stored is recorded (or never will be): a sweep
        may remove it again once no row names it."""
        with self._guard:
            left = self._pinned.get(sha256, 0) - 1
            if left > 0:
                self._pinned[sha256] = left
            else:
                self._pinned.pop(sha256, None)

    def discard(self, upload_id: str) -> None:
        """Remove an upload's bytes (cancelled, stale or failed)."""
        path = self.partial_path(upload_id)
        with self._lock_for(upload_id):
            path.unlink(missing_ok=True)
            self._hashes.pop(upload_id, None)
        self._drop_lock(upload_id)

    def sweep(self, keep: set[str]) -> int:
        """At start: remove partial files whose upload is not in ``keep``; return how many.

        The others are fsync'd: a chunk cut off by a crash may have left bytes that were written
        but never synced, and the offset reported from now on must be durable.
        """
        removed = 0
        for entry in os.scandir(self.uploads_dir):
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.name not in keep:
                os.unlink(entry.path)
                removed += 1
                continue
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return removed

    def partial_bytes(self) -> int:
        """Bytes of unfinished uploads on disk."""
        total = 0
        for entry in os.scandir(self.uploads_dir):
            try:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except FileNotFoundError:  # finished or cancelled meanwhile
                pass
        return total

    def space(self) -> Space:
        """Free and total bytes of the data dir's file system, and what partial uploads hold."""
        usage = shutil.disk_usage(self.files_dir)
        return Space(free=usage.free, total=usage.total, partial=self.partial_bytes())

    # -- removing stored files (the handshake in the module docstring) ----------------------------

    def shards(self) -> list[str]:
        """The subdirectories of ``files/`` (``ab`` for ``ab…``), to walk the store a part at a
        time."""
        return sorted(
            entry.name
            for entry in os.scandir(self.files_dir)
            if entry.is_dir(follow_symlinks=False) and len(entry.name) == 2
        )

    def stored_in(self, shard: str) -> list[str]:
        """The content hashes stored in one shard."""
        if not re.fullmatch(r"[0-9a-f]{2}", shard):
            raise ValueError("not a shard")
        try:
            entries = list(os.scandir(self.files_dir / shard))
        except FileNotFoundError:
            return []
        return [
            e.name for e in entries if SHA256.match(e.name) and e.is_file(follow_symlinks=False)
        ]

    def condemn(self, hashes: list[str]) -> int:
        """Mark stored files for removal (those not pinned by a finishing upload); the mark."""
        with self._guard:
            self._marks += 1
            mark = self._marks
            for sha256 in hashes:
                if sha256 not in self._pinned:
                    self._condemned[sha256] = mark
        return mark

    def remove_condemned(self, mark: int, hashes: list[str], keep: set[str]) -> tuple[int, int]:
        """Remove the files of ``hashes`` still carrying ``mark``, except those in ``keep`` (named
        by a file row); clear the mark from all of them. How many files and bytes went."""
        removed = freed = 0
        for sha256 in hashes:
            path = self.blob_path(sha256)
            with self._guard:
                if self._condemned.get(sha256) != mark:
                    continue  # pinned since, or marked again by a later sweep
                del self._condemned[sha256]
                if sha256 in keep:
                    continue
                try:
                    size = path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    continue
                if self._stored is not None:
                    self._stored = max(0, self._stored - size)
            removed += 1
            freed += size
        return removed, freed

    def stored_bytes(self) -> int:
        """Bytes of all stored files (each content once): counted on the first call."""
        with self._guard:
            if self._stored is None:
                self._stored = self._count_stored()
            return self._stored

    def recount_stored(self) -> int:
        """Count the stored bytes afresh from disk (at start, when nothing else runs)."""
        with self._guard:
            self._stored = self._count_stored()
            return self._stored

    def _count_stored(self) -> int:
        return sum(
            self.blob_path(sha256).stat().st_size
            for shard in self.shards()
            for sha256 in self.stored_in(shard)
        )

    # -- finished files ------------------------------------------------------------------------

    def size(self, sha256: str) -> int | None:
        """The stored file's size, or None if it is missing."""
        try:
            return self.blob_path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def open(self, sha256: str) -> int:
        """A read-only descriptor for a stored file (the caller closes it)."""
        return os.open(self.blob_path(sha256), os.O_RDONLY)

    @staticmethod
    def read(fd: int, offset: int, length: int) -> bytes:
        return os.pread(fd, length, offset)

    @staticmethod
    def close(fd: int) -> None:
        os.close(fd)

    # -- internals -----------------------------------------------------------------------------

    def _lock_for(self, upload_id: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(upload_id)
            if lock is None:
                lock = self._locks[upload_id] = threading.Lock()
            return lock

    def _drop_lock(self, upload_id: str) -> None:
        with self._guard:
            self._locks.pop(upload_id, None)

    def _hasher_at(self, upload_id: str, fd: int, size: int) -> Any:
        """The running hash covering the first ``size`` bytes; rebuilt from disk if not in memory."""
        known = self._hashes.get(upload_id)
        if known is not None and known[0] == size:
            return known[1]
        hasher = hashlib.sha256()
        pos = 0
        while pos < size:  # bounded by the file's size
            block = os.pread(fd, min(READ_BLOCK, size - pos), pos)
            if not block:
                break
            hasher.update(block)
            pos += len(block)
        self._hashes[upload_id] = (pos, hasher)
        return hasher
