"""Small secrets kept as files in the data dir: the Flask key and the host id (in the shared
database's settings instead when several processes share one: ``shared``).

(The join code is the host's setting, in the database: host_settings.py.)

Created on first run with mode 0600 (nobody else on the machine reads them), reused afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .storage.interface import Store

SECRET_KEY_FILE = "secret_key"
HOST_ID_FILE = "host_id"
# Their keys in the database's settings when processes share one (``shared``).
SECRET_KEY_SETTING = "cluster.secret_key"
HOST_ID_SETTING = "cluster.host_id"


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


def shared(store: Store, data_dir: Path) -> tuple[str, str]:
    """The Flask key and the host id of processes sharing one database (issue 17): kept in its
    settings, so every process signs and names itself alike. The first process to start puts its
    own data dir's there (an existing host keeps its id); one write job, and PostgreSQL's writes
    run one at a time across processes, so processes starting together agree."""
    found = []
    for key, file, make in (
        (SECRET_KEY_SETTING, SECRET_KEY_FILE, lambda: secrets.token_hex(32)),
        (HOST_ID_SETTING, HOST_ID_FILE, lambda: secrets.token_hex(8)),
    ):
        has, value = store.settings.get(key)
        if not has or not value:
            value = load_or_create(data_dir / file, make)
            store.settings.set(key, value)
        found.append(value)
    return found[0], found[1]
