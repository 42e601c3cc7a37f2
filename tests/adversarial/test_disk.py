"""Filling the host's disk through uploads, from outside (the hostile-peer issue, item 6).

The issue: finished uploads nobody sent were not counted by the 20-upload cap and never cleaned up
(40 x 1 MiB accepted and kept), with no per-user or total quota and no free-space check. Each test
runs its own host process with the settings it needs; the clean-up's age and period are host
settings set small here, so nothing waits a day. Every wait is a bounded poll.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.adversarial.conftest import JOIN_CODE, Target, start_target, tmpfs
from tests.peers import Peer

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
TIMEOUT = 30
# Bound on waiting for the host's periodic clean-up (it runs every fraction of a second here).
CLEANUP_WAIT_S = 60.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Uploader:
    """One device's plain HTTP client for /api/uploads and /api/files."""

    def __init__(self, target: Target, token: str) -> None:
        self.url = target.url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def create(self, room_id: int, data: bytes, size: int | None = None) -> requests.Response:
        body = {
            "room_id": room_id,
            "name": "x.bin",
            "size": len(data) if size is None else size,
            "sha256": _sha(data),
        }
        return self.http.post(f"{self.url}api/uploads", json=body, timeout=TIMEOUT)

    def put(self, upload_id: str, offset: int, chunk: bytes) -> requests.Response:
        return self.http.put(
            f"{self.url}api/uploads/{upload_id}",
            data=chunk,
            headers={"Upload-Offset": str(offset)},
            timeout=TIMEOUT,
        )

    def upload(self, room_id: int, data: bytes) -> requests.Response:
        """Create, then send every byte in one chunk (chunks are 8 MiB): the create's refusal,
        or the last chunk's answer."""
        created = self.create(room_id, data)
        if created.status_code != 201:
            return created
        return self.put(created.json()["upload_id"], 0, data)

    def get(self, file_id: int) -> requests.Response:
        return self.http.get(f"{self.url}api/files/{file_id}", timeout=TIMEOUT)

    def cancel(self, upload_id: str) -> requests.Response:
        return self.http.delete(f"{self.url}api/uploads/{upload_id}", timeout=TIMEOUT)


def _refusal(response: requests.Response) -> tuple[int, str, dict[str, Any]]:
    """(status, code, data) of a refusal."""
    error = response.json()["error"]
    assert error["message"]
    return response.status_code, error["code"], error.get("data", {})


def _stored(data_dir: Path) -> int:
    """Bytes of finished files in the data dir."""
    return sum(p.stat().st_size for p in (data_dir / "files").rglob("*") if p.is_file())


def _file_rows(data_dir: Path) -> int:
    db = sqlite3.connect(f"file:{data_dir / 'parley.sqlite3'}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM file").fetchone()[0])
    finally:
        db.close()


def _send(peer: Peer, room_id: int, file_id: int) -> dict[str, Any]:
    ack = peer.call(
        "send_message",
        {"room_id": room_id, "text": "", "client_id": f"file-{file_id}", "attachments": [file_id]},
    )
    assert ack["ok"], ack
    return ack["message"]  # type: ignore[no-any-return]


def _until(condition: Any, what: str) -> None:
    """Poll ``condition()`` until it holds, at most CLEANUP_WAIT_S."""
    deadline = time.monotonic() + CLEANUP_WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {CLEANUP_WAIT_S:.0f}s: {what}"
        time.sleep(0.1)


@pytest.fixture
def hosts() -> Iterator[list[Target]]:
    started: list[Target] = []
    yield started
    for target in started:
        assert target.process.stop() == 0, target.log()[-3000:]


def test_forty_finished_unsent_uploads_stop_at_the_cap(tmp_path: Path, hosts: list[Target]) -> None:
    target = start_target(tmp_path / "data")
    hosts.append(target)
    attacker = Uploader(target, target.token)

    # The attack: 40 x 1 MiB, each finished and never sent.
    answers = [attacker.upload(target.general, os.urandom(MIB)) for _ in range(40)]

    assert [a.status_code for a in answers[:20]] == [200] * 20  # finished: {"offset", "file"}
    for answer in answers[20:]:  # counted with unfinished ones: 20 files in flight per user
        assert _refusal(answer) == (403, "forbidden", {"limit": 20})
    assert _stored(target.data_dir) == 20 * MIB
    # Someone else is not held up by it.
    other = target.connect(name="Other", code=JOIN_CODE)
    try:
        answer = Uploader(target, other.token).upload(target.general, os.urandom(MIB))
        assert answer.status_code == 200, answer.text
    finally:
        other.close()
    target.assert_unharmed()


