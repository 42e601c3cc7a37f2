"""The blob store with real files in a temp dir: offsets, hashing, restart, dedupe, names, kinds;
and the file rules with a real database: how much a user and the host may keep, the free-space
check, and the clean-up of files nobody sent (time moved by an injected clock, never waited for).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend import Settings
from backend import commands as c
from backend.chat.context import SendRate
from backend.chat.file_cleanup import FileCleanup
from backend.chat.files import MAX_OPEN_UPLOADS, NAME_MAX, FileLimits, Files, safe_name
from backend.chat.service import ChatService
from backend.commands import Limits, NewUpload
from backend.errors import Conflict, Forbidden, Invalid, NotFound, StorageFull, TooLarge
from backend.host_settings import HostSettings
from backend.models import Attachment, User
from backend.storage.blobs import (
    BlobStore,
    HashMismatch,
    OffsetMismatch,
    Space,
    new_upload_id,
    sniff,
)
from backend.storage.sqlite.store import SqliteBackend
from backend.storage.worker import Database

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path)


def _upload(blobs: BlobStore, data: bytes, chunk: int) -> str:
    upload_id = new_upload_id()
    for start in range(0, len(data), chunk):
        assert blobs.append(upload_id, start, data[start : start + chunk]) == min(
            start + chunk, len(data)
        )
    return upload_id


# -- kinds and names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind", "mime"),
    [
        (PNG, "image", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "image/jpeg"),
        (b"GIF89a\x01\x00", "image", "image/gif"),
        (b"GIF87a\x01\x00", "image", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "file", "application/octet-stream"),
        (SVG, "file", "application/octet-stream"),
        (b"<!doctype html><script>alert(1)</script>", "file", "application/octet-stream"),
        (b"%PDF-1.7", "file", "application/octet-stream"),
        (b"", "file", "application/octet-stream"),
    ],
)
def test_sniff_knows_four_image_types_by_their_bytes(head: bytes, kind: str, mime: str) -> None:
    assert sniff(head[:16]) == (kind, mime)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\evil.exe", "evil.exe"),
        ("/etc/passwd", "passwd"),
        ("..", "file"),
        ("", "file"),
        ("   ", "file"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # no right-to-left override
        ('what?<is>"this":*|.txt', "what__is__this____.txt"),
        ("photo.png", "photo.png"),
        ("résumé.pdf", "résumé.pdf"),
    ],
)
def test_safe_name_keeps_only_a_plain_file_name(raw: str, shown: str) -> None:
    assert safe_name(raw) == shown


def test_safe_name_caps_length_and_keeps_the_extension() -> None:
    name = safe_name("a" * 5000 + ".jpeg")
    assert len(name) == NAME_MAX and name.endswith(".jpeg")
    assert len(safe_name("b" * 5000)) == NAME_MAX


def parse_new_upload(body: object, max_bytes: int) -> NewUpload:
    return NewUpload.decode(body, Limits(max_upload_bytes=max_bytes))


def test_parse_new_upload_checks_every_field() -> None:
    sha = "AB" * 32
    new = parse_new_upload({"room_id": 3, "name": "../x.png", "size": 10, "sha256": sha}, 100)
    shown = safe_name(new.name)  # what is stored and shown (chat/files.py create_upload)
    assert (new.room_id, shown, new.size, new.sha256) == (3, "x.png", 10, "ab" * 32)
    with pytest.raises(TooLarge) as too_large:
        parse_new_upload({"room_id": 3, "name": "x", "size": 101, "sha256": sha}, 100)
    assert too_large.value.data == {"limit": 100}
    bad = [
        [],
        {"room_id": True, "name": "x", "size": 1, "sha256": sha},
        {"room_id": 3, "name": 7, "size": 1, "sha256": sha},
        {"room_id": 3, "name": "x" * 2000, "size": 1, "sha256": sha},
        {"room_id": 3, "name": "x", "size": 0, "sha256": sha},
        {"room_id": 3, "name": "x", "size": "1", "sha256": sha},
        {"room_id": 3, "name": "x", "size": 1, "sha256": "../../etc"},
        {"room_id": 3, "name": "x", "size": 1},
    ]
    for body in bad:
        with pytest.raises(Invalid):
            parse_new_upload(body, 100)


# -- uploads ---------------------------------------------------------------------------------------


def test_chunks_append_and_the_offset_is_the_bytes_on_disk(blobs: BlobStore) -> None:
    upload_id = new_upload_id()
    assert blobs.offset(upload_id) == 0
    assert blobs.append(upload_id, 0, b"hello ") == 6
    assert blobs.append(upload_id, 6, b"world") == 11
    assert blobs.offset(upload_id) == 11
    assert blobs.partial_path(upload_id).read_bytes() == b"hello world"


def test_a_wrong_offset_is_refused_with_the_right_one(blobs: BlobStore) -> None:
    upload_id = new_upload_id()
    blobs.append(upload_id, 0, b"abc")
    for wrong in (0, 2, 4):
        with pytest.raises(OffsetMismatch) as mismatch:
            blobs.append(upload_id, wrong, b"zzz")
        assert mismatch.value.offset == 3
    assert blobs.partial_path(upload_id).read_bytes() == b"abc"


def test_a_chunk_counts_only_once_it_is_committed(blobs: BlobStore) -> None:
    upload_id = new_upload_id()
    blobs.append(upload_id, 0, b"abc")
    writer = blobs.begin(upload_id, 3)
    writer.write(b"def")
    writer.write(b"g")

    assert blobs.offset(upload_id) == 3  # written, not yet durable
    with pytest.raises(OffsetMismatch) as busy:  # another request for the same upload
        blobs.begin(upload_id, 3)
    assert busy.value.offset == 3
    writer.abort()  # the connection dropped
    assert blobs.offset(upload_id) == 3
    assert blobs.partial_path(upload_id).read_bytes() == b"abc"

    writer = blobs.begin(upload_id, 3)
    writer.write(b"defg")
    assert writer.commit() == 7
    assert blobs.finish(upload_id, _sha(b"abcdefg")).size == 7


def test_a_late_chunk_for_a_gone_upload_creates_no_file(blobs: BlobStore) -> None:
    upload_id = new_upload_id()
    with pytest.raises(OffsetMismatch) as mismatch:
        blobs.append(upload_id, 5, b"late")
    assert mismatch.value.offset == 0
    assert not blobs.partial_path(upload_id).exists()


def test_finish_verifies_and_files_under_the_content_hash(blobs: BlobStore) -> None:
    data = PNG + os.urandom(100_000)
    upload_id = _upload(blobs, data, 30_000)
    blob = blobs.finish(upload_id, _sha(data))
    assert (blob.sha256, blob.size, blob.kind, blob.mime) == (
        _sha(data),
        len(data),
        "image",
        "image/png",
    )
    stored = blobs.files_dir / _sha(data)[:2] / _sha(data)
    assert stored.read_bytes() == data
    assert not blobs.partial_path(upload_id).exists()
    assert blobs.size(_sha(data)) == len(data)


def test_a_hash_mismatch_discards_the_upload(blobs: BlobStore) -> None:
    upload_id = _upload(blobs, b"what was sent", 5)
    with pytest.raises(HashMismatch):
        blobs.finish(upload_id, _sha(b"what was announced"))
    assert not blobs.partial_path(upload_id).exists()
    assert list(blobs.files_dir.iterdir()) == []


def test_identical_content_is_stored_once(blobs: BlobStore) -> None:
    data = os.urandom(50_000)
    first = blobs.finish(_upload(blobs, data, 7_000), _sha(data))
    second = blobs.finish(_upload(blobs, data, 50_000), _sha(data))
    assert first == second
    assert [p.name for p in blobs.files_dir.rglob("*") if p.is_file()] == [_sha(data)]
    assert list(blobs.uploads_dir.iterdir()) == []


def test_a_restarted_store_rebuilds_the_hash_from_disk(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than one read block
    before = BlobStore(tmp_path)
    upload_id = new_upload_id()
    before.append(upload_id, 0, data[:2_000_000])
    after = BlobStore(tmp_path)  # a new process: nothing in memory
    assert after.offset(upload_id) == 2_000_000
    after.append(upload_id, 2_000_000, data[2_000_000:])
    assert after.finish(upload_id, _sha(data)).sha256 == _sha(data)


def test_a_restart_after_the_last_chunk_still_finishes(tmp_path: Path) -> None:
    data = os.urandom(10_000)
    upload_id = _upload(BlobStore(tmp_path), data, 4_000)
    assert BlobStore(tmp_path).finish(upload_id, _sha(data)).size == len(data)


def test_racing_writes_at_one_offset_store_one_chunk(blobs: BlobStore) -> None:
    upload_id = new_upload_id()
    blobs.append(upload_id, 0, b"start")
    chunk = os.urandom(2 * 1024 * 1024)
    written: list[int] = []
    told: list[int] = []
    go = threading.Barrier(4)

    def write() -> None:
        go.wait(timeout=10)
        try:
            written.append(blobs.append(upload_id, 5, chunk))
        except OffsetMismatch as exc:
            told.append(exc.offset)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # One wrote; the others were told where the upload stood (before or after that write).
    assert written == [5 + len(chunk)]
    assert len(told) == 3 and set(told) <= {5, 5 + len(chunk)}
    assert blobs.finish(upload_id, _sha(b"start" + chunk)).size == 5 + len(chunk)


def test_discard_and_sweep_remove_partial_bytes(blobs: BlobStore) -> None:
    kept, cancelled, orphan = new_upload_id(), new_upload_id(), new_upload_id()
    for upload_id in (kept, cancelled, orphan):
        blobs.append(upload_id, 0, b"bytes")
    blobs.discard(cancelled)
    assert not blobs.partial_path(cancelled).exists()
    assert blobs.sweep({kept}) == 1
    assert [p.name for p in blobs.uploads_dir.iterdir()] == [kept]


@pytest.mark.parametrize("bad", ["../../x", "../" + "a" * 29, "a" * 31, "a" * 33, "a/" * 16, ""])
def test_paths_are_never_built_from_foreign_ids(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(ValueError):
        blobs.partial_path(bad)
    with pytest.raises(ValueError):
        blobs.append(bad, 0, b"x")


@pytest.mark.parametrize("bad", ["../" * 21 + "x", "A" * 64, "a" * 63, "g" * 64])
def test_blob_paths_need_a_lowercase_sha256(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(ValueError):
        blobs.blob_path(bad)


# -- stored bytes: counted once, removed only when nothing names them ------------------------------


def _stored_names(blobs: BlobStore) -> list[str]:
    return sorted(p.name for p in blobs.files_dir.rglob("*") if p.is_file())


def test_stored_bytes_count_each_content_once_and_follow_removals(blobs: BlobStore) -> None:
    one, two = os.urandom(3_000), os.urandom(5_000)
    blobs.release(blobs.finish(_upload(blobs, one, 1_000), _sha(one)).sha256)
    assert blobs.stored_bytes() == 3_000  # counted from disk on first use
    blobs.release(blobs.finish(_upload(blobs, two, 5_000), _sha(two)).sha256)
    blobs.release(blobs.finish(_upload(blobs, one, 3_000), _sha(one)).sha256)  # the same again
    assert blobs.stored_bytes() == 8_000

    mark = blobs.condemn([_sha(one), _sha(two)])
    assert blobs.remove_condemned(mark, [_sha(one), _sha(two)], keep={_sha(two)}) == (1, 3_000)

    assert blobs.stored_bytes() == 5_000 and _stored_names(blobs) == [_sha(two)]
    assert BlobStore(blobs.files_dir.parent).stored_bytes() == 5_000  # a restart counts the same


def test_content_an_upload_finishes_into_is_never_removed_under_it(blobs: BlobStore) -> None:
    data = os.urandom(2_000)
    blobs.release(blobs.finish(_upload(blobs, data, 2_000), _sha(data)).sha256)
    # A sweep marks it (no row names it yet, as far as the sweep knows) ...
    mark = blobs.condemn([_sha(data)])
    # ... and before the sweep removes it, an upload of the same content finishes into it.
    again = blobs.finish(_upload(blobs, data, 500), _sha(data))
    assert blobs.remove_condemned(mark, [_sha(data)], keep=set()) == (0, 0)
    # While pinned (its row not yet recorded) no later sweep can mark it either.
    later = blobs.condemn([_sha(data)])
    assert blobs.remove_condemned(later, [_sha(data)], keep=set()) == (0, 0)
    blobs.release(again.sha256)
    assert _stored_names(blobs) == [_sha(data)]
    last = blobs.condemn([_sha(data)])  # released: removable again once nothing names it
    assert blobs.remove_condemned(last, [_sha(data)], keep=set()) == (1, 2_000)


def test_a_mark_taken_over_by_a_later_sweep_does_not_remove(blobs: BlobStore) -> None:
    data = os.urandom(1_000)
    blobs.release(blobs.finish(_upload(blobs, data, 1_000), _sha(data)).sha256)
    first = blobs.condemn([_sha(data)])
    second = blobs.condemn([_sha(data)])  # the later sweep will ask the database itself
    assert blobs.remove_condemned(first, [_sha(data)], keep=set()) == (0, 0)
    assert blobs.remove_condemned(second, [_sha(data)], keep={_sha(data)}) == (0, 0)
    assert _stored_names(blobs) == [_sha(data)]


def test_space_counts_the_partial_bytes_on_disk(blobs: BlobStore) -> None:
    _upload(blobs, b"x" * 700, 700)
    _upload(blobs, b"y" * 300, 100)
    space = blobs.space()
    assert space.partial == 1_000 and 0 < space.free <= space.total
    assert blobs.shards() == [] and blobs.stored_in("ab") == []
    with pytest.raises(ValueError):
        blobs.stored_in("../x")


# -- the rules: quotas, free space, clean-up ---------------------------------------------------------


def test_the_file_limits_are_settings(tmp_path: Path) -> None:
    env = {
        "PARLEY_USER_UPLOAD_QUOTA_BYTES": "1000",
        "PARLEY_FILES_QUOTA_BYTES": "2000",
        "PARLEY_DISK_RESERVE_BYTES": "0",
        "PARLEY_DISK_RESERVE_FRACTION": "0.1",
        "PARLEY_UNATTACHED_TTL": "2.5",
        "PARLEY_FILES_SWEEP_INTERVAL": "0.5",
    }
    settings = Settings.from_env(env, data_dir=tmp_path)
    assert (
        settings.user_upload_quota_bytes,
        settings.files_quota_bytes,
        settings.disk_reserve_bytes,
        settings.disk_reserve_fraction,
        settings.unattached_ttl,
        settings.files_sweep_interval,
    ) == (1000, 2000, 0, 0.1, 2.5, 0.5)
    defaults = Settings(data_dir=tmp_path)
    assert (defaults.user_upload_quota_bytes, defaults.files_quota_bytes) == (1024**3, 10 * 1024**3)
    assert FileLimits().reserve(100 * 1024**3) == 256 * 1024**2  # a big disk: 256 MiB
    assert FileLimits().reserve(1024**3) == 1024**3 // 20  # a small one: 5%
    for bad in (
        {"PARLEY_FILES_QUOTA_BYTES": "0"},
        {"PARLEY_USER_UPLOAD_QUOTA_BYTES": "-1"},
        {"PARLEY_DISK_RESERVE_FRACTION": "1"},
        {"PARLEY_DISK_RESERVE_BYTES": "-5"},
        {"PARLEY_UNATTACHED_TTL": "nan"},
        {"PARLEY_UNATTACHED_TTL": "0"},
        {"PARLEY_FILES_SWEEP_INTERVAL": "inf"},
    ):
        with pytest.raises(ValueError):
            Settings.from_env(bad, data_dir=tmp_path)


CODE = "11223344"


class _Quiet:
    """Stands in for Socket.IO's outbound side: these tests look at rows and bytes, not events."""

    def publish(self, *args: Any, **kwargs: Any) -> None:
        pass

    def publish_each(self, *args: Any, **kwargs: Any) -> None:
        pass

    def subscribe(self, sid: str, channel: str) -> None:
        pass

    def unsubscribe(self, sid: str, channel: str) -> None:
        pass


