"""HTTP for export and import (docs/export.md): ``GET /api/export`` and ``POST /api/import``.

Authenticated like the file routes (``Authorization: Bearer <device token>``, no foreign
``Origin``); the rules of who may export or import what are ``chat/export.py``. What is left here is
HTTP: decoding the query, sending the finished archive a block at a time (then removing it), and
receiving an uploaded archive to a temporary file, never in memory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, current_app, jsonify, request

from .. import archive, offload
from .. import commands as c
from ..errors import Forbidden, Invalid, StorageFull, TooLarge
from .errors import LengthRequired
from .file_routes import _disk_error, _disposition
from .file_routes import _user as bearer_user
from .routes import host

bp = Blueprint("export", __name__)
# A full disk while an archive is written or received: 507 storage_full, as for uploads.
bp.register_error_handler(OSError, _disk_error)

# Blocks an archive is sent and received in: one thread-pool hop each.
BLOCK = 1024 * 1024
# Free space an archive being received must leave on the data dir's disk (the database and the
# files it holds need room too; its files are written again into the store).
RESERVE = 256 * 1024 * 1024


@bp.before_request
def _same_origin_only() -> None:
    origin = request.headers.get("Origin")
    if origin is not None and not current_app.extensions["parley_origin_ok"](
        origin, request.environ
    ):
        raise Forbidden("Requests from other sites' pages are not accepted.")


@bp.get("/api/export")
def export() -> Response:
    user = bearer_user()
    req = c.ExportRequest.decode(request.args.to_dict(flat=False))
    made = host().chat.archives.export(user, req)
    size = offload.blocking(os.path.getsize, made.path)
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": _disposition("attachment", made.filename),
        "Content-Length": str(size),
        "Cache-Control": "no-store",
    }
    return Response(_Sent(made.path), headers=headers, direct_passthrough=True)


class _Sent:
    """The archive's bytes, read off the event loop; removed once sent, or when the server closes
    the response early (the client left, a HEAD), also before the first byte was asked for."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __iter__(self) -> Iterator[bytes]:
        with offload.blocking(_open, self._path) as source:
            while block := offload.blocking(source.read, BLOCK):
                yield block

    def close(self) -> None:
        offload.blocking(_remove, self._path)


@bp.post("/api/import")
def import_archive() -> tuple[Response, int]:
    user = bearer_user()
    archives = host().chat.archives
    archives.check_import(user)  # before a byte of the body is read
    length = request.content_length
    if length is None:
        raise LengthRequired("Send the archive with a Content-Length.")
    limit = archives.max_import_bytes
    if length > limit:
        raise TooLarge(f"Archives of at most {limit} bytes can be imported.", limit=limit)
    if length == 0:
        raise Invalid("Send the archive (a zip file) as the request body.")
    if offload.blocking(shutil.disk_usage, archives.spool_dir).free < length + RESERVE:
        raise StorageFull("The host does not have the disk space to receive this archive.")
    path, spool = offload.blocking(archive.spool, archives.spool_dir)
    try:
        _receive(spool, length)
        counts = archives.import_(user, path)
    finally:
        offload.blocking(spool.close)
        offload.blocking(_remove, path)
    return jsonify(ok=True, imported=counts), 200


def _receive(spool: IO[bytes], length: int) -> None:
    stream = request.stream
    left = length
    while left > 0:  # bounded: every pass consumes at least one byte or stops
        piece = stream.read(min(BLOCK, left))
        if not piece:
            raise Invalid("The archive ended before its Content-Length.")
        left -= len(piece)
        offload.blocking(spool.write, piece)
    offload.blocking(spool.flush)


def _open(path: Path) -> IO[bytes]:
    return open(path, "rb")  # noqa: SIM115 (the caller closes it)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
