"""Holding connections open as a hostile peer, from outside (the hostile-peer issue, items 5 and 8):
half-open requests time out, one address holds a bounded number of connections, a host short of
file descriptors still lets a newcomer in, and nothing of the host's is readable by other users."""

from __future__ import annotations

import os
import resource
import socket
import stat
import time
from pathlib import Path

import pytest

from tests.adversarial.conftest import Target, seed, start_target

pytestmark = pytest.mark.integration


def _half_open(port: int, source: str) -> socket.socket | None:
    """A connection that starts a request and never finishes its headers (None: refused)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    except OSError:
        return None
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    except OSError:
        s.close()
        return None
    return s


def _closed_by_host(s: socket.socket, within: float) -> bool:
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.fixture(autouse=True)
def _enough_descriptors_for_the_attacker() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 8192):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))


def test_half_open_requests_are_timed_out(target: Target) -> None:
    sockets = [s for s in (_half_open(target.port, "127.0.0.50") for _ in range(20)) if s]
    try:
        assert len(sockets) == 20
        target.assert_unharmed()  # others are served meanwhile
        # HEADER_TIMEOUT is 10 s: all of them are closed by the host well within 20.
        deadline = time.monotonic() + 20
        assert all(_closed_by_host(s, max(0.1, deadline - time.monotonic())) for s in sockets)
    finally:
        for s in sockets:
            s.close()
    target.assert_unharmed()


def test_one_address_holds_a_bounded_number_of_connections(target: Target) -> None:
    before = target.open_files()
    sockets = [s for s in (_half_open(target.port, "127.0.0.51") for _ in range(300)) if s]
    try:
        time.sleep(0.5)
        held = sum(not _closed_by_host(s, 0.01) for s in sockets)
        assert held <= 128, f"one address holds {held} connections"
        assert target.open_files() - before <= 140
        target.assert_unharmed()
    finally:
        for s in sockets:
            s.close()


def test_a_host_short_of_descriptors_still_lets_a_newcomer_in(
    tmp_path: Path,
) -> None:
    # The issue: with `ulimit -n 1024`, 1,100 half-open requests stopped the host answering
    # anyone. Here it may open 512 files; nine attacking addresses open 1,100.
    target = start_target(tmp_path / "data", prefix=["prlimit", "--nofile=512:512"])
    sockets: list[socket.socket] = []
    try:
        for n in range(1_100):
            s = _half_open(target.port, f"127.0.0.{60 + n % 9}")
            if s is not None:
                sockets.append(s)
        time.sleep(0.5)
        assert target.open_files() < 512
        target.assert_unharmed()  # a new client from another address is served within 100 ms
    finally:
        for s in sockets:
            s.close()
        assert target.process.stop() == 0


def test_history_files_and_keys_are_this_users_alone(target: Target) -> None:
    data = target.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("parley.sqlite3", "parley.sqlite3-wal", "secret_key", "host_id"):
        path = data / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, name
    for sub in ("files", "uploads"):
        assert stat.S_IMODE((data / sub).stat().st_mode) == 0o700, sub
    assert not (data / "join_code").exists()
    target.assert_unharmed()


def test_a_data_dir_made_world_readable_is_closed_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seeded = seed(data)
    os.chmod(data, 0o755)  # as an older Parley under umask 022 left it
    os.chmod(data / "parley.sqlite3", 0o644)
    target = start_target(data, seeded=seeded)
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "parley.sqlite3").stat().st_mode) == 0o600
        target.assert_unharmed()
    finally:
        assert target.process.stop() == 0
