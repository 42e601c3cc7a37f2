"""``parley download [--host URL] FILE_ID [-o PATH]``: fetch a file someone sent.

Written to a temporary file next to the destination and renamed into place only once its size and
SHA-256 match what the host promised (``Content-Length``; the ``ETag`` is the quoted SHA-256), so a
dropped connection or a changed file never leaves a partial file under the final name. Without
``-o`` the file keeps its sent name (its last path component only) in the current folder; ``-o -``
writes it to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import sys
import tempfile
from email.message import Message
from pathlib import Path
from typing import IO

from desktop.cli import client

READ_BLOCK = 1 << 20
SHA256 = re.compile(r'^"?([0-9a-f]{64})"?$')


def main(argv: list[str]) -> int:
    p = client.parser("download", "Download a file by its id (see tail/search output).")
    p.add_argument("file_id", metavar="FILE_ID", type=int)
    p.add_argument("-o", "--output", metavar="PATH", help="where to write it (- for stdout)")
    args = p.parse_args(argv)
    return client.run("download", lambda: _download(args))


def _sent_name(headers: Message, file_id: int) -> str:
    """The name from Content-Disposition (RFC 5987 filename* first), reduced to a plain file name:
    a peer's name never picks the folder."""
    name = headers.get_filename() or ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", "..") or name.startswith("."):
        name = f"file-{file_id}" + (name if name not in (".", "..") else "")
    return name


def _download(args: argparse.Namespace) -> int:
    login, url = client.saved_login(args)
    resp = client.open_url(
        "GET",
        f"{url.rstrip('/')}/api/files/{args.file_id}",
        login.token,
        fingerprint=login.fingerprint,
    )
    with resp:
        expected_size = int(resp.headers.get("Content-Length") or -1)
        match = SHA256.match(resp.headers.get("ETag") or "")
        expected_sha = match.group(1) if match else None
        if args.output == "-":
            size, sha = _copy(resp, sys.stdout.buffer)
            dest = None
        else:
            dest = (
                Path(args.output) if args.output else Path(_sent_name(resp.headers, args.file_id))
            )
            if dest.is_dir():
                dest = dest / _sent_name(resp.headers, args.file_id)
            try:
                fd, tmp = tempfile.mkstemp(prefix=".parley-", suffix=".part", dir=dest.parent)
            except OSError as exc:
                raise client.Failure(f"cannot write in {dest.parent}: {exc.strerror}") from None
            try:
                with os.fdopen(fd, "wb") as out:
                    size, sha = _copy(resp, out)
                _check(size, sha, expected_size, expected_sha)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    if dest is None:
        _check(size, sha, expected_size, expected_sha)
        return 0
    if args.json:
        client.emit({"id": args.file_id, "path": str(dest), "sha256": sha, "size": size})
    else:
        client.say(str(dest))
    return 0


def _copy(src: IO[bytes], dst: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    try:
        while block := src.read(READ_BLOCK):
            digest.update(block)
            dst.write(block)
            size += len(block)
    except (OSError, http.client.HTTPException) as exc:
        raise client.Lost(f"the download broke off after {size} bytes: {exc}") from None
    dst.flush()
    return size, digest.hexdigest()


def _check(size: int, sha: str, expected_size: int, expected_sha: str | None) -> None:
    if expected_size >= 0 and size != expected_size:
        raise client.Failure(f"got {size} bytes of {expected_size}; nothing was saved")
    if expected_sha is not None and sha != expected_sha:
        raise client.Failure("the file's SHA-256 does not match the host's; nothing was saved")
