"""Where backups go and which of a folder's entries are Parley's: the folder rules the host's backup
commands (chat/backups.py) and ``parley backup`` share, apart from making one (backup.py), which is
the part that needs a storage engine.

A backup is a folder ``parley-backup-YYYYMMDD-HHMMSS`` holding a ``manifest.json`` whose format is
``parley-backup`` (backup.py says what else); a folder that only looks like one is not ours and is
never touched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import private_dir

MANIFEST = "manifest.json"


PREFIX = "parley-backup-"


# A backup folder's name: the UTC second it was started, and a number when one already had it.
NAME = re.compile(r"\Aparley-backup-(\d{8}-\d{6})(?:-(\d{1,4}))?\Z")


# A backup being written (or cut off by a crash): removed by ``prune`` once older than a day.
PARTIAL = re.compile(r"\A\.parley-backup-[0-9a-f]{12}\.partial\Z")


STALE_PARTIAL_S = 24 * 3600.0


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int  # of everything in the backup folder
    counts: dict[str, int]  # users, rooms, messages, files
    created_at: str
    host_id: str
    host_name: str | None

    def to_wire(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "counts": dict(self.counts),
            "created_at": self.created_at,
            "host_id": self.host_id,
            "host_name": self.host_name,
        }


def default_folder(data_dir: Path) -> Path:
    """Where backups go unless the admin chose a folder: beside the data dir, not inside it."""
    return data_dir.resolve().parent / "parley-backups"


def check_folder(folder: Path, data_dir: Path) -> Path:
    """``folder`` made if missing (0700) and proven writable, outside ``data_dir``; resolved.

    :raise BackupError: it is a file, it cannot be made or written, or it is in the data dir.
    """
    folder = Path(folder)
    if not folder.is_absolute():
        raise BackupError("Give the backup folder's full path, not a relative one.")
    try:
        resolved = folder.resolve()
        data = Path(data_dir).resolve()
        if resolved == data or data in resolved.parents:
            raise BackupError("Pick a folder outside the host's data folder.")
        if resolved.exists() and not resolved.is_dir():
            raise BackupError(f"{folder} is a file, not a folder.")
        private_dir(resolved)
        probe = resolved / f".parley-write-test-{secrets.token_hex(4)}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:  # cannot be made or written, a name too long, ...
        raise BackupError(f"Cannot write to {folder}: {exc.strerror or exc}.") from exc
    return resolved


def backups_in(folder: Path) -> list[Path]:
    """The complete Parley backups in ``folder``, oldest first: folders named like one that hold
    a Parley manifest. Anything else there is not ours and is never touched."""
    found: list[tuple[str, int, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        match = NAME.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        if read_manifest(Path(entry.path)) is None:
            continue
        found.append((match.group(1), int(match.group(2) or 1), Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups in ``folder``, and what backups cut off by a
    crash left there over a day ago (one still being written is younger); the backups removed."""
    backups = backups_in(folder)
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        shutil.rmtree(path)
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return doomed
    for entry in entries:
        if PARTIAL.match(entry.name) and entry.is_dir(follow_symlinks=False):
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_PARTIAL_S:
                shutil.rmtree(entry.path, ignore_errors=True)
    return doomed


def read_manifest(backup: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != "parley-backup":
        return None
    return data
