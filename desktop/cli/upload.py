"""``parley upload [--host URL] ROOM FILE [--caption TEXT]``: send a file to a room.

The resumable upload API (docs/protocol.md, Files): announce the file (size, SHA-256), send it in
the host's chunks from the host's offset, then post a message carrying it. Announcing the same
file to the same room again returns the unfinished upload with its offset, so running the command
again after a dropped connection continues where the host got to instead of starting over.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path
from typing import Any

from desktop.cli import client
from desktop.cli.send import send_message

READ_BLOCK = 1 << 20


def main(argv: list[str]) -> int:
    p = client.parser("upload", "Upload a file to a room and post it (with an optional caption).")
    p.add_argument("room", metavar="ROOM", help="room name (general, #general) or id")
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument("--caption", default="", help="text sent with the file")
    p.add_argument("--name", help="the file's name as others see it (default: FILE's name)")
    args = p.parse_args(argv)
    return client.run("upload", lambda: _upload(args))


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(READ_BLOCK):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


def _upload(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        size, sha256 = _digest(path)
    except OSError as exc:
        raise client.Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise client.Failure(f"{path} is empty; the host takes files of at least 1 byte")
    conn = client.connect(args)  # resolves the room and proves the token before any byte is sent
    try:
        room_id = client.find_room(conn.rooms, args.room)["id"]
    finally:
        conn.close()
    login, url = client.saved_login(args)
    file = upload_file(
        url,
        login.token,
        room_id,
        path,
        args.name or path.name,
        size,
        sha256,
        fingerprint=login.fingerprint,
    )
    fields: dict[str, Any] = {"text": args.caption, "attachments": [file["id"]]}
    message = send_message(args, str(room_id), fields)
    if args.json:
        client.emit(message)
    else:
        client.say(f"{message['id']} (file {file['id']})")
    return 0


def upload_file(
    url: str,
    token: str,
    room_id: int,
    path: Path,
    name: str,
    size: int,
    sha256: str,
    fingerprint: str | None = None,
) -> dict[str, Any]:
    """Upload ``path`` to the room (the host's key pinned to ``fingerprint`` over https); returns
    the finished File."""
    base = url.rstrip("/") + "/api/uploads"
    announced = client.request_json(
        "POST",
        base,
        token,
        {"room_id": room_id, "name": name, "size": size, "sha256": sha256},
        fingerprint=fingerprint,
    )
    upload = f"{base}/{announced['upload_id']}"
    offset = int(announced["offset"])
    chunk = int(announced["chunk_size"])
    with path.open("rb") as f:
        while True:
            f.seek(offset)
            body = f.read(min(chunk, size - offset))
            if os.fstat(f.fileno()).st_size != size:
                raise client.Failure(f"{path} changed while it was being sent")
            try:
                answer = client.request(
                    "PUT",
                    upload,
                    token,
                    body,
                    {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"},
                    fingerprint=fingerprint,
                ).json()
            except client.Failure as exc:
                if exc.code == "conflict" and isinstance(exc.data, dict) and "offset" in exc.data:
                    offset = int(
                        exc.data["offset"]
                    )  # the host has more (or less): go on from there
                    continue
                raise
            offset = int(answer["offset"])
            if "file" in answer:
                return dict(answer["file"])
            if not body:
                raise client.Failure("the host took every byte but finished no file")
