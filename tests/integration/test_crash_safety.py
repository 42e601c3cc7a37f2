"""SIGKILL the host while a client sends hundreds of messages; nothing acked may be lost or doubled."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.hostproc import HostProcess
from tests.peers import Peer

pytestmark = pytest.mark.integration

CYCLES = 4
IN_FLIGHT = 32  # sends awaiting their ack at any moment
MAX_PER_CYCLE = 600
# Rate limits off for the storm: this test is about durability, not politeness.
NO_LIMITS = {"PARLEY_SEND_RATE": "1000000", "PARLEY_SEND_BURST": "1000000"}


def _storm(
    peer: Peer, room_id: int, prefix: str, kill_after: int, host: HostProcess
) -> dict[str, dict[str, Any]]:
    """Send until ``kill_after`` acks have arrived, SIGKILL the host mid-stream, return the acks."""
    acked: dict[str, dict[str, Any]] = {}
    window = threading.Semaphore(IN_FLIGHT)
    lock = threading.Lock()
    killed = threading.Event()

    def on_ack(client_id: str, ack: dict[str, Any]) -> None:
        window.release()
        assert ack["ok"], ack
        with lock:
            acked[client_id] = ack["message"]
            if len(acked) >= kill_after and not killed.is_set():
                host.kill()  # while up to IN_FLIGHT more are on their way
                killed.set()

    def wait_for_room() -> bool:
        """A free slot in the window, or False once the host is gone."""
        for _ in range(100):
            if killed.is_set():
                return False
            if window.acquire(timeout=0.1):
                return True
        return False

    for n in range(MAX_PER_CYCLE):
        if not wait_for_room():
            break
        client_id = f"{prefix}-{n}"
        try:
            peer.sio.emit(
                "send_message",
                {"room_id": room_id, "text": f"message {client_id}", "client_id": client_id},
                callback=lambda ack, cid=client_id: on_ack(cid, ack),
            )
        except Exception:  # the connection died under us: that is the point
            break
    killed.wait(30)
    return acked


def test_sigkill_mid_storm_loses_and_doubles_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(7)
    acked: dict[str, dict[str, Any]] = {}
    token: str | None = None
    for cycle in range(CYCLES):
        host = HostProcess(data, "--open", env=NO_LIMITS)
        peer = Peer(host.url, {"token": token} if token else {"name": "Stormy"})
        token = peer.token
        acked |= _storm(peer, peer.room_id(), f"k{cycle}", rng.randint(80, 300), host)
        assert host.proc.returncode == -9
        peer.close()
    assert len(acked) >= CYCLES * 80

    # Restart once more and stop cleanly: the history over the protocol...
    host = HostProcess(data, "--open", env=NO_LIMITS)
    peer = Peer(host.url, {"token": token})
    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        page = peer.call(
            "fetch_messages", {"room_id": peer.room_id(), "after_id": after, "limit": 200}
        )
        seen += page["messages"]
        if not page["has_more"]:
            break
        after = page["messages"][-1]["id"]
    peer.close()
    assert host.stop() == 0

    by_client_id = {m["client_id"]: m for m in seen}
    assert len(by_client_id) == len(seen)  # nothing doubled
    for client_id, message in acked.items():  # every acked message, as acked
        assert by_client_id[client_id] == message

    # ...and the file itself.
    db = sqlite3.connect(data / "parley.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(db.execute("SELECT client_id, id FROM message").fetchall())
        assert {cid: m["id"] for cid, m in acked.items()}.items() <= rows.items()
        ids = [row[0] for row in db.execute("SELECT id FROM message ORDER BY id")]
        assert len(ids) == len(set(ids)) == len(seen)
    finally:
        db.close()
