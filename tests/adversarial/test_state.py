"""What a peer can do to state others see, from outside (the hostile-peer issue, items 10 and 18):
a read mark only ever names a message of its room, and a full disk is a clear refusal that loses
nothing and heals when space returns."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adversarial.conftest import JOIN_CODE, Target, start_target, tmpfs
from tests.peers import Refused

pytestmark = pytest.mark.integration


def test_a_read_mark_must_name_a_message_of_its_room(target: Target) -> None:
    peer = target.connect()
    other = target.connect(name="Marker", code=JOIN_CODE)  # someone else, whose messages count
    try:
        room = peer.call("create_room", {"name": "marks"})["room"]
        other.call("join_room", {"room_id": room["id"]})
        elsewhere = peer.send(target.general, "in general", "mark-1")
        for message_id in (99_999_999, elsewhere["id"]):
            ack = peer.call("mark_read", {"room_id": room["id"], "message_id": message_id})
            assert ack["error"]["code"] == "not_found"
        said = other.send(room["id"], "after the attempts", "mark-2")
        counts = peer.call("count_unread", {"rooms": [{"room_id": room["id"]}]})["counts"]
        assert counts == [{"room_id": room["id"], "count": 1, "mentions": 0}]  # not hidden
        ack = peer.call("mark_read", {"room_id": room["id"], "message_id": said["id"]})
        assert ack["ok"] and ack["last_read_id"] == said["id"]
    finally:
        peer.close()
        other.close()
    target.assert_unharmed()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB disk of the test's own, to fill."""
    with tmpfs(tmp_path / "disk", 24) as mount:
        yield mount


def _health(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def _fill(path: Path) -> None:
    """Write zeros until the file system says it is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):  # big blocks, then the last few bytes
            try:
                while os.write(fd, b"\0" * size):  # bounded by the tmpfs size
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)


def test_a_full_disk_refuses_clearly_loses_nothing_and_heals(small_disk: Path) -> None:
    # Sends are paced by the rate limit otherwise; what is under test here is the disk.
    target = start_target(
        small_disk / "data", env={"PARLEY_SEND_RATE": "1000", "PARLEY_SEND_BURST": "1000"}
    )
    try:
        peer = target.connect()
        acked = [peer.send(target.general, f"before {n}", f"before-{n}") for n in range(20)]
        _fill(small_disk / "filler")
        refused = [
            peer.call(
                "send_message",
                {"room_id": target.general, "text": "x" * 3000 + str(n), "client_id": f"f{n}"},
            )
            for n in range(40)  # enough pages that SQLite must grow the WAL
        ]
        failures = [ack for ack in refused if not ack["ok"]]
        assert failures, f"nothing was refused on a full disk: {refused[:3]}"
        assert {ack["error"]["code"] for ack in failures} == {"storage_full"}
        status, body = _health(target.url)
        assert status == 503 and body["error"]["code"] == "storage_full"  # type: ignore[index]
        with pytest.raises(Refused) as joining:
            target.connect(name="Late", code=JOIN_CODE)
        assert joining.value.code == "storage_full"  # a clear refusal, not a hang
        os.unlink(small_disk / "filler")
        time.sleep(0.2)
        again = peer.call(
            "send_message", {"room_id": target.general, "text": "after", "client_id": "after-1"}
        )
        assert again["ok"], again
        assert _health(target.url)[0] == 200
        history = peer.call("fetch_messages", {"room_id": target.general, "limit": 200})
        ids = {m["id"]: m["text"] for m in history["messages"]}
        assert all(ids.get(m["id"]) == m["text"] for m in acked)
        acked_while_full = [ack["message"] for ack in refused if ack["ok"]]
        assert all(ids.get(m["id"]) == m["text"] for m in acked_while_full)
        peer.close()
        target.assert_unharmed()
    finally:
        assert target.process.stop() == 0