class _Disk(BlobStore):
    """The real blob store on a file system whose free space the test decides."""

    free: int | None = None
    total = 10 * 1024**3

    def space(self) -> Space:
        real = super().space()
        if self.free is None:
            return real
        return Space(free=self.free, total=self.total, partial=real.partial)


class Host:
    """The file rules of one host with a real database, a clock the test moves, and its users."""

    def __init__(self, tmp_path: Path, limits: FileLimits) -> None:
        self.db = Database(SqliteBackend(tmp_path / "s.sqlite3", synchronous="normal"))
        # The host's clock starts at the real time (the rows' own times are real) and then only
        # moves when a test moves it, by hours: no test waits, and none depends on how fast it ran.
        self.now = datetime.now(UTC)
        self.blobs = _Disk(tmp_path)
        identity = HostSettings(self.db, host_id="h", version="t", name="host")
        identity.start(name_given=False, code=CODE, code_given=True, data_dir=tmp_path)
        self.chat = ChatService(
            self.db,
            _Quiet(),
            host=identity,
            send_rate=SendRate(rate=1000.0, burst=1000),
            blobs=self.blobs,
            offload=lambda fn, *args: fn(*args),  # the test thread may block: nobody else waits
            invite_urls=lambda: [],
            file_limits=limits,
            clock=lambda: self.now,
        )
        self.chat.bootstrap()
        self.files: Files = self.chat.files
        self.cleanup: FileCleanup = self.chat.file_cleanup
        self.sids: dict[int, str] = {}

    def join(self, name: str) -> User:
        sid = f"sid-{name}"
        welcome = self.chat.sessions.connect(sid, c.decode_auth({"name": name, "code": CODE}), None)
        user = self.chat.sessions.user_for_token(welcome["token"])
        assert user is not None
        self.sids[user.id] = sid
        return user

    def general(self) -> int:
        room = self.db.read(lambda s: s.rooms.by_name_key("general"))
        assert room is not None
        return room.id

    def start(self, user: User, data: bytes) -> Any:
        new = NewUpload(room_id=self.general(), name="f.bin", size=len(data), sha256=_sha(data))
        return self.files.create_upload(user, new)[0]

    def upload(self, user: User, data: bytes) -> Attachment:
        """Upload ``data`` to general and finish it (not sent)."""
        upload = self.start(user, data)
        writer = self.files.begin_chunk(upload, 0, len(data))
        writer.write(data)
        writer.commit()
        return self.files.finish(upload)

    def send(self, user: User, *files: Attachment) -> int:
        cmd = c.SendMessage.decode(
            {
                "room_id": self.general(),
                "text": "here",
                "client_id": f"c{files[0].id}",
                "attachments": [f.id for f in files],
            },
            Limits(),
        )
        return self.chat.messages.send(self.sids[user.id], cmd).id

    def rows(self, *files: Attachment) -> list[int]:
        """Which of these files still have their row."""
        return [f.id for f in files if self.db.read(lambda s, n=f.id: s.files.get(n)) is not None]


