"""Small secrets kept as files in the data dir: the Flask key and the host id.

(The join code is the host's setting, in the database: host_settings.py.)

Created on first run with mode 0600 (nobody else on the machine reads them), reused afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

SECRET_KEY_FILE = "secret_key"
HOST_ID_FILE = "host_id"


def load_or_create(path: Path, make: Callable[[], str]) -> str:
    """Read the file, or write ``make()`` to it with mode 0600 if it does not exist yet."""
    try:
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    write_private(path, value)
    return value


def write_private(path: Path, value: str) -> None:
    """Replace ``path`` atomically with ``value``, readable by this user only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a file left over from a crash
    os.replace(tmp, path)


def secret_key(data_dir: Path) -> str:
    return load_or_create(data_dir / SECRET_KEY_FILE, lambda: secrets.token_hex(32))


def host_id(data_dir: Path) -> str:
    return load_or_create(data_dir / HOST_ID_FILE, lambda: secrets.token_hex(8))
