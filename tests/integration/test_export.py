"""Export and import through a real host (docs/export.md): the archive round-trips into a fresh host
byte for byte, a second import changes nothing, each scope holds only what its caller may have, and
bad archives are refused with nothing stored changed."""

from __future__ import annotations

import io
import json
import queue
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backend import ServerHandle, Settings, start_server
from tests.archives import (
    NOTES,
    PICTURE,
    TIMEOUT,
    History,
    make_history,
    messages_by_name,
    sha,
    snapshot,
    stored_files,
)
from tests.conftest import JOIN_CODE
from tests.peers import Peer

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


def _owner(server: ServerHandle) -> Peer:
    return Peer(server.url, {"owner_key": server.owner_url.split("#owner=")[1]})


def export(url: str, token: str | None, **query: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{url}api/export", params=query, headers=headers, timeout=TIMEOUT)


def import_(url: str, token: str, body: bytes, **headers: str) -> requests.Response:
    return requests.post(
        f"{url}api/import",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip", **headers},
        timeout=TIMEOUT,
    )


def error(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return str(body["error"]["message"])


def _drain(peer: Peer, quiet: float = 0.5) -> dict[str, list[Any]]:
    """Every event the peer received until ``quiet`` seconds pass without one, by name."""
    found: dict[str, list[Any]] = {}
    while True:  # bounded: the host sends a finite number of events, then goes quiet
        try:
            name, payload = peer.events.get(timeout=quiet)
        except queue.Empty:
            return found
        found.setdefault(name, []).append(payload)


def entries(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def history(live_server: ServerHandle, connect: Connect) -> History:
    host = connect(owner_key=live_server.owner_url.split("#owner=")[1])
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    return make_history(live_server.url, host, alice, bob, carol)


@pytest.fixture
def fresh(settings: Settings, tmp_path: Path) -> Iterator[ServerHandle]:
    """A second host on an empty data dir."""
    # Another machine, with another person at it (the host person's name is theirs: issue 15).
    fresh = settings.replace(
        data_dir=tmp_path / "fresh", name="Fresh host", person_name="Fresh host"
    )
    handle = start_server(fresh)
    yield handle
    handle.stop()


def test_a_whole_host_round_trips_into_a_fresh_host_and_twice_changes_nothing(
    live_server: ServerHandle, settings: Settings, fresh: ServerHandle, history: History
) -> None:
    answer = export(live_server.url, history.host.token, scope="host")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/zip"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="parley-host-')
    archive = answer.content
    files = entries(archive)
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["format"] == "parley-export" and manifest["version"] == 1
    assert manifest["scope"] == "host" and manifest["host"]["name"] == "Test host"
    assert manifest["entries"] == {name: sha(data) for name, data in files.items()}
    assert {f"files/{sha(PICTURE)}", f"files/{sha(NOTES)}"} <= set(files)
    assert manifest["counts"]["messages"] == 9 and manifest["counts"]["files"] == 3
    everything = b"".join(files.values())
    for secret in (JOIN_CODE, history.alice.token, history.bob.token, history.host.token):
        assert secret.encode() not in everything  # no device token, no join code
    general = jsonl(files["messages/channel-general.jsonl"])
    assert [m["id"] for m in general] == sorted(m["id"] for m in general)  # oldest first
    assert general[0]["text"] == "Hello **everyone**"  # as written (markdown)
    assert general[0]["reactions"] == [
        {"emoji": "👍", "users": ["bob", "carol"]},
        {"emoji": "🎉", "users": ["Test host"]},
    ]

    watcher = _owner(fresh)  # online on the fresh host while the import runs
    try:
        imported = import_(fresh.url, watcher.token, archive)
        assert imported.status_code == 200, imported.text
        assert imported.json()["imported"]["messages"] == 9
        # Online clients learn of the new people, rooms, members and messages without reconnecting.
        events = _drain(watcher)
        assert sorted(u["name"] for u in events["user_created"]) == [
            "Test host",  # the other host's own user is a person like any other here
            "alice",
            "bob",
            "carol",
        ]
        assert [r["name"] for r in events["room_created"]] == ["project"]  # not others' DMs
        assert sorted(e["user"]["name"] for e in events["member_joined"]) == [
            "Test host",
            "alice",
            "bob",
            "carol",
        ]
        # general's messages (the watcher is in it); not the other rooms' and DMs'.
        texts = sorted(m["text"] for m in events["message_created"])
        assert texts == ["", "Hello **everyone**", "hi @alice", "the plan"]

        source, target = settings.data_dir, fresh.settings.data_dir
        assert messages_by_name(target) == messages_by_name(source)
        copied = stored_files(target)
        for content in (PICTURE, NOTES, b"just for bob"):
            assert copied[sha(content)] == content  # byte for byte
        before = snapshot(target)

        again = import_(fresh.url, watcher.token, archive)
        assert again.status_code == 200, again.text
        assert again.json()["imported"] == {
            "users": 0,
            "rooms": 0,
            "messages": 0,
            "files": 0,
            "existing_messages": 9,
        }
        assert snapshot(target) == before
        assert watcher.received("message_created", within=0.3) == []
        for data_dir in (source, target):  # archives sent or received are not kept
            assert list((data_dir / "exports").iterdir()) == []
    finally:
        watcher.close()


def test_a_member_exports_a_room_others_cannot(live_server: ServerHandle, history: History) -> None:
    url = live_server.url
    answer = export(url, history.bob.token, scope="room", room_id=str(history.project_id))
    assert answer.status_code == 200, answer.text
    files = entries(answer.content)
    [room] = jsonl(files["rooms.jsonl"])
    assert room["name"] == "project" and room["members"] == ["alice", "bob"]
    assert [m["text"] for m in jsonl(files["messages/channel-project.jsonl"])] == [
        "see `attached`",
        "thanks",
    ]
    assert {u["name"] for u in jsonl(files["users.jsonl"])} == {"alice", "bob"}
    assert set(n for n in files if n.startswith("messages/")) == {"messages/channel-project.jsonl"}

    carol = history.carol.token
    error(export(url, carol, scope="room", room_id=str(history.project_id)), 403, "forbidden")
    error(export(url, carol, scope="room", room_id=str(history.dm_alice_bob)), 404, "not_found")
    error(export(url, carol, scope="room", room_id="999999"), 404, "not_found")
    # The host user may export any room, direct messages included.
    assert export(url, history.host.token, scope="room", room_id=str(history.dm_alice_bob)).ok


def test_mine_holds_only_the_caller_s_direct_messages(
    live_server: ServerHandle, history: History
) -> None:
    answer = export(live_server.url, history.alice.token, scope="mine")
    assert answer.status_code == 200, answer.text
    files = entries(answer.content)
    rooms = jsonl(files["rooms.jsonl"])
    assert [(r["kind"], r["members"]) for r in rooms] == [("dm", ["alice", "bob"])]
    assert [n for n in files if n.startswith("messages/")] == [rooms[0]["messages"]]
    texts = [m["text"] for m in jsonl(files[rooms[0]["messages"]])]
    assert texts == ["psst", "got it"]
    assert [n for n in files if n.startswith("files/")] == [f"files/{sha(b'just for bob')}"]
    assert b"host to bob" not in b"".join(files.values())
    assert json.loads(files["manifest.json"])["scope"] == "mine"
    # Someone with no direct messages gets an empty but valid archive.
    empty = entries(export(live_server.url, history.carol.token, scope="mine").content)
    assert jsonl(empty["rooms.jsonl"]) == []


def test_only_the_host_exports_or_imports_the_host(
    live_server: ServerHandle, history: History
) -> None:
    url = live_server.url
    error(export(url, history.alice.token, scope="host"), 403, "forbidden")
    archive = export(url, history.host.token, scope="host").content
    before = snapshot(live_server.settings.data_dir)
    error(import_(url, history.alice.token, archive), 403, "forbidden")
    error(export(url, None, scope="host"), 401, "bad_token")
    error(export(url, "not-a-token", scope="host"), 401, "bad_token")
    foreign = export(url, history.host.token, scope="mine")
    assert foreign.ok
    cross = requests.get(
        f"{url}api/export",
        params={"scope": "mine"},
        headers={"Authorization": f"Bearer {history.alice.token}", "Origin": "http://evil.test"},
        timeout=TIMEOUT,
    )
    error(cross, 403, "forbidden")
    assert snapshot(live_server.settings.data_dir) == before


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"scope": "everything"},
        {"scope": "room"},
        {"scope": "room", "room_id": "abc"},
        {"scope": "room", "room_id": "-1"},
        {"scope": "room", "room_id": "0"},
        {"scope": "room", "room_id": "1" * 30},
        {"scope": "mine", "room_id": "1"},
        {"scope": "mine", "format": "tar"},
    ],
)
def test_bad_parameters_are_400_with_the_error_shape(
    live_server: ServerHandle, connect: Connect, query: dict[str, str]
) -> None:
    alice = connect("alice")
    error(export(live_server.url, alice.token, **query), 400, "invalid")