@pytest.fixture
def make_host(tmp_path: Path) -> Iterator[Any]:
    made: list[Host] = []

    def make(**limits: Any) -> Host:
        host = Host(tmp_path, FileLimits(**limits))
        made.append(host)
        return host

    yield make
    for host in made:
        host.db.close()


def test_finished_unsent_files_count_toward_the_cap_on_files_in_flight(make_host: Any) -> None:
    host = make_host()
    ana, bob = host.join("Ana"), host.join("Bob")
    done = [host.upload(ana, os.urandom(100)) for _ in range(MAX_OPEN_UPLOADS - 1)]
    host.start(ana, os.urandom(100))  # one unfinished: 20 in flight

    with pytest.raises(Forbidden) as refused:
        host.start(ana, os.urandom(100))
    assert refused.value.data == {"limit": MAX_OPEN_UPLOADS}
    host.start(bob, os.urandom(100))  # per user: Bob is not held up
    host.send(ana, *done[:10])  # sent files are no longer in flight
    host.start(ana, os.urandom(100))


def test_the_user_quota_counts_announced_and_unsent_bytes(make_host: Any) -> None:
    host = make_host(user_quota=10_000)
    ana, bob = host.join("Ana"), host.join("Bob")
    sent = host.upload(ana, os.urandom(4_000))
    host.send(ana, sent)  # sent: no longer counts
    host.upload(ana, os.urandom(3_000))  # finished, unsent
    host.start(ana, os.urandom(6_000))  # announced, nothing sent yet

    with pytest.raises(TooLarge) as refused:
        host.start(ana, os.urandom(1_001))
    assert refused.value.data == {"limit": 10_000, "used": 9_000, "quota": "user"}
    host.start(ana, os.urandom(1_000))  # exactly the quota
    host.start(bob, os.urandom(10_000))  # per user


