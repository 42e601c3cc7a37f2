"""The blob store with real files in a temp dir: offsets, hashing, restart, dedupe, names, kinds."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from backend.chat.files import NAME_MAX, safe_name
from backend.commands import Limits, NewUpload
from backend.errors import Invalid, TooLarge
from backend.storage.blobs import BlobStore, HashMismatch, OffsetMismatch, new_upload_id, sniff

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
