"""HTTP for files: resumable uploads (``/api/uploads``) and downloads (``/api/files``).

The contract is docs/protocol.md, "Files"; the rules (who may upload or fetch what, how many at
once, the hash check) are ``chat/files.py``. What is left here is HTTP: the bearer token, headers,
and moving bodies, a piece written on the thread pool while the next one is received. A request from
another site's page (a foreign ``Origin``) is refused before anything else, so no page elsewhere can
drive these endpoints.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.http import parse_range_header

from .. import commands as c
from .. import offload
from ..errors import BadToken, Forbidden, Invalid, StorageFull
from ..models import User
from ..storage.blobs import CHUNK_SIZE, ChunkWriter
from .errors import LengthRequired, body, chat_error
from .routes import host

log = logging.getLogger(__name__)

T = TypeVar("T")

bp = Blueprint("files", __name__)

# The create request is a few short fields.
CREATE_BODY_MAX = 4096
# Upload pieces: received on the event loop while the previous one is written on the pool.
PIECE = 1024 * 1024
# What a downloaded file may do when a browser opens it: nothing (no script, no plugins, no fetches).
FILE_CSP = "default-src 'none'; sandbox"
# A disk (or the user's disk quota) that is full: the host says storage_full, not internal.
_FULL = {errno.ENOSPC, errno.EDQUOT}


def init_app(app: Flask, origin_ok: Callable[[str | None, dict[str, Any]], bool]) -> None:
    """Register the routes; ``origin_ok`` says which page origins may call them."""
    app.extensions["parley_origin_ok"] = origin_ok
    app.register_blueprint(bp)


# -- uploads ---------------------------------------------------------------------------------------


@bp.post("/api/uploads")
def create_upload() -> tuple[Response, int]:
    user = _user()
    if request.content_length is None or request.content_length > CREATE_BODY_MAX:
        raise Invalid("Send the upload's room_id, name, size and sha256 as a small JSON object.")
    here = host()
    limits = c.Limits(max_upload_bytes=here.settings.max_upload_bytes)
    new = c.NewUpload.decode(request.get_json(silent=True), limits)
    upload, offset = here.chat.files.create_upload(user, new)
    answer = {"upload_id": upload.id, "offset": offset, "size": upload.size}
    return jsonify({**answer, "chunk_size": CHUNK_SIZE}), 201


@bp.get("/api/uploads/<upload_id>")
def upload_status(upload_id: str) -> Response:
    files = host().chat.files
    upload = files.own_upload(_user(), upload_id)
    return jsonify(upload_id=upload.id, offset=files.offset(upload), size=upload.size)


@bp.put("/api/uploads/<upload_id>")
def put_chunk(upload_id: str) -> Response:
    files = host().chat.files
    upload = files.own_upload(_user(), upload_id)
    offset = _offset_header()
    length = request.content_length
    if length is None:
        raise LengthRequired("Send the chunk with a Content-Length.")
    writer = files.begin_chunk(upload, offset, length)
    received = _receive(writer, length)
    if received < upload.size:
        return jsonify(offset=received)
    return jsonify(offset=received, file=files.finish(upload).to_wire())


@bp.delete("/api/uploads/<upload_id>")
def cancel_upload(upload_id: str) -> tuple[str, int]:
    files = host().chat.files
    files.cancel(files.own_upload(_user(), upload_id))
    return "", 204


# -- downloads -------------------------------------------------------------------------------------


@bp.get("/api/files/<int:file_id>")
def download(file_id: int) -> Response:
    files = host().chat.files
    found = files.download(_user(), file_id)
    file, size = found.file, found.size
    etag = f'"{file.sha256}"'
    image = file.kind == "image"
    headers = {
        "Content-Type": file.mime if image else "application/octet-stream",
        "Content-Disposition": _disposition("inline" if image else "attachment", file.name),
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
    return Response(
        files.read(found, start, stop), status=status, headers=headers, direct_passthrough=True
    )


@bp.delete("/api/files/<int:file_id>")
def remove_file(file_id: int) -> tuple[str, int]:
    """A finished upload taken out of the composer before it was sent."""
    host().chat.files.remove(_user(), file_id)
    return "", 204


def _disposition(kind: str, name: str) -> str:
    """``inline``/``attachment`` with an ASCII fallback name and the real one per RFC 5987."""
    fallback = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# -- shared checks ---------------------------------------------------------------------------------


@bp.before_request
def _same_origin_only() -> None:
    origin = request.headers.get("Origin")
    if origin is not None and not current_app.extensions["parley_origin_ok"](
        origin, request.environ
    ):
        raise Forbidden("Requests from other sites' pages are not accepted.")


@bp.errorhandler(OSError)
def _disk_error(exc: OSError) -> tuple[Response, int]:
    if exc.errno in _FULL:
        log.error("file storage failed: %s", exc)  # a known condition: no traceback
        payload, status, _ = chat_error(StorageFull())
        return jsonify(payload), status
    log.exception("file storage failed")
    return jsonify(body("internal", "The host could not store or read the file.")), 507


def _user() -> User:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not 1 <= len(token) <= 256:
        raise BadToken("Send your device token (Authorization: Bearer …).")
    user = host().chat.sessions.user_for_token(token)
    if user is None:
        raise BadToken("This device is not known here any more. Join again with your name.")
    return user


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