def test_the_host_quota_counts_stored_content_once_and_open_uploads(make_host: Any) -> None:
    host = make_host(total_quota=10_000)
    ana, bob = host.join("Ana"), host.join("Bob")
    same = os.urandom(4_000)
    host.send(ana, host.upload(ana, same))
    host.send(bob, host.upload(bob, same))  # the same content: stored once
    host.start(bob, os.urandom(5_000))

    with pytest.raises(TooLarge) as refused:
        host.start(ana, os.urandom(1_001))
    assert refused.value.data == {"limit": 10_000, "used": 9_000, "quota": "host"}
    host.start(ana, os.urandom(1_000))


def test_an_upload_that_would_leave_less_than_the_reserve_free_is_refused(
    make_host: Any,
) -> None:
    host = make_host(reserve_bytes=1_000, reserve_fraction=0.5)  # a 10 GiB disk: 1,000 kept free
    ana = host.join("Ana")
    host.blobs.free = 10_000  # fixed by the test: it does not shrink as bytes arrive
    first = host.start(ana, os.urandom(5_000))
    writer = host.files.begin_chunk(first, 0, 2_000)
    writer.write(os.urandom(2_000))
    writer.commit()  # 3,000 of it still to come

    with pytest.raises(StorageFull) as refused:
        host.start(ana, os.urandom(6_001))  # 10,000 - 3,000 - 6,001 < 1,000
    assert refused.value.code == "storage_full"
    host.start(ana, os.urandom(6_000))  # leaves exactly the reserve; 9,000 to come now

    host.blobs.total = 1_000  # a small disk: half of it is the smaller reserve (500)
    with pytest.raises(StorageFull):
        host.start(ana, os.urandom(600))
    host.start(ana, os.urandom(500))  # 9,500 to come now
    host.files.cancel(first)  # its reservation goes with it: 6,500 to come
    with pytest.raises(StorageFull):
        host.start(ana, os.urandom(3_001))
    host.start(ana, os.urandom(3_000))