def test_the_user_quota_refuses_what_would_pass_it(tmp_path: Path, hosts: list[Target]) -> None:
    target = start_target(tmp_path / "data", env={"PARLEY_USER_UPLOAD_QUOTA_BYTES": str(8 * MIB)})
    hosts.append(target)
    attacker = Uploader(target, target.token)

    answers = [attacker.upload(target.general, os.urandom(MIB)) for _ in range(40)]

    assert [a.status_code for a in answers[:8]] == [200] * 8
    for answer in answers[8:]:
        assert _refusal(answer) == (
            413,
            "too_large",
            {"limit": 8 * MIB, "used": 8 * MIB, "quota": "user"},
        )
    # Refused from the announcement alone: no byte of a 50 MiB file is taken.
    big = attacker.create(target.general, b"big", size=50 * MIB)
    assert _refusal(big)[:2] == (413, "too_large")
    assert _stored(target.data_dir) == 8 * MIB
    assert list((target.data_dir / "uploads").iterdir()) == []
    target.assert_unharmed()


def test_a_full_host_quota_refuses_everyone_and_keeps_what_it_has(
    tmp_path: Path, hosts: list[Target]
) -> None:
    target = start_target(
        tmp_path / "data",
        env={
            "PARLEY_FILES_QUOTA_BYTES": str(6 * MIB),
            "PARLEY_FILES_SWEEP_INTERVAL": "0.2",
            "PARLEY_SEND_RATE": "1000",
            "PARLEY_SEND_BURST": "1000",
        },
    )
    hosts.append(target)
    owner = target.connect()
    other = target.connect(name="Other", code=JOIN_CODE)
    try:
        mine, theirs = Uploader(target, target.token), Uploader(target, other.token)
        sent: dict[int, bytes] = {}
        messages = []
        for _ in range(6):
            data = os.urandom(MIB)
            answer = mine.upload(target.general, data)
            assert answer.status_code == 200, answer.text
            file_id = answer.json()["file"]["id"]
            messages.append(_send(owner, target.general, file_id))
            sent[file_id] = data

        for client in (mine, theirs):  # host-wide: the other user is refused too
            refused = client.upload(target.general, os.urandom(MIB))
            assert _refusal(refused) == (
                413,
                "too_large",
                {"limit": 6 * MIB, "used": 6 * MIB, "quota": "host"},
            )
        for file_id, data in sent.items():  # what is stored stays downloadable, to everyone
            got = theirs.get(file_id)
            assert got.status_code == 200 and got.content == data

        # A deleted message's bytes are freed while the host runs (its periodic clean-up), and
        # with them room under the quota.
        gone = owner.call("delete_message", {"message_id": messages[0]["id"]})
        assert gone["ok"], gone
        _until(lambda: _stored(target.data_dir) == 5 * MIB, "the deleted file's bytes removed")
        answer = theirs.upload(target.general, os.urandom(MIB))
        assert answer.status_code == 200, answer.text
    finally:
        owner.close()
        other.close()
    target.assert_unharmed()


def test_unsent_files_are_removed_after_their_time(tmp_path: Path, hosts: list[Target]) -> None:
    # 5 s to be sent (a day by default), looked for every 0.2 s (an hour by default).
    target = start_target(
        tmp_path / "data",
        env={"PARLEY_UNATTACHED_TTL": "5", "PARLEY_FILES_SWEEP_INTERVAL": "0.2"},
    )
    hosts.append(target)
    peer = target.connect()
    try:
        attacker = Uploader(target, target.token)
        kept_data = os.urandom(1000)
        kept = attacker.upload(target.general, kept_data).json()["file"]
        _send(peer, target.general, kept["id"])  # sent at once: never removed
        unsent = [attacker.upload(target.general, os.urandom(MIB)) for _ in range(19)]
        unsent_ids = [a.json()["file"]["id"] for a in unsent if a.status_code == 200]
        assert len(unsent_ids) == 19

        _until(lambda: _file_rows(target.data_dir) == 1, "the unsent files' rows removed")
        _until(lambda: _stored(target.data_dir) == 1000, "the unsent files' bytes removed")

        assert all(attacker.get(file_id).status_code == 404 for file_id in unsent_ids)
        got = attacker.get(kept["id"])
        assert got.status_code == 200 and got.content == kept_data
        # The cap is free again.
        assert attacker.upload(target.general, os.urandom(MIB)).status_code == 200
    finally:
        peer.close()
    target.assert_unharmed()


