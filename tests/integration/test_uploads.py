"""Uploads and downloads over real HTTP against a live host (docs/protocol.md, "Files")."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from backend import ServerHandle, Settings, start_server
from tests.peers import Peer

pytestmark = pytest.mark.integration

TIMEOUT = 30
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200)
HTML_AS_PNG = b"<!doctype html><script>parent.stealEverything()</script>"
SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Files:
    """One device's HTTP client for /api/uploads and /api/files."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.http = requests.Session()
        if token is not None:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def create(self, room_id: int, name: str, data: bytes, **extra: Any) -> requests.Response:
        body = {"room_id": room_id, "name": name, "size": len(data), "sha256": _sha(data), **extra}
        return self.http.post(f"{self.url}api/uploads", json=body, timeout=TIMEOUT)

    def status(self, upload_id: str) -> requests.Response:
        return self.http.get(f"{self.url}api/uploads/{upload_id}", timeout=TIMEOUT)

    def put(self, upload_id: str, offset: int, chunk: bytes) -> requests.Response:
        return self.http.put(
            f"{self.url}api/uploads/{upload_id}",
            data=chunk,
            headers={"Upload-Offset": str(offset)},
            timeout=TIMEOUT,
        )

    def cancel(self, upload_id: str) -> requests.Response:
        return self.http.delete(f"{self.url}api/uploads/{upload_id}", timeout=TIMEOUT)

    def get(self, file_id: int, **headers: str) -> requests.Response:
        return self.http.get(f"{self.url}api/files/{file_id}", headers=headers, timeout=TIMEOUT)

    def remove(self, file_id: int) -> requests.Response:
        return self.http.delete(f"{self.url}api/files/{file_id}", timeout=TIMEOUT)

    def upload(self, room_id: int, name: str, data: bytes, chunk: int = 0) -> dict[str, Any]:
        """Create and send every chunk; the File from the last answer."""
        created = self.create(room_id, name, data)
        assert created.status_code == 201, created.text
        upload_id, offset = created.json()["upload_id"], created.json()["offset"]
        chunk = chunk or created.json()["chunk_size"]
        answer: dict[str, Any] = {}
        for _ in range(len(data) // chunk + 2):  # bounded: one pass per chunk
            if offset >= len(data):
                break
            sent = self.put(upload_id, offset, data[offset : offset + chunk])
            assert sent.status_code == 200, sent.text
            answer = sent.json()
            offset = answer["offset"]
        assert offset == len(data)
        return answer["file"]  # type: ignore[no-any-return]


@pytest.fixture
def files_for(live_server: ServerHandle) -> Callable[[Peer], Files]:
    return lambda peer: Files(live_server.url, peer.token)


def _error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def _stored(data_dir: Path, sub: str) -> list[str]:
    return sorted(p.name for p in (data_dir / sub).rglob("*") if p.is_file())


# -- the happy path and resuming ---------------------------------------------------------------


def test_upload_in_chunks_then_download_the_same_bytes(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(9 * 1024 * 1024 + 123)  # two production-size chunks
    created = client.create(ana.room_id(), "notes.bin", data)
    assert created.status_code == 201
    assert created.json()["offset"] == 0 and created.json()["size"] == len(data)
    assert created.json()["chunk_size"] == 8 * 1024 * 1024

    file = client.upload(ana.room_id(), "notes.bin", data)

    assert file == {
        "id": file["id"],
        "name": "notes.bin",
        "size": len(data),
        "mime": "application/octet-stream",
        "kind": "file",
        "sha256": _sha(data),
    }
    got = client.get(file["id"])
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Length"] == str(len(data))
    assert _stored(settings.data_dir, "files") == [_sha(data)]
    assert _stored(settings.data_dir, "uploads") == []


def test_creating_the_same_upload_again_resumes_from_the_host_offset(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(50_000)
    first = client.create(ana.room_id(), "big.bin", data).json()
    assert client.put(first["upload_id"], 0, data[:20_000]).json() == {"offset": 20_000}

    again = client.create(ana.room_id(), "big.bin", data)  # after a reload, say

    assert again.status_code == 201
    assert again.json()["upload_id"] == first["upload_id"] and again.json()["offset"] == 20_000
    status = client.status(first["upload_id"]).json()
    assert status == {"upload_id": first["upload_id"], "offset": 20_000, "size": 50_000}
    finished = client.put(first["upload_id"], 20_000, data[20_000:]).json()
    assert client.get(finished["file"]["id"]).content == data


def test_a_wrong_offset_is_a_conflict_naming_the_host_offset(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(3_000)
    upload_id = client.create(ana.room_id(), "x.bin", data).json()["upload_id"]
    client.put(upload_id, 0, data[:1_000])

    for offset in (0, 500, 2_000):
        error = _error(client.put(upload_id, offset, data[offset : offset + 500]), 409, "conflict")
        assert error["data"] == {"offset": 1_000}
    assert client.status(upload_id).json()["offset"] == 1_000


def test_a_chunk_cut_off_mid_way_leaves_the_upload_where_it_stood(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], live_server: ServerHandle
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(6 * 1024 * 1024)
    upload_id = client.create(ana.room_id(), "x.bin", data).json()["upload_id"]
    client.put(upload_id, 0, data[:1_000_000])

    # The connection drops after 3 MB of a 5 MB chunk (more than one piece reached the disk).
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=TIMEOUT) as raw:
        raw.sendall(
            (
                f"PUT /api/uploads/{upload_id} HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
                f"Authorization: Bearer {ana.token}\r\nUpload-Offset: 1000000\r\n"
                "Content-Length: 5000000\r\n\r\n"
            ).encode()
            + data[1_000_000:4_000_000]
        )
        raw.shutdown(socket.SHUT_WR)
        raw.recv(1)  # wait for the host to give up on the request (it answers or closes)

    assert client.status(upload_id).json()["offset"] == 1_000_000
    finished = client.put(upload_id, 1_000_000, data[1_000_000:])
    assert finished.json()["file"]["sha256"] == _sha(data)


def test_bad_chunk_requests_are_refused(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], live_server: ServerHandle
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(1_000)
    upload_id = client.create(ana.room_id(), "x.bin", data).json()["upload_id"]
    url = f"{client.url}api/uploads/{upload_id}"

    _error(client.put(upload_id, 0, data + b"more"), 400, "invalid")  # past the announced size
    # Over chunk_size: refused from the headers alone, before the body is read.
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=TIMEOUT) as raw:
        raw.sendall(
            (
                f"PUT /api/uploads/{upload_id} HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
                f"Authorization: Bearer {ana.token}\r\nUpload-Offset: 0\r\n"
                f"Content-Length: {8 * 1024 * 1024 + 1}\r\n\r\n"
            ).encode()
        )
        assert raw.recv(4096).startswith(b"HTTP/1.1 413 ")
    without_length = requests.Request(
        "PUT", url, data=iter([b"x"]), headers={**client.http.headers, "Upload-Offset": "0"}
    )
    _error(client.http.send(without_length.prepare(), timeout=TIMEOUT), 411, "invalid")
    _error(client.put(upload_id, 0, b""), 400, "invalid")
    for offset in ("", "-1", "ten", "1e3"):
        sent = client.http.put(url, data=b"x", headers={"Upload-Offset": offset}, timeout=TIMEOUT)
        _error(sent, 400, "invalid")
    assert client.status(upload_id).json()["offset"] == 0


def test_cancel_removes_the_bytes_received(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(10_000)
    upload_id = client.create(ana.room_id(), "x.bin", data).json()["upload_id"]
    client.put(upload_id, 0, data[:4_000])
    assert _stored(settings.data_dir, "uploads") == [upload_id]

    assert client.cancel(upload_id).status_code == 204

    assert _stored(settings.data_dir, "uploads") == []
    _error(client.status(upload_id), 404, "not_found")
    _error(client.put(upload_id, 4_000, data[4_000:]), 404, "not_found")
    assert client.create(ana.room_id(), "x.bin", data).json()["offset"] == 0  # a fresh start


def test_a_file_over_the_limit_is_refused_before_any_byte(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana = connect("Ana")
    limit = settings.max_upload_bytes
    body = {"room_id": ana.room_id(), "name": "huge.iso", "size": limit + 1, "sha256": "0" * 64}
    refused = files_for(ana).http.post(f"{files_for(ana).url}api/uploads", json=body, timeout=5)

    error = _error(refused, 413, "too_large")
    assert error["data"] == {"limit": 100 * 1024 * 1024} and "100 MB" in error["message"]
    assert _stored(settings.data_dir, "uploads") == []


def test_a_sha256_mismatch_discards_the_upload(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    announced, sent = os.urandom(2_000), os.urandom(2_000)
    upload_id = client.create(ana.room_id(), "x.bin", announced).json()["upload_id"]

    _error(client.put(upload_id, 0, sent), 422, "invalid")

    _error(client.status(upload_id), 404, "not_found")
    assert _stored(settings.data_dir, "uploads") == [] and _stored(settings.data_dir, "files") == []


# -- who may -----------------------------------------------------------------------------------


def test_requests_without_a_valid_token_are_401(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], live_server: ServerHandle
) -> None:
    ana = connect("Ana")
    mine = files_for(ana)
    data = os.urandom(100)
    upload_id = mine.create(ana.room_id(), "x.bin", data).json()["upload_id"]
    file_id = mine.upload(ana.room_id(), "y.bin", os.urandom(100))["id"]

    for auth in (None, "not-a-real-token", "Basic " + ana.token):
        client = Files(live_server.url, auth)
        if auth and auth.startswith("Basic"):
            client.http.headers["Authorization"] = auth
        for answer in (
            client.create(ana.room_id(), "x.bin", data),
            client.status(upload_id),
            client.put(upload_id, 0, data),
            client.cancel(upload_id),
            client.get(file_id),
        ):
            _error(answer, 401, "bad_token")
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert mine.status(upload_id).json()["offset"] == 0  # nothing happened to it


def test_only_members_may_upload_to_a_room(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana, bob = connect("Ana"), connect("Bob")
    secret = ana.call("create_room", {"name": "secret"})["room"]["id"]
    data = os.urandom(100)

    _error(files_for(bob).create(secret, "x.bin", data), 403, "forbidden")
    _error(files_for(bob).create(999_999, "x.bin", data), 404, "not_found")
    assert files_for(ana).create(secret, "x.bin", data).status_code == 201


def test_uploads_are_their_owner_s_alone(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana, bob = connect("Ana"), connect("Bob")
    data = os.urandom(1_000)
    upload_id = files_for(ana).create(ana.room_id(), "x.bin", data).json()["upload_id"]

    _error(files_for(bob).status(upload_id), 404, "not_found")
    _error(files_for(bob).put(upload_id, 0, data), 404, "not_found")
    _error(files_for(bob).cancel(upload_id), 404, "not_found")
    assert files_for(ana).status(upload_id).json()["offset"] == 0


def test_files_are_for_the_room_s_members_once_sent(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana, bob, cy = connect("Ana"), connect("Bob"), connect("Cy")
    room = ana.call("create_room", {"name": "team"})["room"]["id"]
    assert bob.call("join_room", {"room_id": room})["ok"]
    data = os.urandom(5_000)
    file = files_for(ana).upload(room, "plan.bin", data)

    _error(files_for(bob).get(file["id"]), 404, "not_found")  # not sent yet: the uploader's only
    assert files_for(ana).get(file["id"]).content == data

    sent = ana.call(
        "send_message",
        {"room_id": room, "text": "the plan", "client_id": "c-1", "attachments": [file["id"]]},
    )
    assert sent["ok"], sent
    assert sent["message"]["attachments"] == [file]
    assert files_for(bob).get(file["id"]).content == data
    _error(files_for(cy).get(file["id"]), 404, "not_found")  # not a member
    _error(files_for(cy).get(999_999), 404, "not_found")


def test_an_unsent_file_is_removed_by_its_uploader_only(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana, bob = connect("Ana"), connect("Bob")
    mine = files_for(ana)
    unsent = mine.upload(ana.room_id(), "draft.bin", os.urandom(2_000))
    sent = mine.upload(ana.room_id(), "final.bin", os.urandom(3_000))
    ack = ana.call(
        "send_message",
        {"room_id": ana.room_id(), "text": "", "client_id": "c-1", "attachments": [sent["id"]]},
    )
    assert ack["ok"], ack

    _error(files_for(bob).remove(unsent["id"]), 404, "not_found")
    _error(mine.remove(sent["id"]), 409, "conflict")  # sent: deleting the message removes it
    _error(Files(mine.url, None).remove(unsent["id"]), 401, "bad_token")
    assert mine.remove(unsent["id"]).status_code == 204

    _error(mine.get(unsent["id"]), 404, "not_found")
    _error(mine.remove(unsent["id"]), 404, "not_found")
    assert _stored(settings.data_dir, "files") == [sent["sha256"]]  # its bytes went at once
    assert files_for(bob).get(sent["id"]).status_code == 200


def test_requests_from_another_site_are_refused(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], live_server: ServerHandle
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(100)
    file_id = client.upload(ana.room_id(), "x.bin", data)["id"]
    upload_id = client.create(ana.room_id(), "y.bin", os.urandom(100)).json()["upload_id"]
    evil = {"Origin": "http://evil.example"}
    body = {"room_id": ana.room_id(), "name": "z", "size": 1, "sha256": "0" * 64}

    for answer in (
        client.http.post(f"{client.url}api/uploads", json=body, headers=evil, timeout=5),
        client.http.put(
            f"{client.url}api/uploads/{upload_id}",
            data=b"x",
            headers={**evil, "Upload-Offset": "0"},
            timeout=5,
        ),
        client.http.delete(f"{client.url}api/uploads/{upload_id}", headers=evil, timeout=5),
        client.get(file_id, Origin="null"),
    ):
        _error(answer, 403, "forbidden")
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert client.status(upload_id).json()["offset"] == 0
    own = client.get(file_id, Origin=f"http://127.0.0.1:{live_server.port}")
    assert own.status_code == 200 and own.content == data


# -- names and content types -------------------------------------------------------------------


def test_names_never_become_paths(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(300)

    file = client.upload(ana.room_id(), "../../x", data)

    assert file["name"] == "x"
    assert _stored(settings.data_dir, "files") == [_sha(data)]
    assert not (settings.data_dir.parent / "x").exists()
    assert not list(settings.data_dir.parent.parent.glob("x"))
    # Upload ids that are paths reach no file: refused by the id pattern or by routing.
    for bad in ("..%2F..%2Fx", "../../x", "%2e%2e", "..", "a" * 31 + "%2F", "a" * 31 + "."):
        assert client.status(bad).status_code == 404
        assert client.put(bad, 0, b"x").status_code in (404, 405)
        assert client.cancel(bad).status_code in (404, 405)
    assert _stored(settings.data_dir, "uploads") == []


def test_html_renamed_png_downloads_as_an_octet_stream_attachment(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    file = client.upload(ana.room_id(), "cute-cat.png", HTML_AS_PNG)
    assert (file["kind"], file["mime"]) == ("file", "application/octet-stream")

    got = client.get(file["id"])

    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="cute-cat.png"')
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert got.content == HTML_AS_PNG


def test_svg_with_script_downloads_as_an_attachment(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    file = client.upload(ana.room_id(), "logo.svg", SVG_WITH_SCRIPT)
    assert (file["kind"], file["mime"]) == ("file", "application/octet-stream")

    got = client.get(file["id"])

    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_a_real_png_is_shown_inline_with_its_type(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    file = client.upload(ana.room_id(), "Straße résumé.png", PNG)
    assert (file["kind"], file["mime"]) == ("image", "image/png")

    got = client.get(file["id"])

    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"] == (
        'inline; filename="Stra_e r_sum_.png"; '
        f"filename*=UTF-8''{quote('Straße résumé.png', safe='')}"
    )
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert got.content == PNG


def test_identical_files_are_stored_once(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files], settings: Settings
) -> None:
    ana, bob = connect("Ana"), connect("Bob")
    data = os.urandom(40_000)

    first = files_for(ana).upload(ana.room_id(), "a.bin", data, chunk=16_000)
    second = files_for(bob).upload(bob.room_id(), "b.bin", data, chunk=40_000)

    assert first["id"] != second["id"] and first["sha256"] == second["sha256"] == _sha(data)
    assert _stored(settings.data_dir, "files") == [_sha(data)]
    assert files_for(bob).get(second["id"]).content == data


def test_downloads_answer_ranges(
    connect: Callable[..., Peer], files_for: Callable[[Peer], Files]
) -> None:
    ana = connect("Ana")
    client = files_for(ana)
    data = os.urandom(3 * 1024 * 1024)
    file_id = client.upload(ana.room_id(), "x.bin", data)["id"]
    size = len(data)

    middle = client.get(file_id, Range="bytes=1000-2000999")
    assert middle.status_code == 206 and middle.content == data[1000:2001000]
    assert middle.headers["Content-Range"] == f"bytes 1000-2000999/{size}"
    assert middle.headers["Content-Length"] == "2000000"
    tail = client.get(file_id, Range="bytes=-10")
    assert tail.status_code == 206 and tail.content == data[-10:]
    rest = client.get(file_id, Range=f"bytes={size - 5}-")
    assert rest.status_code == 206 and rest.content == data[-5:]
    beyond = client.get(file_id, Range=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    stale = client.get(file_id, Range="bytes=0-9", **{"If-Range": '"something-else"'})
    assert stale.status_code == 200 and stale.content == data
    assert client.get(file_id).headers["Accept-Ranges"] == "bytes"


# -- a host restart mid-upload -----------------------------------------------------------------


@pytest.fixture
def restartable(settings: Settings) -> Iterator[list[ServerHandle]]:
    handles: list[ServerHandle] = []
    yield handles
    for handle in handles:
        handle.stop()
        assert not handle.running


def test_an_upload_continues_after_the_host_restarts(
    settings: Settings, restartable: list[ServerHandle]
) -> None:
    data = os.urandom(20 * 1024 * 1024 + 1)
    chunk = 8 * 1024 * 1024
    first = start_server(settings)
    restartable.append(first)
    ana = Peer(first.url, {"name": "Ana", "code": settings.join_code or ""})
    room, token = ana.room_id(), ana.token
    client = Files(first.url, token)
    upload_id = client.create(room, "movie.bin", data).json()["upload_id"]
    assert client.put(upload_id, 0, data[:chunk]).json() == {"offset": chunk}
    ana.close()

    first.stop()  # the host goes away mid-upload
    second = start_server(settings)  # same data dir (a new port)
    restartable.append(second)
    client = Files(second.url, token)

    again = client.create(room, "movie.bin", data).json()
    assert again["upload_id"] == upload_id and again["offset"] == chunk
    offset = client.status(upload_id).json()["offset"]
    for _ in range(4):  # bounded: two chunks are left
        if offset == len(data):
            break
        answer = client.put(upload_id, offset, data[offset : offset + chunk]).json()
        offset = answer["offset"]
    assert answer["file"]["sha256"] == _sha(data)
    downloaded = client.get(answer["file"]["id"])
    assert hashlib.sha256(downloaded.content).hexdigest() == _sha(data)


def test_deleting_a_message_takes_its_files_away(
    settings: Settings, restartable: list[ServerHandle]
) -> None:
    first = start_server(settings)
    restartable.append(first)
    ana = Peer(first.url, {"name": "Ana", "code": settings.join_code or ""})
    bob = Peer(first.url, {"name": "Bob", "code": settings.join_code or ""})
    room = ana.room_id()
    kept_data, gone_data = os.urandom(3_000), os.urandom(4_000)
    kept = Files(first.url, ana.token).upload(room, "kept.bin", kept_data)
    gone = Files(first.url, ana.token).upload(room, "gone.bin", gone_data)
    for n, file in enumerate((kept, gone)):
        ack = ana.call(
            "send_message",
            {"room_id": room, "text": "", "client_id": f"f-{n}", "attachments": [file["id"]]},
        )
        assert ack["ok"], ack
    doomed = ack["message"]
    deleted = ana.call("delete_message", {"message_id": doomed["id"]})["message"]
    assert deleted["attachments"] == [] and deleted["deleted"]
    _error(Files(first.url, bob.token).get(gone["id"]), 404, "not_found")  # at once
    assert _stored(settings.data_dir, "files") == sorted([kept["sha256"], gone["sha256"]])
    ana.close()
    bob.close()

    first.stop()
    second = start_server(settings)  # the bytes go when no upload can be finishing into them
    restartable.append(second)
    assert _stored(settings.data_dir, "files") == [kept["sha256"]]
    assert Files(second.url, ana.token).get(kept["id"]).content == kept_data