def test_unsent_files_go_after_the_ttl_rows_and_bytes(make_host: Any) -> None:
    host = make_host(unattached_ttl=timedelta(hours=24))
    ana = host.join("Ana")
    shared = os.urandom(2_000)
    kept = host.upload(ana, shared)
    host.send(ana, kept)
    twin = host.upload(ana, shared)  # unsent, same content as a sent file
    lone = host.upload(ana, os.urandom(3_000))  # unsent

    host.now += timedelta(hours=23)
    host.cleanup.sweep_unattached()
    assert host.rows(kept, twin, lone) == [kept.id, twin.id, lone.id]

    host.now += timedelta(hours=2)  # 25 h
    host.cleanup.sweep_unattached()
    assert host.rows(kept, twin, lone) == [kept.id]
    assert _stored_names(host.blobs) == [_sha(shared)]  # still named by the sent file
    assert host.blobs.stored_bytes() == 2_000
    assert host.files.download(ana, kept.id).size == 2_000
    with pytest.raises(NotFound):
        host.files.download(ana, lone.id)


def test_stale_uploads_and_deleted_messages_bytes_go_while_serving(make_host: Any) -> None:
    host = make_host()
    ana = host.join("Ana")
    stale = host.start(ana, b"never finished")
    host.blobs.append(stale.id, 0, b"never")
    gone = host.upload(ana, os.urandom(1_000))
    message_id = host.send(ana, gone)
    host.chat.messages.delete(host.sids[ana.id], c.MessageRef(message_id=message_id))
    assert _stored_names(host.blobs) == [gone.sha256]  # the row went at once, the bytes wait

    host.now += timedelta(days=8)
    host.cleanup.sweep_unattached()

    assert _stored_names(host.blobs) == [] and host.blobs.stored_bytes() == 0
    assert list(host.blobs.uploads_dir.iterdir()) == []
    with pytest.raises(NotFound):
        host.files.own_upload(ana, stale.id)


