"""Backups of a host's data dir while it runs, and restoring one into a new data dir.

A backup is a folder ``parley-backup-YYYYMMDD-HHMMSS`` (UTC; ``-2``, ``-3`` … when two start in
the same second) holding:

- ``parley.sqlite3``: the database as it stood at one instant (``Backend.snapshot``: SQLite's
  online backup API inside one read transaction), taken first;
- ``files/<sha[:2]>/<sha256>``: exactly the stored files the copy's ``file`` rows name, copied
  after it (stored files never change, they are named by their content; each is hashed as it is
  copied and must match its name);
- ``secret_key`` and ``host_id``: so a restored host is the same host (its id on the LAN, its
  sessions); the host's name, join code and devices (token hashes) are rows in the database;
- ``manifest.json``: format and schema version, host id and name, when, how many users, rooms,
  messages and files, and the size and SHA-256 of every other file in the folder.

It is written under a hidden temporary name, every file fsync'd, then renamed: a folder with the
final name is always complete. Files are 0600 and folders 0700 (the history is this user's).

Plain, blocking Python: the host runs it on a worker thread (chat/backups.py), the ``parley
backup`` command in its own process (consistent under WAL beside a running host). Docs:
docs/storage.md, "Backup and restore".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import secrets_store
from .backup_folder import (
    MANIFEST,
    PREFIX,
    BackupError,
    BackupResult,
    default_folder,
    read_manifest,
)
from .paths import private_dir
from .storage.blobs import SHA256, stored_path
from .storage.interface import Backend, Snapshot
from .storage.sqlite.store import DB_FILE, SqliteBackend
from .version import __version__

FORMAT_VERSION = 1
SECRETS = (secrets_store.SECRET_KEY_FILE, secrets_store.HOST_ID_FILE)
# The only paths a manifest may list (anything else is refused by restore, never followed).
LISTED = re.compile(
    rf"\A(?:{re.escape(DB_FILE)}|secret_key|host_id|files/[0-9a-f]{{2}}/[0-9a-f]{{64}})\Z"
)
BLOCK = 1024 * 1024
# A stored file can vanish between the database copy and the file copy (its message was deleted
# and the clean-up removed it meanwhile): the backup then starts over, with a newer copy.
ATTEMPTS = 3

# What a host on PostgreSQL says when asked for a backup (its history is not in its data dir).
NO_POSTGRES_BACKUP = (
    "This host keeps its history in PostgreSQL: back it up with PostgreSQL's own tools (pg_dump) "
    "and copy its files directory; see docs/deploy.md."
)

# (phase, done, total): "database" in pages, "files" in bytes. Called from the working thread.
BackupProgress = Callable[[str, int, int], None]


class _Vanished(Exception):
    """A stored file the database copy names was removed before it could be copied."""


def engine(data_dir: Path) -> Backend:
    """The storage engine of a data dir (SQLite, the one engine today)."""
    return SqliteBackend(data_dir / DB_FILE, synchronous="full")


# -- backing up ------------------------------------------------------------------------------------


def make_backup(
    data_dir: Path,
    folder: Path | None = None,
    *,
    progress: BackupProgress | None = None,
    clock: Callable[[], datetime] | None = None,
    backend: Backend | None = None,
    postgres: bool = False,
) -> BackupResult:
    """Back up ``data_dir`` (its host may be running) into a new folder inside ``folder``
    (default: ``parley-backups`` beside the data dir).

    :raise BackupError: no database there, the folder cannot be written, a check failed.
    """
    data_dir = Path(data_dir)
    if postgres:  # the history is in PostgreSQL, not in the data dir (docs/deploy.md)
        raise BackupError(NO_POSTGRES_BACKUP)
    if not (data_dir / DB_FILE).is_file():
        raise BackupError(f"There is no Parley database in {data_dir}.")
    folder = Path(folder) if folder is not None else default_folder(data_dir)
    data = data_dir.resolve()
    if folder.resolve() == data or data in folder.resolve().parents:
        # A backup inside what it backs up would be lost with it (and copied by the next one).
        raise BackupError("Put backups in a folder outside the host's data folder.")
    report = progress or (lambda phase, done, total: None)
    backend = backend or engine(data_dir)
    try:
        private_dir(folder)
    except OSError as exc:
        raise BackupError(f"Cannot make the backup folder {folder}: {exc.strerror or exc}") from exc
    for attempt in range(ATTEMPTS):
        now = (clock or _utc_now)()
        temp = folder / f".{PREFIX}{secrets.token_hex(6)}.partial"
        try:
            temp.mkdir(mode=0o700)
            result = _write(data_dir, temp, backend, report, now)
            final = _free_name(folder, now)
            os.rename(temp, final)
            _fsync_dir(folder)
            return dataclasses.replace(result, path=final)
        except _Vanished:
            if attempt == ATTEMPTS - 1:
                raise BackupError(
                    "Files kept being removed while they were copied; try again."
                ) from None
        except OSError as exc:
            raise BackupError(f"The backup failed: {exc.strerror or exc}") from exc
        finally:
            if temp.exists():
                shutil.rmtree(temp, ignore_errors=True)
    raise AssertionError("unreachable")


def _write(
    data_dir: Path, temp: Path, backend: Backend, report: BackupProgress, now: datetime
) -> BackupResult:
    """Fill ``temp``: database, files, secrets, manifest (each fsync'd)."""
    db_copy = temp / DB_FILE
    try:
        backend.snapshot(db_copy, lambda done, total: report("database", done, total))
    except OSError:
        raise
    except Exception as exc:  # the engine's own error (locked, damaged, not a database)
        raise BackupError(f"The database could not be copied: {exc}") from exc
    try:
        info = backend.inspect(db_copy)
    except ValueError as exc:
        raise BackupError(f"The database copy cannot be read: {exc}") from exc
    if info.integrity != "ok":
        raise BackupError(f"The database copy failed its integrity check: {info.integrity}")
    listed = [_entry(temp, DB_FILE)]
    sources = []
    for sha256 in info.blobs:
        if not SHA256.match(sha256):
            raise BackupError(f"The database names a file that is not a SHA-256: {sha256[:80]!r}")
        source = stored_path(data_dir / "files", sha256)
        try:
            sources.append((sha256, source, source.stat().st_size))
        except FileNotFoundError:
            raise _Vanished from None
    total = sum(size for _, _, size in sources)
    done = 0
    report("files", 0, total)
    for sha256, source, _ in sources:
        relative = f"files/{sha256[:2]}/{sha256}"
        target = temp / relative
        _private_dirs(temp, target.parent)
        try:
            size, digest = _copy(source, target)
        except FileNotFoundError:
            raise _Vanished from None
        if digest != sha256:
            raise BackupError(f"The stored file {sha256} is damaged (its content changed).")
        listed.append({"path": relative, "size": size, "sha256": digest})
        done += size
        report("files", done, total)
    for name in SECRETS:
        source = data_dir / name
        if source.is_file():
            size, digest = _copy(source, temp / name)
            listed.append({"path": name, "size": size, "sha256": digest})
    id_file = temp / secrets_store.HOST_ID_FILE
    host_id = id_file.read_text(encoding="utf-8").strip() if id_file.is_file() else ""
    created_at = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    manifest = {
        "format": "parley-backup",
        "format_version": FORMAT_VERSION,
        "schema_version": info.schema_version,
        "parley_version": __version__,
        "host_id": host_id,
        "host_name": info.host_name,
        "created_at": created_at,
        "counts": info.counts,
        "files": listed,
    }
    _write_private(temp / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8") + b"\n")
    for directory in sorted({temp / e["path"] for e in listed}, reverse=True):
        _fsync_dir(directory.parent)
    _fsync_dir(temp)
    size = sum(int(e["size"]) for e in listed) + (temp / MANIFEST).stat().st_size
    return BackupResult(temp, size, info.counts, created_at, host_id, info.host_name)


def _free_name(folder: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"{PREFIX}{stamp}"
    number = 1
    while candidate.exists():  # bounded by the folders already there
        number += 1
        candidate = folder / f"{PREFIX}{stamp}-{number}"
    return candidate


def _entry(root: Path, relative: str) -> dict[str, Any]:
    size, digest = _hash(root / relative)
    return {"path": relative, "size": size, "sha256": digest}


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy a file into a new private file, fsync'd; (size, SHA-256 of what was copied)."""
    hasher = hashlib.sha256()
    size = 0
    with open(source, "rb") as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as dst:
            while block := src.read(BLOCK):  # bounded by the file's size
                hasher.update(block)
                dst.write(block)
                size += len(block)
            dst.flush()
            os.fsync(dst.fileno())
    return size, hasher.hexdigest()


def _hash(path: Path) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            hasher.update(block)
            size += len(block)
    return size, hasher.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _private_dirs(root: Path, directory: Path) -> None:
    """Make ``directory`` and each folder between it and ``root`` (0700 every one of them)."""
    for level in [*reversed(directory.relative_to(root).parents), directory.relative_to(root)]:
        if str(level) != ".":
            private_dir(root / level)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- keeping the last N ----------------------------------------------------------------------------


# -- restoring -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreResult:
    data_dir: Path
    host_id: str
    host_name: str | None
    counts: dict[str, int]
    files: int  # stored files placed

    def to_wire(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "host_id": self.host_id,
            "host_name": self.host_name,
            "counts": dict(self.counts),
            "files": self.files,
        }


def restore_backup(backup: Path, data_dir: Path) -> RestoreResult:
    """Place a backup into a new data dir: every file checked against the manifest, the database
    checked for integrity, then everything put in place at once (a rename).

    :raise BackupError: the data dir is not new or empty, the backup is incomplete or damaged.
    """
    backup, data_dir = Path(backup), Path(data_dir)
    manifest = read_manifest(backup)
    if manifest is None:
        raise BackupError(f"{backup} is not a Parley backup (no readable {MANIFEST}).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup's format ({manifest.get('format_version')!r}) is not one this Parley "
            f"reads ({FORMAT_VERSION})."
        )
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(
            f"{data_dir} is not empty: restore only into a new or empty folder, so nothing "
            "there is overwritten."
        )
    entries = _checked_entries(manifest)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = data_dir.parent / f".{data_dir.name}.restoring-{secrets.token_hex(6)}"
    temp.mkdir(mode=0o700)
    try:
        for entry in entries:
            source, target = backup / entry["path"], temp / entry["path"]
            _private_dirs(temp, target.parent)
            try:
                size, digest = _copy(source, target)
            except FileNotFoundError:
                raise BackupError(f"The backup is missing {entry['path']}.") from None
            if size != entry["size"] or digest != entry["sha256"]:
                raise BackupError(f"{entry['path']} in the backup is damaged (checksum mismatch).")
        info = _checked_database(temp, entries)
        for directory in sorted({(temp / e["path"]).parent for e in entries}, reverse=True):
            _fsync_dir(directory)
        if data_dir.exists():
            data_dir.rmdir()  # empty (checked above): the rename puts the whole restore there
        os.rename(temp, data_dir)
        _fsync_dir(data_dir.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    private_dir(data_dir)
    return RestoreResult(
        data_dir,
        str(manifest.get("host_id") or ""),
        info.host_name,
        info.counts,
        sum(1 for e in entries if e["path"].startswith("files/")),
    )


def _checked_entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError("The backup's manifest lists no files.")
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in files:
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and LISTED.match(entry["path"])
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
            and SHA256.match(entry["sha256"])
        )
        if not ok or entry["path"] in seen:
            raise BackupError("The backup's manifest is damaged (an entry is not a file of ours).")
        seen.add(entry["path"])
        entries.append(entry)
    if DB_FILE not in seen:
        raise BackupError("The backup holds no database.")
    return entries


def _checked_database(temp: Path, entries: list[dict[str, Any]]) -> Snapshot:
    try:
        info = engine(temp).inspect(temp / DB_FILE)
    except ValueError as exc:
        raise BackupError(f"The backup's database cannot be read: {exc}") from exc
    if info.integrity != "ok":
        raise BackupError(f"The backup's database failed its integrity check: {info.integrity}")
    if info.schema_version > info.newest_schema:
        raise BackupError(
            f"This backup was made by a newer Parley (schema {info.schema_version}); "
            "upgrade Parley to restore it."
        )
    listed = {e["path"] for e in entries}
    missing = [s for s in info.blobs if f"files/{s[:2]}/{s}" not in listed]
    if missing:
        raise BackupError(f"The backup is missing {len(missing)} of the files its messages name.")
    return info
