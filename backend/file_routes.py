"""HTTP for files: resumable uploads (``/api/uploads``) and downloads (``/api/files``).

The contract is docs/protocol.md, "Files". Bytes live in ``files.BlobStore``; every disk write,
read and hash runs on the thread pool (``offload``), SQL on the database workers. Requests carry the
device token as ``Authorization: Bearer``; a request from another site's page (a foreign
``Origin``) is refused before anything else, so no page elsewhere can drive these endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.http import parse_range_header

from . import offload
from .errors import BadToken, ChatError, Conflict, ErrorCode, Forbidden, Invalid, NotFound, TooLarge
from .files import (
    CHUNK_SIZE,
    BlobStore,
    ChunkWriter,
    HashMismatch,
    OffsetMismatch,
    is_upload_id,
    new_upload_id,
    parse_new_upload,
)
from .models import Attachment, Upload, User

if TYPE_CHECKING:
    from .app import Host
    from .storage import Store

log = logging.getLogger(__name__)

bp = Blueprint("files", __name__)

# Unfinished uploads one user may hold: each reserves up to max_upload_bytes of disk.
MAX_OPEN_UPLOADS = 20
# An upload nobody touched for this long is dropped at the next start (its bytes too).
STALE_AFTER = timedelta(days=7)
# The create request is a few short fields.
CREATE_BODY_MAX = 4096
# Download blocks: one thread-pool hop and one socket write each (docs/benchmarks.md, "Files").
DOWNLOAD_BLOCK = 1024 * 1024
# Upload pieces: received on the event loop while the previous one is written on the pool.
PIECE = 1024 * 1024
# What a downloaded file may do when a browser opens it: nothing (no script, no plugins, no fetches).
FILE_CSP = "default-src 'none'; sandbox"

_STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.BAD_TOKEN: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
}


class Unauthorized(BadToken):
    status = 401


class LengthRequired(Invalid):
    status = 411


class WrongContent(Invalid):
    status = 422


@dataclass
class FileHost:
    """``app.extensions["parley_files"]``: the blob store and what the routes are configured with."""

    blobs: BlobStore
    origin_ok: Callable[[str | None], bool]
    max_upload_bytes: int


def init_app(app: Flask, origin_ok: Callable[[str | None], bool]) -> None:
    """Open the blob store, drop what an earlier run left half-done, and register the routes."""
    host = app.extensions["parley"]
    blobs = BlobStore(host.settings.data_dir)
    cutoff = (datetime.now(UTC) - STALE_AFTER).isoformat(timespec="milliseconds")
    host.db.write(lambda s: s.delete_uploads_created_before(cutoff.replace("+00:00", "Z")))
    # Before serving: partial files without an upload row (a crash between the two) and the
    # stale uploads just deleted.
    swept = blobs.sweep(host.db.read(lambda s: s.list_upload_ids()))
    if swept:
        log.info("removed %d abandoned partial uploads", swept)
    # Deleting a message drops its file rows at once (nobody can fetch them from then on); the
    # bytes go here, when no upload can be finishing into the same content-addressed file.
    dropped = blobs.sweep_files(host.db.read(lambda s: s.list_file_hashes()))
    if dropped:
        log.info("removed %d files of deleted messages", dropped)
    app.extensions["parley_files"] = FileHost(blobs, origin_ok, host.settings.max_upload_bytes)
    app.register_blueprint(bp)


# -- uploads ---------------------------------------------------------------------------------------


@bp.post("/api/uploads")
def create_upload() -> tuple[Response, int]:
    user = _user()
    if request.content_length is None or request.content_length > CREATE_BODY_MAX:
        raise Invalid("Send the upload's room_id, name, size and sha256 as a small JSON object.")
    files = _files()
    new = parse_new_upload(request.get_json(silent=True), files.max_upload_bytes)
    _host().service.check_member(user, new.room_id)  # as for sending
    db = _host().db
    upload = db.read(lambda s: s.find_upload(user.id, new.room_id, new.size, new.sha256))
    if upload is None:

        def create(store: Store) -> Upload:
            if store.count_uploads_of_user(user.id) >= MAX_OPEN_UPLOADS:
                raise Forbidden(
                    f"You have {MAX_OPEN_UPLOADS} unfinished uploads. Finish or cancel one first."
                )
            return store.insert_upload(
                new_upload_id(), user.id, new.room_id, new.name, new.size, new.sha256
            )

        upload = db.write(create)
        offset = 0
    else:  # the same file again (a reload, a restart): continue where it stands
        offset = offload.blocking(files.blobs.offset, upload.id)
    body = {"upload_id": upload.id, "offset": offset, "size": upload.size, "chunk_size": CHUNK_SIZE}
    return jsonify(body), 201


@bp.get("/api/uploads/<upload_id>")
def upload_status(upload_id: str) -> Response:
    upload = _own_upload(_user(), upload_id)
    offset = offload.blocking(_files().blobs.offset, upload.id)
    return jsonify(upload_id=upload.id, offset=offset, size=upload.size)


@bp.put("/api/uploads/<upload_id>")
def put_chunk(upload_id: str) -> Response:
    upload = _own_upload(_user(), upload_id)
    offset = _offset_header()
    length = request.content_length
    if length is None:
        raise LengthRequired("Send the chunk with a Content-Length.")
    if length > CHUNK_SIZE:
        raise TooLarge(f"Send at most {CHUNK_SIZE} bytes per request.", limit=CHUNK_SIZE)
    if offset + length > upload.size:
        raise Invalid(f"That is more than the {upload.size} bytes announced for this upload.")
    if length == 0 and offset != upload.size:
        raise Invalid("The chunk is empty.")
    try:
        writer = offload.blocking(_files().blobs.begin, upload.id, offset)
    except OffsetMismatch as exc:
        raise Conflict(
            f"The host has {exc.offset} bytes of this upload; continue from there.",
            offset=exc.offset,
        ) from None
    received = _receive(writer, length)
    if received < upload.size:
        return jsonify(offset=received)
    return jsonify(offset=received, file=_finish(upload).to_wire())


@bp.delete("/api/uploads/<upload_id>")
def cancel_upload(upload_id: str) -> tuple[str, int]:
    upload = _own_upload(_user(), upload_id)
    _host().db.write(lambda s: s.delete_upload(upload.id))
    offload.blocking(_files().blobs.discard, upload.id)
    return "", 204


def _finish(upload: Upload) -> Attachment:
    """Check the SHA-256, file the bytes under it and turn the upload into a File."""
    db = _host().db
    try:
        blob = offload.blocking(_files().blobs.finish, upload.id, upload.sha256)
    except HashMismatch:
        db.write(lambda s: s.delete_upload(upload.id))
        raise WrongContent(
            "The file arrived changed (its SHA-256 does not match). Upload it again."
        ) from None

    def record(store: Store) -> Attachment:
        store.delete_upload(upload.id)
        return store.insert_file(
            upload.room_id,
            upload.user_id,
            upload.name,
            blob.size,
            blob.mime,
            blob.kind,
            blob.sha256,
        )

    return db.write(record)


# -- downloads -------------------------------------------------------------------------------------


@bp.get("/api/files/<int:file_id>")
def download(file_id: int) -> Response:
    user = _user()
    host = _host()
    found = host.db.read(lambda s: s.get_file(file_id))
    # Until it is sent with a message, a file is its uploader's alone.
    if (
        found is None
        or (found.message_id is None and found.uploader_id != user.id)
        or not host.service.can_see_room(user, found.room_id)
    ):
        raise NotFound("There is no such file.")
    blobs = _files().blobs
    size = offload.blocking(blobs.size, found.sha256)
    if size is None:
        log.error("file %d: its bytes (%s) are missing from the data dir", found.id, found.sha256)
        raise NotFound("The host has lost this file's bytes.")
    etag = f'"{found.sha256}"'
    image = found.kind == "image"
    headers = {
        "Content-Type": found.mime if image else "application/octet-stream",
        "Content-Disposition": _disposition("inline" if image else "attachment", found.name),
        "Content-Security-Policy": FILE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, no-cache",
    }
    start, stop, status = 0, size, 200
    ranges = parse_range_header(request.headers.get("Range"))
    if_range = request.headers.get("If-Range")
    if ranges is not None and len(ranges.ranges) == 1 and if_range in (None, etag):
        span = ranges.range_for_length(size)
        if span is None:
            return Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        start, stop = span
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(stop - start)
    body = _stream(blobs, found.sha256, start, stop)
    return Response(body, status=status, headers=headers, direct_passthrough=True)


def _stream(blobs: BlobStore, sha256: str, start: int, stop: int) -> Iterator[bytes]:
    """The bytes ``start:stop``, read on the thread pool a block at a time."""
    fd = offload.blocking(blobs.open, sha256)  # opened on first use: a HEAD never opens it
    try:
        pos = start
        while pos < stop:  # bounded: each pass advances or stops
            block = offload.blocking(blobs.read, fd, pos, min(DOWNLOAD_BLOCK, stop - pos))
            if not block:
                return
            pos += len(block)
            yield block
    finally:
        blobs.close(fd)


def _disposition(kind: str, name: str) -> str:
    """``inline``/``attachment`` with an ASCII fallback name and the real one per RFC 5987."""
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# -- shared checks ---------------------------------------------------------------------------------


@bp.before_request
def _same_origin_only() -> None:
    origin = request.headers.get("Origin")
    if origin is not None and not _files().origin_ok(origin):
        raise Forbidden("Requests from other sites' pages are not accepted.")


@bp.errorhandler(ChatError)
def _chat_error(exc: ChatError) -> tuple[Response, int, dict[str, str]]:
    status = getattr(exc, "status", _STATUS.get(exc.code, 400))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return jsonify(ok=False, error=exc.to_wire()), status, headers


@bp.errorhandler(OSError)
def _disk_error(exc: OSError) -> tuple[Response, int]:
    log.exception("file storage failed")
    error = {"code": "internal", "message": "The host could not store or read the file."}
    return jsonify(ok=False, error=error), 507


def _host() -> Host:
    host: Host = current_app.extensions["parley"]
    return host


def _files() -> FileHost:
    files: FileHost = current_app.extensions["parley_files"]
    return files


def _user() -> User:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not 1 <= len(token) <= 256:
        raise Unauthorized("Send your device token (Authorization: Bearer …).")
    user: User | None = _host().service.user_for_token(token)
    if user is None:
        raise Unauthorized("This device is not known here any more. Join again with your name.")
    return user


def _own_upload(user: User, upload_id: str) -> Upload:
    """The user's own unfinished upload; anyone else's is not found (ids are not checked twice)."""
    upload: Upload | None = None
    if is_upload_id(upload_id):  # before any storage sees it
        upload = _host().db.read(lambda s: s.get_upload(upload_id))
    if upload is None or upload.user_id != user.id:
        raise NotFound("There is no such upload (finished, cancelled or never started).")
    return upload


def _offset_header() -> int:
    raw = request.headers.get("Upload-Offset", "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16:
        raise Invalid("Send the chunk's position as Upload-Offset: <bytes already sent>.")
    return int(raw)


def _receive(writer: ChunkWriter, length: int) -> int:
    """Stream the body to disk: a piece is written (on the pool) while the next is received.

    At most two pieces are in memory per request. Anything short of the whole body, durable,
    leaves the upload where it stood.
    """
    stream = request.stream
    pending: offload.Pending[None] | None = None
    left = length
    try:
        while left > 0:  # bounded: every pass consumes at least one byte or stops
            piece = stream.read(min(PIECE, left))
            if not piece:
                raise Invalid("The chunk ended before its Content-Length.")
            left -= len(piece)
            if pending is not None:
                pending.get()
            pending = offload.start(writer.write, piece)
        if pending is not None:
            pending.get()
            pending = None
        return offload.blocking(writer.commit)
    except BaseException:
        if pending is not None:
            _settle(pending)
        offload.blocking(writer.abort)
        raise


def _settle(pending: offload.Pending[None]) -> None:
    """Wait for a piece still being written; its error, if any, is beside the point now."""
    try:
        pending.get()
    except Exception:  # noqa: BLE001 (the request is failing already)
        pass
