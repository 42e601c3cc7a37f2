"""One Parley per data dir: a second launch hands over to the first instead of fighting over the port
and the database.

The first instance holds an exclusive lock on ``data_dir/parley.lock`` for its whole life (the OS
drops it if the process dies, so a crash leaves nothing stale) and listens on a loopback port written
to ``data_dir/instance.json`` with a random token. A later launch that cannot take the lock connects
there, sends ``activate`` with the token, and gets back what the first one is doing (window focused,
or headless with its URLs). The token keeps other local users from poking the port: the file is
readable only by its owner.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

LOCK_NAME = "parley.lock"
INFO_NAME = "instance.json"
# A request is one short JSON line; anything longer is not ours.
MAX_REQUEST = 4096
# The first instance answers from its accept thread at once; a second wait hides a hung first one.
CONNECT_TIMEOUT = 3.0


class AlreadyRunning(Exception):
    """Another instance holds the lock; ``reply`` is what it said (empty if it did not answer)."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__("Parley is already running for this data folder")
        self.reply = reply


class Instance:
    """The lock plus the activation listener of the running instance."""

    def __init__(self, data_dir: Path, lock_file: IO[bytes]) -> None:
        self._data_dir = data_dir
        self._lock_file = lock_file
        self._token = secrets.token_urlsafe(24)
        self._handler: Callable[[], dict[str, Any]] = lambda: {"ok": True}
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.5)
        self._closed = threading.Event()
        info = {"port": self._sock.getsockname()[1], "token": self._token, "pid": os.getpid()}
        path = data_dir / INFO_NAME
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(info, out)
        self._thread = threading.Thread(target=self._serve, name="single-instance", daemon=True)
        self._thread.start()

    def on_activate(self, handler: Callable[[], dict[str, Any]]) -> None:
        """``handler()`` runs (on the listener thread) when a second launch knocks; it returns the
        reply, e.g. after focusing the window."""
        self._handler = handler

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(CONNECT_TIMEOUT)
                    request = json.loads(conn.makefile("rb").readline(MAX_REQUEST) or b"{}")
                    if request.get("token") != self._token or request.get("cmd") != "activate":
                        conn.sendall(b'{"ok": false}\n')
                        continue
                    reply = self._handler()
                    conn.sendall(json.dumps(reply).encode() + b"\n")
                except (OSError, ValueError):
                    log.warning("bad knock on the single-instance port", exc_info=True)

    def close(self) -> None:
        """Stop listening and drop the lock. Safe to call twice."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._sock.close()
        self._thread.join(2.0)
        try:
            (self._data_dir / INFO_NAME).unlink(missing_ok=True)
        finally:
            _unlock(self._lock_file)
            self._lock_file.close()


def acquire(data_dir: Path) -> Instance:
    """Become the running instance, or raise AlreadyRunning after asking the first one to activate."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_file = open(data_dir / LOCK_NAME, "a+b")  # noqa: SIM115 (held for the process's life)
    if not _try_lock(lock_file):
        lock_file.close()
        raise AlreadyRunning(_knock(data_dir))
    return Instance(data_dir, lock_file)


def _knock(data_dir: Path) -> dict[str, Any]:
    try:
        info = json.loads((data_dir / INFO_NAME).read_text())
        with socket.create_connection(("127.0.0.1", int(info["port"])), CONNECT_TIMEOUT) as conn:
            conn.settimeout(CONNECT_TIMEOUT)
            conn.sendall(json.dumps({"cmd": "activate", "token": info["token"]}).encode() + b"\n")
            reply = json.loads(conn.makefile("rb").readline(MAX_REQUEST) or b"{}")
            return reply if isinstance(reply, dict) else {}
    except (OSError, ValueError, KeyError):
        # The first one is starting up (no info file yet) or hung: say it runs, without details.
        log.warning("the running instance did not answer", exc_info=True)
        return {}


if sys.platform == "win32":  # untested here; msvcrt locks one byte, which is all a mutex needs
    import msvcrt

    def _try_lock(f: IO[bytes]) -> bool:
        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(f: IO[bytes]) -> None:
        try:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(f: IO[bytes]) -> bool:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(f: IO[bytes]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
