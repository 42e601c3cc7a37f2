"""Who has a database open for writing: the host's writer holds an OS lock on a file beside it.

A command that must be alone with the data dir (``parley import``) takes the same lock and refuses
when it cannot: SQLite's own locks are held only for a transaction, so they cannot tell an idle host
from none. The OS drops the lock when its process ends, so a crash leaves nothing stale.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".writer-lock")


def try_hold(db_path: Path) -> IO[bytes] | None:
    """The open, locked lock file (closing it releases the lock), or None: someone holds it."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    handle = os.fdopen(fd, "r+b")
    if _try_lock(handle):
        return handle
    handle.close()
    return None


if sys.platform == "win32":  # the same one-byte mutex as desktop/single_instance.py
    import msvcrt

    def _try_lock(f: IO[bytes]) -> bool:
        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

else:
    import fcntl

    def _try_lock(f: IO[bytes]) -> bool:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