def test_a_parameter_given_twice_is_400(live_server: ServerHandle, connect: Connect) -> None:
    alice = connect("alice")
    answer = requests.get(
        f"{live_server.url}api/export?scope=mine&scope=host",
        headers={"Authorization": f"Bearer {alice.token}"},
        timeout=TIMEOUT,
    )
    error(answer, 400, "invalid")


# -- bad archives ----------------------------------------------------------------------------------


@pytest.fixture
def small_import_limit(settings: Settings) -> Settings:
    return settings.replace(max_import_bytes=256 * 1024)


def _tamper(files: dict[str, bytes], how: str) -> bytes:
    manifest = json.loads(files["manifest.json"])
    if how == "wrong sha256":
        name = "messages/channel-general.jsonl"
        files[name] = files[name].replace(b"Hello", b"Jello")
    elif how == "wrong file bytes":
        name = next(n for n in files if n.startswith("files/"))
        files[name] = b"not the bytes" + files[name]
        manifest["entries"][name] = sha(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "path traversal":
        files["../evil.jsonl"] = b"{}\n"
        manifest["entries"]["../evil.jsonl"] = sha(b"{}\n")
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "absolute path":
        files["/tmp/evil"] = b"x"
        manifest["entries"]["/tmp/evil"] = sha(b"x")
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "not in the manifest":
        files["messages/channel-extra.jsonl"] = b""
    elif how == "newer version":
        manifest["version"] = 2
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "no manifest":
        del files["manifest.json"]
    elif how == "bad record":
        name = "users.jsonl"
        files[name] = files[name] + b'{"name": 5}\n'
        manifest["entries"][name] = sha(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "unknown author":
        name = "messages/channel-general.jsonl"
        files[name] = files[name].replace(b'"author":"alice"', b'"author":"mallory"')
        manifest["entries"][name] = sha(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "not an emoji":
        name = "messages/channel-general.jsonl"
        files[name] = files[name].replace('"emoji":"🎉"'.encode(), b'"emoji":"<b>"')
        manifest["entries"][name] = sha(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()
    elif how == "invisible name":
        name = "users.jsonl"
        files[name] = files[name].replace(b'"name":"alice"', '"name":"ali\u200bce"'.encode())
        manifest["entries"][name] = sha(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()
    return rezip(files)


@pytest.mark.parametrize(
    "how",
    [
        "wrong sha256",
        "wrong file bytes",
        "path traversal",
        "absolute path",
        "not in the manifest",
        "newer version",
        "no manifest",
        "bad record",
        "unknown author",
        "not an emoji",
        "invisible name",
    ],
)
def test_a_tampered_archive_is_refused_and_nothing_changes(
    live_server: ServerHandle, fresh: ServerHandle, history: History, how: str
) -> None:
    archive = export(live_server.url, history.host.token, scope="host").content
    owner = _owner(fresh)
    try:
        before = snapshot(fresh.settings.data_dir)
        answer = import_(fresh.url, owner.token, _tamper(entries(archive), how))
        error(answer, 400, "invalid")
        assert snapshot(fresh.settings.data_dir) == before
    finally:
        owner.close()


def test_a_damaged_or_cut_zip_is_refused(live_server: ServerHandle, history: History) -> None:
    url, token = live_server.url, history.host.token
    archive = export(url, token, scope="host").content
    before = snapshot(live_server.settings.data_dir)
    for body in (b"this is not a zip at all", archive[: len(archive) // 2], archive[:-30]):
        message = error(import_(url, token, body), 400, "invalid")
        assert "zip" in message or "damaged" in message
    # A byte flipped inside an entry: zipfile's CRC or the manifest's hash catches it.
    middle = bytearray(archive)
    at = archive.index(b"messages/channel-general.jsonl") + 60
    middle[at] ^= 0xFF
    error(import_(url, token, bytes(middle)), 400, "invalid")
    assert snapshot(live_server.settings.data_dir) == before


def test_a_look_alike_name_is_a_conflict_and_nothing_changes(
    live_server: ServerHandle, fresh: ServerHandle, history: History
) -> None:
    archive = export(live_server.url, history.host.token, scope="host").content
    owner = _owner(fresh)
    impostor = Peer(fresh.url, {"name": "cаrol", "code": JOIN_CODE})  # a Cyrillic а
    try:
        before = snapshot(fresh.settings.data_dir)
        message = error(import_(fresh.url, owner.token, archive), 409, "conflict")
        assert "carol" in message
        assert snapshot(fresh.settings.data_dir) == before
    finally:
        owner.close()
        impostor.close()


def test_over_the_size_limit_is_413_before_or_while_unpacking(
    small_import_limit: Settings,
) -> None:
    server = start_server(small_import_limit)
    owner = _owner(server)
    try:
        data_dir = small_import_limit.data_dir
        before = snapshot(data_dir)
        # The body itself is over the limit: refused from its Content-Length.
        error(import_(server.url, owner.token, b"x" * (300 * 1024)), 413, "too_large")
        # A small zip whose entry says it unpacks to 1 MiB (a zip bomb, mildly).
        bomb = rezip({"manifest.json": b"{}", "files/" + "0" * 64: bytes(1024 * 1024)})
        assert len(bomb) < 16 * 1024
        error(import_(server.url, owner.token, bomb), 413, "too_large")
        assert snapshot(data_dir) == before
        leftovers = list((data_dir / "exports").iterdir())
        assert leftovers == []  # received archives are removed, whatever the answer
    finally:
        owner.close()
        server.stop()


def test_what_a_file_is_comes_from_its_bytes_not_the_archive(
    live_server: ServerHandle, fresh: ServerHandle, history: History
) -> None:
    """An archive calling HTML an image (to be shown inline) and naming it with a bidi override
    gets neither: kind and type come from the bytes, the name is cleaned, as for an upload."""
    archive = export(live_server.url, history.host.token, scope="host").content
    files = entries(archive)
    manifest = json.loads(files["manifest.json"])
    page = b"<html><script>alert(1)</script></html>"
    name = "messages/channel-project.jsonl"
    records = jsonl(files[name])
    records[0]["attachments"] = [
        {
            "name": "cat\u202egnp.html",
            "size": len(page),
            "mime": "text/html",
            "kind": "image",
            "sha256": sha(page),
            "path": f"files/{sha(page)}",
        }
    ]
    files[name] = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    files[f"files/{sha(page)}"] = page
    for entry in (name, f"files/{sha(page)}"):
        manifest["entries"][entry] = sha(files[entry])
    files["manifest.json"] = json.dumps(manifest).encode()
    owner = _owner(fresh)
    try:
        answer = import_(fresh.url, owner.token, rezip(files))
        assert answer.status_code == 200, answer.text
        project = next(r for r in owner.call("list_rooms")["rooms"] if r["name"] == "project")
        owner.call("join_room", {"room_id": project["id"]})
        fetched = owner.call("fetch_messages", {"room_id": project["id"]})["messages"]
        [file] = fetched[0]["attachments"]
        assert file["kind"] == "file" and file["mime"] == "application/octet-stream"
        assert file["name"] == "catgnp.html"
        got = requests.get(
            f"{fresh.url}api/files/{file['id']}",
            headers={"Authorization": f"Bearer {owner.token}"},
            timeout=TIMEOUT,
        )
        assert got.content == page and got.headers["Content-Disposition"].startswith("attachment")
    finally:
        owner.close()


def test_an_archive_written_by_another_tool_imports_and_members_see_the_newest_live(
    fresh: ServerHandle,
) -> None:
    """The format as docs/export.md writes it, by hand: 1,200 messages in a new channel whose
    members include the (online) host user, who gets the room and the newest 1,000 live."""
    users = [
        {"name": "Fresh host", "is_host": True, "created_at": "2025-01-01T00:00:00.000Z"},
        {"name": "ann", "is_host": False, "created_at": "2025-01-01T00:00:00.000Z"},
    ]
    rooms = [
        {
            "id": 3,
            "kind": "channel",
            "name": "bulk",
            "members": ["Fresh host", "ann"],
            "created_at": "2025-01-01T00:00:00.000Z",
            "created_by": "ann",
        }
    ]
    messages = [
        {
            "id": n,
            "author": "ann",
            "client_id": f"bulk-{n}",
            "text": f"line {n}",
            "created_at": f"2025-01-02T00:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        }
        for n in range(1, 1201)
    ]
    files = {
        "users.jsonl": "".join(json.dumps(u) + "\n" for u in users).encode(),
        "rooms.jsonl": "".join(json.dumps(r) + "\n" for r in rooms).encode(),
        "messages/channel-bulk.jsonl": "".join(json.dumps(m) + "\n" for m in messages).encode(),
    }
    manifest = {
        "format": "parley-export",
        "version": 1,
        "exported_at": "2025-01-03T00:00:00.000Z",
        "scope": "host",
        "host": {"id": "elsewhere", "name": "Another tool"},
        "counts": {},
        "entries": {name: sha(data) for name, data in files.items()},
    }
    owner = _owner(fresh)
    try:
        answer = import_(
            fresh.url, owner.token, rezip({**files, "manifest.json": json.dumps(manifest).encode()})
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["imported"]["messages"] == 1200
        room = owner.expect("room_created")
        assert room["name"] == "bulk"
        live = owner.received("message_created", within=1.0)
        live.sort(key=lambda m: m["id"])  # a client may handle events out of order
        assert [m["text"] for m in live] == [f"line {n}" for n in range(201, 1201)]
        assert live[0]["created_at"] == "2025-01-02T00:03:21.000Z"  # kept, not the import's time
        # The rest are there for the asking, and the new member starts with them read.
        page = owner.call("fetch_messages", {"room_id": room["id"], "before_id": live[0]["id"]})
        assert page["messages"][-1]["text"] == "line 200"
        listed = next(r for r in owner.call("list_rooms")["rooms"] if r["id"] == room["id"])
        assert listed["member"] and listed["last_read_id"] == live[-1]["id"]
    finally:
        owner.close()
