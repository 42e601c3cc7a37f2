"""The export archive (docs/export.md): a zip of JSONL records and files, written and read a piece at
a time, never the whole history in memory.

Plain, blocking Python: the host runs these calls off the event loop (``chat/export.py``). Writing
goes to a temporary file next to the target, each entry hashed as it is written, and the manifest,
which names every other entry's SHA-256, comes last. Reading trusts nothing: ``open_archive`` checks
every name against the few the format has (so no name ever becomes a path elsewhere), every
declared size against a limit before a byte is inflated, and every entry's bytes against the
manifest before anything is stored; records are decoded into the typed objects below, or refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import Invalid, TooLarge

FORMAT = "parley-export"
VERSION = 1
SCOPES = ("host", "room", "mine")
MANIFEST = "manifest.json"
USERS = "users.jsonl"
ROOMS = "rooms.jsonl"
# Entry names the format has; anything else (``../x``, ``/etc/passwd``, ``a\\b``) is refused.
_CHANNEL_FILE = re.compile(r"\Amessages/channel-[a-z0-9_-]{1,32}\.jsonl\Z")
_DM_FILE = re.compile(r"\Amessages/dm-[0-9]{1,19}\.jsonl\Z")
_BLOB_FILE = re.compile(r"\Afiles/([0-9a-f]{64})\Z")
SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
# Bytes copied per step, and the longest JSON line read (a message of 4,000 characters with ten
# attachments and many reactions is far below it).
BLOCK = 1024 * 1024
MAX_LINE = 1024 * 1024
# Entries in one archive: rooms plus files plus the three fixed ones.
MAX_ENTRIES = 200_000
# What reading a damaged or cut entry raises (zipfile checks each entry's CRC and length at its end).
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error)
# Bounds on what a record may carry (generous: an archive may come from a host with other limits).
MAX_TEXT = 100_000
MAX_SHORT = 256
MAX_LIST = 10_000


class ArchiveError(Invalid):
    """The archive is not one this Parley can read (malformed, truncated, tampered with)."""


# -- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    is_host: bool
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "is_host": self.is_host, "created_at": self.created_at}


@dataclass(frozen=True, slots=True)
class RoomRecord:
    id: int  # the room's id on the exporting host: names its messages file
    kind: str  # "channel" | "dm"
    name: str  # "" for a direct message
    members: tuple[str, ...]
    created_at: str
    created_by: str | None

    @property
    def path(self) -> str:
        """The messages entry of this room."""
        if self.kind == "dm":
            return f"messages/dm-{self.id}.jsonl"
        return f"messages/channel-{self.name}.jsonl"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "members": list(self.members),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "messages": self.path,
        }


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    name: str
    size: int
    mime: str
    kind: str  # "image" | "file"
    sha256: str

    @property
    def path(self) -> str:
        return f"files/{self.sha256}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "mime": self.mime,
            "kind": self.kind,
            "sha256": self.sha256,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int  # the original id on the exporting host
    author: str
    client_id: str
    text: str
    created_at: str
    edited_at: str | None = None
    deleted: bool = False
    deleted_at: str | None = None
    reply_to: int | None = None
    # (emoji, user names) in the order they were first added
    reactions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    attachments: tuple[AttachmentRecord, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "client_id": self.client_id,
            "text": self.text,
            "created_at": self.created_at,
            "edited_at": self.edited_at,
            "deleted": self.deleted,
            "deleted_at": self.deleted_at,
            "reply_to": self.reply_to,
            "reactions": [{"emoji": e, "users": list(u)} for e, u in self.reactions],
            "attachments": [a.to_json() for a in self.attachments],
        }


# -- writing ---------------------------------------------------------------------------------------


class ArchiveWriter:
    """Builds an archive in a temporary file; ``finish`` adds the manifest and names the file.

    Entries are written one at a time: ``begin_jsonl`` opens one, ``lines`` appends records,
    ``end`` closes it; ``add_file`` copies stored bytes in. Each entry's SHA-256 is computed as its
    bytes go in. ``abort`` removes everything written.
    """

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(prefix=".parley-export-", suffix=".zip.part", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self._open: tuple[str, IO[bytes], Any] | None = None
        self.hashes: dict[str, str] = {}
        self.names: set[str] = set()

    def begin_jsonl(self, name: str) -> None:
        if self._open is not None or name in self.names:
            raise RuntimeError(f"entry {name} cannot be started now")
        self.names.add(name)
        # force_zip64: an entry's final size is not known while it streams.
        stream = self._zip.open(name, "w", force_zip64=True)
        self._open = (name, stream, hashlib.sha256())

    def lines(self, records: list[dict[str, Any]]) -> None:
        assert self._open is not None
        _, stream, hasher = self._open
        data = b"".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            for r in records
        )
        hasher.update(data)
        stream.write(data)

    def end(self) -> None:
        assert self._open is not None
        name, stream, hasher = self._open
        stream.close()
        self.hashes[name] = hasher.hexdigest()
        self._open = None

    def add_file(self, sha256: str, source: Path) -> None:
        """Copy stored bytes in as ``files/<sha256>`` (once per content)."""
        name = f"files/{sha256}"
        if name in self.names:
            return
        self.names.add(name)
        hasher = hashlib.sha256()
        with open(source, "rb") as src, self._zip.open(name, "w", force_zip64=True) as out:
            while block := src.read(BLOCK):
                hasher.update(block)
                out.write(block)
        digest = hasher.hexdigest()
        if digest != sha256:  # the data dir's copy is damaged: say so, never ship it as good
            raise ArchiveError(f"The stored file {sha256} is damaged (its bytes hash to {digest}).")
        self.hashes[name] = digest

    def finish(self, manifest: dict[str, Any], target: Path | None = None) -> Path:
        """Write the manifest (with every entry's hash), close the zip, and move it to ``target``
        (else it stays at ``self.path``)."""
        manifest = {**manifest, "entries": dict(sorted(self.hashes.items()))}
        self._zip.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        self._zip.close()
        os.chmod(self.path, 0o600)  # history is private, wherever the zip goes
        if target is None:
            return self.path
        os.replace(self.path, target)
        return target

    def abort(self) -> None:
        try:
            if self._open is not None:
                self._open[1].close()
            self._zip.close()
        except Exception:  # noqa: BLE001 (the archive is being thrown away)
            pass
        self.path.unlink(missing_ok=True)


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    exported_at: str
    scope: str
    host_id: str
    host_name: str
    counts: dict[str, int]
    entries: dict[str, str]


class Archive:
    """An archive whose names, sizes and bytes were checked (``open_archive``); records are decoded
    as they are read."""

    def __init__(self, zf: zipfile.ZipFile, manifest: Manifest) -> None:
        self._zip = zf
        self.manifest = manifest

    def close(self) -> None:
        self._zip.close()

    def users(self) -> Iterator[UserRecord]:
        for n, raw in enumerate(self._records(USERS), 1):
            yield _user(raw, f"{USERS} line {n}")

    def rooms(self) -> Iterator[RoomRecord]:
        for n, raw in enumerate(self._records(ROOMS), 1):
            yield _room(raw, f"{ROOMS} line {n}")

    def messages(self, room: RoomRecord) -> Iterator[MessageRecord]:
        if room.path not in self.manifest.entries:
            return
        for n, raw in enumerate(self._records(room.path), 1):
            yield _message(raw, f"{room.path} line {n}")

    def file(self, sha256: str) -> IO[bytes]:
        """The bytes of ``files/<sha256>`` (checked against the manifest already)."""
        return self._zip.open(f"files/{sha256}")

    def has_file(self, sha256: str) -> bool:
        return f"files/{sha256}" in self.manifest.entries

    def _records(self, name: str) -> Iterator[Any]:
        if name not in self.manifest.entries:
            return
        with self._zip.open(name) as stream:
            while True:
                try:
                    line = stream.readline(MAX_LINE + 1)
                except _DAMAGED:
                    raise ArchiveError(f"{name} cannot be read (the archive is damaged).") from None
                if not line:
                    return
                if len(line) > MAX_LINE:
                    raise ArchiveError(f"{name} has a line longer than {MAX_LINE} bytes.")
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except (ValueError, UnicodeDecodeError):
                    raise ArchiveError(f"{name} holds a line that is not JSON.") from None


def open_archive(path: Path, max_bytes: int) -> Archive:
    """Open and check an archive: names, declared sizes (at most ``max_bytes`` inflated in all),
    the manifest, and every entry's SHA-256 against it (read through once).

    :raises ArchiveError: anything wrong with it (what, in the message).
    :raises TooLarge: its entries would inflate to more than ``max_bytes``.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ArchiveError("That is not a readable zip file (damaged or cut short).") from None
    try:
        manifest = _check(zf, max_bytes)
    except BaseException:
        zf.close()
        raise
    return Archive(zf, manifest)


def _check(zf: zipfile.ZipFile, max_bytes: int) -> Manifest:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(f"The archive has more than {MAX_ENTRIES} entries.")
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in names:
            raise ArchiveError(f"The archive names {name!r} twice.")
        names.add(name)
        if not _known_name(name):
            raise ArchiveError(f"The archive holds an entry this format does not have: {name!r}.")
        if info.flag_bits & 0x1:
            raise ArchiveError("Encrypted archives are not supported.")
        total += info.file_size
        if info.file_size > max_bytes or total > max_bytes:
            raise TooLarge(
                f"The archive would unpack to more than the {max_bytes} bytes allowed.",
                limit=max_bytes,
            )
    if MANIFEST not in names:
        raise ArchiveError("The archive has no manifest.json: it is not a Parley export.")
    manifest = _manifest(_read_small(zf, MANIFEST))
    listed = set(manifest.entries)
    if listed != names - {MANIFEST}:
        missing = sorted(listed - names)[:3]
        extra = sorted(names - {MANIFEST} - listed)[:3]
        raise ArchiveError(
            "The archive's entries do not match its manifest "
            f"(missing: {missing or 'none'}, not listed: {extra or 'none'})."
        )
    for name, expected in manifest.entries.items():
        digest = _hash_entry(zf, name)
        if digest != expected:
            raise ArchiveError(f"{name} is not what the manifest says (its SHA-256 differs).")
        blob = _BLOB_FILE.match(name)
        if blob and blob.group(1) != digest:
            raise ArchiveError(f"{name} does not hold the content it is named for.")
    return manifest


def _known_name(name: str) -> bool:
    return (
        name in (MANIFEST, USERS, ROOMS)
        or bool(_CHANNEL_FILE.match(name))
        or bool(_DM_FILE.match(name))
        or bool(_BLOB_FILE.match(name))
    )


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        with zf.open(name) as stream:
            data = stream.read(MAX_LINE + 1)
    except _DAMAGED:
        raise ArchiveError(f"{name} cannot be read (the archive is damaged).") from None
    if len(data) > MAX_LINE:
        raise ArchiveError(f"{name} is too long.")
    return data


def _hash_entry(zf: zipfile.ZipFile, name: str) -> str:
    hasher = hashlib.sha256()
    try:
        with zf.open(name) as stream:
            while block := stream.read(BLOCK):
                hasher.update(block)
    except _DAMAGED:
        raise ArchiveError(
            f"{name} cannot be read (the archive is damaged or cut short)."
        ) from None
    return hasher.hexdigest()


def _manifest(data: bytes) -> Manifest:
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ArchiveError("manifest.json is not JSON.") from None
    where = "manifest.json"
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ArchiveError("manifest.json does not say format parley-export.")
    version = raw.get("version")
    if version != VERSION:
        raise ArchiveError(
            f"This archive is format version {version!r}; this Parley reads version {VERSION}."
        )
    host = _obj(raw.get("host"), f"{where} host")
    entries = _obj(raw.get("entries"), f"{where} entries")
    for name, digest in entries.items():
        if not isinstance(digest, str) or not SHA256.match(digest):
            raise ArchiveError(f"{where}: the SHA-256 of {name!r} is not 64 hex digits.")
    counts = _obj(raw.get("counts", {}), f"{where} counts")
    scope = _str(raw.get("scope"), f"{where} scope")
    if scope not in SCOPES:
        raise ArchiveError(f"{where}: scope must be one of {', '.join(SCOPES)}.")
    return Manifest(
        exported_at=_str(raw.get("exported_at"), f"{where} exported_at"),
        scope=scope,
        host_id=_str(host.get("id"), f"{where} host.id"),
        host_name=_str(host.get("name"), f"{where} host.name"),
        counts={str(k): _int(v, f"{where} counts") for k, v in counts.items()},
        entries={str(k): str(v) for k, v in entries.items()},
    )


# -- record decoding (every field checked: an archive is input from anywhere) ----------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArchiveError(f"{where}: expected an object.")
    return value


def _str(value: Any, where: str, limit: int = MAX_SHORT, *, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit or (not value and not empty):
        raise ArchiveError(f"{where}: expected a string of 1-{limit} characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ArchiveError(f"{where}: not valid Unicode text.") from None
    return value


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ArchiveError(f"{where}: expected a whole number.")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise ArchiveError(f"{where}: expected a list of at most {MAX_LIST}.")
    return value


def _user(raw: Any, where: str) -> UserRecord:
    raw = _obj(raw, where)
    return UserRecord(
        name=_str(raw.get("name"), f"{where} name"),
        is_host=raw.get("is_host") is True,
        created_at=_str(raw.get("created_at"), f"{where} created_at"),
    )


def _room(raw: Any, where: str) -> RoomRecord:
    raw = _obj(raw, where)
    kind = raw.get("kind")
    if kind not in ("channel", "dm"):
        raise ArchiveError(f"{where} kind: expected channel or dm.")
    room = RoomRecord(
        id=_int(raw.get("id"), f"{where} id"),
        kind=kind,
        name=_str(raw.get("name"), f"{where} name", empty=kind == "dm"),
        members=tuple(_str(m, f"{where} members") for m in _list(raw.get("members"), where)),
        created_at=_str(raw.get("created_at"), f"{where} created_at"),
        created_by=_opt_str(raw.get("created_by"), f"{where} created_by"),
    )
    if kind == "channel" and not _CHANNEL_FILE.match(room.path):
        raise ArchiveError(f"{where} name: not a channel name ({room.name!r}).")
    return room


def _attachment(raw: Any, where: str) -> AttachmentRecord:
    raw = _obj(raw, where)
    kind = raw.get("kind")
    if kind not in ("image", "file"):
        raise ArchiveError(f"{where} kind: expected image or file.")
    sha256 = _str(raw.get("sha256"), f"{where} sha256")
    if not SHA256.match(sha256):
        raise ArchiveError(f"{where} sha256: expected 64 hex digits.")
    return AttachmentRecord(
        name=_str(raw.get("name"), f"{where} name"),
        size=_int(raw.get("size"), f"{where} size"),
        mime=_str(raw.get("mime"), f"{where} mime"),
        kind=kind,
        sha256=sha256,
    )


def _message(raw: Any, where: str) -> MessageRecord:
    raw = _obj(raw, where)
    reactions = []
    for item in _list(raw.get("reactions", []), f"{where} reactions"):
        item = _obj(item, f"{where} reactions")
        users = tuple(_str(u, f"{where} reactions") for u in _list(item.get("users"), where))
        reactions.append((_str(item.get("emoji"), f"{where} emoji", 64), users))
    reply_to = raw.get("reply_to")
    return MessageRecord(
        id=_int(raw.get("id"), f"{where} id"),
        author=_str(raw.get("author"), f"{where} author"),
        client_id=_str(raw.get("client_id"), f"{where} client_id", 64),
        text=_str(raw.get("text"), f"{where} text", MAX_TEXT, empty=True),
        created_at=_str(raw.get("created_at"), f"{where} created_at"),
        edited_at=_opt_str(raw.get("edited_at"), f"{where} edited_at"),
        deleted=raw.get("deleted") is True,
        deleted_at=_opt_str(raw.get("deleted_at"), f"{where} deleted_at"),
        reply_to=None if reply_to is None else _int(reply_to, f"{where} reply_to"),
        reactions=tuple(reactions),
        attachments=tuple(
            _attachment(a, f"{where} attachments")
            for a in _list(raw.get("attachments", []), f"{where} attachments")
        ),
    )


def spool(directory: Path) -> tuple[Path, IO[bytes]]:
    """A private temporary file to receive an archive into (the caller removes it)."""
    fd, name = tempfile.mkstemp(prefix=".parley-import-", suffix=".zip.part", dir=directory)
    return Path(name), os.fdopen(fd, "wb")