def test_refused_chunks_leave_no_traceback(tmp_path: Path, hosts: list[Target]) -> None:
    # A wrong offset and a wrong hash are a peer's doing, answered 409 and 422: they used to print
    # a traceback each (gevent prints what a thread-pool task raises), so any peer could fill the
    # host's log with them.
    target = start_target(tmp_path / "data")
    hosts.append(target)
    client = Uploader(target, target.token)
    data = os.urandom(1000)
    upload_id = client.create(target.general, data).json()["upload_id"]
    for _ in range(20):
        assert _refusal(client.put(upload_id, 7, data[:10]))[:2] == (409, "conflict")
        mismatch = client.create(target.general, os.urandom(100)).json()["upload_id"]
        assert _refusal(client.put(mismatch, 0, os.urandom(100)))[:2] == (422, "invalid")
    target.assert_unharmed()  # includes: no traceback in its log


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB disk of the test's own, for the quotas' free-space reserve."""
    with tmpfs(tmp_path / "disk", 64) as mount:
        yield mount


def _leave_free(path: Path, free: int) -> None:
    """Write zeros to ``path`` until about ``free`` bytes are left on its file system (or none)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(10_000):  # bounded: each pass writes up to 1 MiB of a 64 MiB disk
            left = os.statvfs(path).f_bavail * os.statvfs(path).f_frsize - free
            if left <= 0:
                return
            try:
                os.write(fd, b"\0" * min(MIB, left))
            except OSError:  # full
                return
    finally:
        os.close(fd)


def test_uploads_stop_short_of_a_full_disk(small_disk: Path, hosts: list[Target]) -> None:
    # The reserve on 64 MiB: 5% (3.2 MiB), smaller than 256 MiB.
    target = start_target(small_disk / "data")
    hosts.append(target)
    peer = target.connect()
    try:
        client = Uploader(target, target.token)
        # More than the disk has: refused before any byte, as storage_full.
        assert _refusal(client.create(target.general, b"a", size=80 * MIB))[:2] == (
            507,
            "storage_full",
        )
        # Announced sizes count before their bytes arrive: two of 24 MiB fit, a third does not.
        first = client.create(target.general, b"b", size=24 * MIB)
        second = client.create(target.general, b"c", size=24 * MIB)
        assert (first.status_code, second.status_code) == (201, 201)
        third = client.create(target.general, b"d", size=24 * MIB)
        assert _refusal(third)[:2] == (507, "storage_full")
        for created in (first, second):
            assert client.cancel(created.json()["upload_id"]).status_code == 204
        stored = os.urandom(2 * MIB)
        file_id = client.upload(target.general, stored).json()["file"]["id"]

        # Something else fills the disk to 2 MiB of free space: a 1 MiB upload would leave less
        # than the reserve. Chat still works: the reserve is what keeps room for the database.
        _leave_free(small_disk / "filler", 2 * MIB)
        assert _refusal(client.create(target.general, os.urandom(MIB)))[:2] == (
            507,
            "storage_full",
        )
        peer.send(target.general, "still chatting", "disk-1")
        assert client.get(file_id).content == stored

        # An upload accepted before the disk filled up meets a full disk mid-chunk: a clear
        # storage_full (not "internal", no traceback), the offset unchanged, and it resumes.
        os.unlink(small_disk / "filler")
        late = os.urandom(4 * MIB)
        upload_id = client.create(target.general, late).json()["upload_id"]
        _leave_free(small_disk / "filler", 0)
        assert _refusal(client.put(upload_id, 0, late))[:2] == (507, "storage_full")
        os.unlink(small_disk / "filler")
        status = client.http.get(f"{target.url}api/uploads/{upload_id}", timeout=TIMEOUT)
        assert status.json()["offset"] == 0
        finished = client.put(upload_id, 0, late)
        assert finished.status_code == 200 and finished.json()["file"]["sha256"] == _sha(late)
    finally:
        peer.close()
    target.assert_unharmed()