def test_an_unsent_file_can_be_removed_by_its_uploader_only(make_host: Any) -> None:
    host = make_host()
    ana, bob = host.join("Ana"), host.join("Bob")
    data = os.urandom(1_000)
    sent = host.upload(ana, data)
    host.send(ana, sent)
    twin, lone = host.upload(ana, data), host.upload(ana, os.urandom(500))

    with pytest.raises(NotFound):
        host.files.remove(bob, lone.id)
    with pytest.raises(Conflict):
        host.files.remove(ana, sent.id)
    host.files.remove(ana, twin.id)
    host.files.remove(ana, lone.id)
    with pytest.raises(NotFound):
        host.files.remove(ana, lone.id)

    assert host.rows(sent, twin, lone) == [sent.id]
    assert _stored_names(host.blobs) == [sent.sha256]  # the twin's bytes are the sent file's


def test_the_start_up_sweep_removes_unsent_files_and_unnamed_bytes(make_host: Any) -> None:
    host = make_host(unattached_ttl=timedelta(minutes=1))
    ana = host.join("Ana")
    sent = host.upload(ana, os.urandom(700))
    host.send(ana, sent)
    unsent = host.upload(ana, os.urandom(800))
    stray = host.blobs.blob_path("ab" * 32)  # bytes no row names (a crash, an older Parley)
    stray.parent.mkdir(exist_ok=True)  # an upload's hash may start with "ab" too
    stray.write_bytes(b"stray")

    host.now += timedelta(hours=1)
    host.cleanup.sweep()

    assert host.rows(sent, unsent) == [sent.id]
    assert _stored_names(host.blobs) == [sent.sha256] and host.blobs.stored_bytes() == 700


class _Stop(Exception):
    pass


def test_sweep_every_runs_the_clean_up_each_interval_until_the_host_is_gone(
    make_host: Any,
) -> None:
    host = make_host(unattached_ttl=timedelta(seconds=1_500))
    ana = host.join("Ana")
    unsent = host.upload(ana, os.urandom(100))
    waits: list[float] = []
    present: list[bool] = []  # before each wait: is the unsent file still there?

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        present.append(host.rows(unsent) == [unsent.id])
        if len(waits) == 3:
            raise _Stop
        host.now += timedelta(seconds=seconds)

    with pytest.raises(_Stop):
        host.cleanup.sweep_every(1_000, sleep)
    assert waits == [1_000] * 3
    assert present == [True, True, False]  # kept by the round at 1,000 s, gone at 2,000 s

    host.db.close()  # the host stopped: the loop ends instead of failing every round
    host.cleanup.sweep_every(1, lambda seconds: None)
