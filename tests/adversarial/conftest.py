"""A host under attack, and what must hold after every attack (the hostile-peer issue).

The host runs as its own process (``python -m backend``, as a LAN host runs it), so what an attack
costs it is measured from outside: its RSS and open files in /proc, its log on stdout. One host per
test module (starting one costs a second; every test checks the invariants itself):

- a new client still connects and gets its ``welcome`` within 100 ms (best of three tries, so one
  scheduling hiccup on a shared CI machine does not count as a wedged host);
- ``PRAGMA integrity_check`` of its database is ``ok``;
- the 200 messages written before any attack are all there, unchanged;
- its log holds no traceback.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend.chat.names import name_key
from backend.chat.sessions import hash_token
from backend.storage.sqlite.store import SqliteBackend
from tests.hostproc import HostProcess
from tests.peers import Peer
from tests.rawws import masked, raw_websocket, read_frame

JOIN_CODE = "8642097531"
KNOWN_MESSAGES = 200
# The bound for "the host still serves a new client".
SERVE_WITHIN_S = 0.100


@dataclass
class Target:
    """A running host and what it held before the attacks."""

    process: HostProcess
    data_dir: Path
    url: str
    port: int
    token: str  # a known user's device token
    general: int  # the general room's id
    known: dict[int, str]  # id -> text of the messages written before any attack

    @property
    def pid(self) -> int:
        return self.process.proc.pid

    def log(self) -> str:
        return "".join(self.process.output)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def connect(self, **auth: Any) -> Peer:
        return Peer(self.url, auth or {"token": self.token})

    def raw(
        self, extra_headers: str = "", source: str | None = None
    ) -> tuple[socket.socket, bytes]:
        """A websocket to the Engine.IO endpoint, past its open packet; ``source``: the loopback
        address it comes from (127.0.0.x), to be another machine."""
        s, rest, _ = raw_websocket(self.port, extra_headers, source)
        _opcode, _open, rest = read_frame(s, rest)  # Engine.IO "0{sid...}"
        return s, rest

    def raw_connect(self, auth: Any, source: str | None = None) -> tuple[str, Any]:
        """A Socket.IO connect with ``auth`` on a fresh websocket: ("welcome", payload) or
        ("refused", connect_error data). The socket is closed afterwards."""
        s, rest = self.raw(source=source)
        with s:
            s.sendall(masked(0x1, ("40" + json.dumps(auth)).encode()))
            for _ in range(20):
                _opcode, payload, rest = read_frame(s, rest)
                if payload.startswith(b"44"):
                    return "refused", json.loads(payload[2:])
                if payload.startswith(b'42["welcome"'):
                    return "welcome", json.loads(payload[2:])[1]
        raise AssertionError("neither welcome nor a refusal")

    def signed_in_raw(self) -> tuple[socket.socket, bytes]:
        """A raw websocket past Socket.IO's connect and the host's ``welcome``."""
        s, rest = self.raw()
        s.sendall(masked(0x1, ("40" + json.dumps({"token": self.token})).encode()))
        seen = b""
        while b'"welcome"' not in seen:
            _opcode, payload, rest = read_frame(s, rest)
            seen += payload
        return s, rest

    def time_to_welcome(self) -> float:
        """Seconds from a new websocket's Socket.IO connect to its ``welcome`` (hand-made client,
        so the measure is the host's, not a client library's)."""
        s, rest = self.raw()
        with s:
            started = time.perf_counter()
            s.sendall(masked(0x1, ("40" + json.dumps({"token": self.token})).encode()))
            seen = b""
            while b'"welcome"' not in seen:
                _opcode, payload, rest = read_frame(s, rest)
                seen += payload
            return time.perf_counter() - started

    def assert_unharmed(self) -> None:
        """The invariants every attack must leave standing (see the module docstring)."""
        assert self.process.proc.poll() is None, f"the host died:\n{self.log()[-3000:]}"
        best = min(self.time_to_welcome() for _ in range(3))
        assert best <= SERVE_WITHIN_S, f"a new client waited {best * 1000:.0f} ms"
        db = sqlite3.connect(f"file:{self.data_dir / 'parley.sqlite3'}?mode=ro", uri=True)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            marks = ",".join("?" * len(self.known))
            rows = dict(
                db.execute(f"SELECT id, text FROM message WHERE id IN ({marks})", list(self.known))
            )
        finally:
            db.close()
        assert rows == self.known, "messages written before the attack changed"
        assert "Traceback" not in self.log(), self.log()[-4000:]


def seed(data_dir: Path) -> tuple[str, int, dict[int, str]]:
    """Write a user and KNOWN_MESSAGES messages the way the host would, before it starts:
    (the user's device token, general's id, id -> text)."""
    token = secrets.token_urlsafe(32)
    store = SqliteBackend(data_dir / "parley.sqlite3", synchronous="normal").open_writer()
    try:
        store.begin()
        general = store.rooms.insert("general", "general", kind="channel", created_by=None)
        keeper = store.users.insert("Keeper", name_key("Keeper"))
        store.devices.insert(keeper.id, hash_token(token))
        store.members.insert(general.id, keeper.id)
        known = {}
        for n in range(KNOWN_MESSAGES):
            text = f"known message {n} ✓"
            message, _ = store.messages.insert(general.id, keeper, f"known-{n}", text)
            known[message.id] = text
        store.commit()
    finally:
        store.close()
    return token, general.id, known


def start_target(
    data_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    seeded: tuple[str, int, dict[int, str]] | None = None,
) -> Target:
    """A host on a data dir with a known user and KNOWN_MESSAGES messages in general (written
    here first unless ``seeded`` says what ``seed`` wrote)."""
    token, general, known = seeded or seed(data_dir)
    process = HostProcess(data_dir, "--join-code", JOIN_CODE, *args, env=env, prefix=prefix)
    port = int(process.url.rstrip("/").rsplit(":", 1)[1])
    return Target(process, data_dir, process.url, port, token, general, known)


@contextmanager
def tmpfs(where: Path, mib: int) -> Iterator[Path]:
    """A small tmpfs of the test's own at ``where`` (root only: a real small disk, not a mock);
    the test is skipped where mounting is not allowed."""
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={mib}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One host per test module, attacked by each test in turn."""
    host = start_target(tmp_path_factory.mktemp("adversarial") / "data")
    yield host
    status = host.process.stop()
    assert status == 0, host.log()[-3000:]
