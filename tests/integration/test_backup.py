"""Backups of a live host under a 10-sender write load, restored into a fresh data dir and served
again (docs/storage.md, "Backup and restore"); the admin's backup settings and the schedule.

"Every acked message" means: every message whose ``send_message`` ack a sender had received before
the backup was asked for (the host's ``start_backup``, or launching ``parley backup``) is in the
restored host. Messages acked later may or may not be (they raced the snapshot); none is damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import ServerHandle, Settings, restore_backup
from tests.conftest import JOIN_CODE
from tests.hostproc import REPO, HostProcess
from tests.integration.test_uploads import Files
from tests.peers import Peer, refusal

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]
SENDERS = 10
# Each sender stops after this many messages or this many seconds, whichever comes first.
MAX_PER_SENDER = 400
LOAD_SECONDS = 20.0
BACKUP_TIMEOUT = 60.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Ten senders as fast as acks come back: the default per-user send limit would refuse them.
    return settings.replace(send_rate=10_000.0, send_burst=10_000)


def _host(live_server: ServerHandle, connect: Connect) -> Peer:
    return connect(owner_key=live_server.owner_url.split("#owner=")[1])


def _ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


class Load:
    """Ten real clients, each in its own thread, sending acked messages in a loop (bounded)."""

    def __init__(self, peers: list[Peer]) -> None:
        self.peers = peers
        self.lock = threading.Lock()
        self.acked: dict[str, int] = {}  # client_id → message id, once the ack arrived
        self.failures: list[Any] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._send, args=(p,)) for p in peers]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        assert not any(t.is_alive() for t in self.threads)

    def _send(self, peer: Peer) -> None:
        room = peer.room_id()
        deadline = time.monotonic() + LOAD_SECONDS
        for n in range(MAX_PER_SENDER):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            client_id = f"{peer.user['id']}-{n}"
            ack = peer.call(
                "send_message",
                {"room_id": room, "text": f"load {client_id}", "client_id": client_id},
            )
            with self.lock:
                if ack.get("ok"):
                    self.acked[client_id] = ack["message"]["id"]
                else:
                    self.failures.append(ack)

    def acked_now(self) -> dict[str, int]:
        with self.lock:
            return dict(self.acked)

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked_now()) < count:
            assert time.monotonic() < deadline, f"only {len(self.acked_now())} acked"
            time.sleep(0.02)


class World:
    """What the restored host must have: people, a file, a reaction, a read mark, a DM."""

    def __init__(self, live_server: ServerHandle, connect: Connect) -> None:
        self.host = _host(live_server, connect)
        self.senders = [connect(f"sender{n}") for n in range(SENDERS)]
        ana, bo = self.senders[0], self.senders[1]
        general = ana.room_id()
        self.data = os.urandom(300_000)
        upload = Files(live_server.url, ana.token).upload(general, "photo.bin", self.data)
        sent = ana.call(
            "send_message",
            {
                "room_id": general,
                "text": "with a file",
                "client_id": "f1",
                "attachments": [upload["id"]],
            },
        )
        self.with_file = _ok(sent)["message"]
        self.file_id = upload["id"]
        self.reacted = _ok(
            bo.call("react", {"message_id": self.with_file["id"], "emoji": "👍", "on": True})
        )["message"]
        _ok(bo.call("mark_read", {"room_id": general, "message_id": self.with_file["id"]}))
        dm = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"]]}))["room"]
        self.dm_message = ana.send(dm["id"], "just us", "dm1")
        self.dm = dm["id"]
        self.server = self.host.welcome["server"]


def _fetch_all(peer: Peer, room_id: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    after = 0
    for _ in range(1000):  # bounded: 200 a page
        page = _ok(
            peer.call("fetch_messages", {"room_id": room_id, "after_id": after, "limit": 200})
        )
        messages += page["messages"]
        if not page["has_more"] or not page["messages"]:
            return messages
        after = page["messages"][-1]["id"]
    raise AssertionError("paged too long")


def _check_backup_folder(path: Path) -> dict[str, Any]:
    assert path.name.startswith("parley-backup-")
    manifest = json.loads((path / "manifest.json").read_text())
    listed = {e["path"]: e for e in manifest["files"]}
    assert {"parley.sqlite3", "secret_key", "host_id"} <= set(listed)
    for relative, entry in listed.items():
        data = (path / relative).read_bytes()
        assert len(data) == entry["size"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    for item in [path, *path.rglob("*")]:
        mode = stat.S_IMODE(item.stat().st_mode)
        assert mode == (0o700 if item.is_dir() else 0o600), (item, oct(mode))
    assert not list(path.parent.glob(".parley-backup-*"))  # no half-written backup left
    return manifest


def _check_restored(restored: Path, world: World, before: dict[str, int]) -> None:
    """A host on the restored dir: same identity, devices, messages, file, reaction, read mark."""
    db = sqlite3.connect(restored / "parley.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    host = HostProcess(restored)
    try:
        ana = Peer(host.url, {"token": world.senders[0].token})  # an old device token
        bo = Peer(host.url, {"token": world.senders[1].token})
        assert ana.user == world.senders[0].user
        server = ana.welcome["server"]
        assert (server["name"], server["host_id"]) == (
            world.server["name"],
            world.server["host_id"],
        )
        # A new person joins with the same join code; a wrong one is still refused.
        newcomer = Peer(host.url, {"name": "Newcomer", "code": JOIN_CODE})
        assert refusal(host.url, {"name": "Guesser", "code": "999999999"}).code == "bad_code"
        general = ana.room_id()
        messages = {m["id"]: m for m in _fetch_all(newcomer, general)}
        ids = set(messages)
        missing = [cid for cid, mid in before.items() if mid not in ids]
        assert not missing, f"{len(missing)} acked messages lost, e.g. {missing[:5]}"
        for client_id, mid in before.items():
            assert messages[mid]["text"] == f"load {client_id}"
        restored_file_message = messages[world.with_file["id"]]
        assert restored_file_message["reactions"] == world.reacted["reactions"]
        assert restored_file_message["attachments"] == world.with_file["attachments"]
        rooms = {r["id"]: r for r in bo.welcome["rooms"]}
        assert rooms[general]["last_read_id"] == world.with_file["id"]
        dm = _fetch_all(bo, world.dm)
        assert [m["text"] for m in dm] == ["just us"]
        got = Files(host.url, newcomer.token).get(world.file_id)
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(world.data).hexdigest()
        # The restored host takes new messages.
        fresh = newcomer.send(general, "after the restore", "new-1")
        assert fresh["id"] > max(ids)
        for peer in (ana, bo, newcomer):
            peer.close()
    finally:
        assert host.stop() == 0


def test_backup_from_the_panel_under_load_restores_every_acked_message(
    live_server: ServerHandle, connect: Connect, tmp_path: Path
) -> None:
    world = World(live_server, connect)
    folder = tmp_path / "backups"
    _ok(world.host.call("set_backup_settings", {"folder": str(folder), "keep": 5, "daily": False}))
    with Load(world.senders) as load:
        load.wait_for(150)
        before = load.acked_now()
        started = threading.Event()
        answers: list[Any] = []
        # Two at once: the second is refused while the first runs (one backup at a time).
        world.host.sio.emit(
            "start_backup", {}, callback=lambda a: (answers.append(a), started.set())
        )
        world.host.sio.emit("start_backup", {}, callback=answers.append)
        assert started.wait(10)
        finished = world.host.expect("backup_finished", timeout=BACKUP_TIMEOUT)
        load.wait_for(len(before) + 50)  # the load went on through the backup
    assert not load.failures, load.failures[:3]
    deadline = time.monotonic() + 10
    while len(answers) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert answers[0]["ok"] and answers[0]["started"] is True
    assert answers[1]["ok"] is False and answers[1]["error"]["code"] == "conflict", answers[1]
    assert "already running" in answers[1]["error"]["message"]
    path = Path(finished["path"])
    assert path.parent == folder.resolve()
    manifest = _check_backup_folder(path)
    assert manifest["counts"]["messages"] >= len(before) + 2
    assert manifest["host_id"] == world.server["host_id"]
    assert finished["bytes"] > 300_000 and finished["counts"] == manifest["counts"]
    # The panel shows the last backup.
    settings = _ok(world.host.call("get_backup_settings"))
    assert settings["last"]["ok"] is True and settings["last"]["path"] == str(path)
    assert settings["running"] is False
    restored = tmp_path / "restored"
    result = restore_backup(path, restored)
    assert result.counts == manifest["counts"]
    assert stat.S_IMODE(restored.stat().st_mode) == 0o700
    _check_restored(restored, world, before)


def test_parley_backup_command_beside_a_running_host_and_parley_restore(
    live_server: ServerHandle, connect: Connect, tmp_path: Path, settings: Settings
) -> None:
    world = World(live_server, connect)
    folder = tmp_path / "cli-backups"
    with Load(world.senders) as load:
        load.wait_for(150)
        before = load.acked_now()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "desktop",
                "backup",
                "--data-dir",
                str(settings.data_dir),
                "--to",
                str(folder),
                "--json",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        load.wait_for(len(before) + 50)
    assert not load.failures, load.failures[:3]
    result = json.loads(done.stdout)
    path = Path(result["path"])
    manifest = _check_backup_folder(path)
    assert result["counts"] == manifest["counts"]
    restored = tmp_path / "restored"
    restored.mkdir()  # empty is fine
    back = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "restore",
            str(path),
            "--data-dir",
            str(restored),
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["counts"] == manifest["counts"]
    # Restoring again over it is refused: the data dir is no longer empty.
    again = subprocess.run(
        [sys.executable, "-m", "desktop", "restore", str(path), "--data-dir", str(restored)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1 and "not empty" in again.stderr
    _check_restored(restored, world, before)


# -- what the admin may set --------------------------------------------------------------------


def test_backup_settings_refuse_bad_input_and_non_hosts(
    live_server: ServerHandle, connect: Connect, tmp_path: Path, settings: Settings
) -> None:
    host = _host(live_server, connect)
    guest = connect("Guest")
    good = {"folder": str(tmp_path / "good"), "keep": 3, "daily": True}
    stored = _ok(host.call("set_backup_settings", good))
    assert (stored["folder"], stored["keep"], stored["daily"]) == (str(tmp_path / "good"), 3, True)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    bad = [
        ({**good, "folder": "relative/backups"}, "folder", "full path"),
        ({**good, "folder": str(a_file)}, "folder", "is a file"),
        ({**good, "folder": str(settings.data_dir / "inside")}, "folder", "outside"),
        ({**good, "folder": ""}, "folder", "full path"),
        ({**good, "folder": 7}, "folder", "full path"),
        ({**good, "keep": 0}, "keep", "1-100"),
        ({**good, "keep": 101}, "keep", "1-100"),
        ({**good, "keep": True}, "keep", "1-100"),
        ({**good, "daily": "yes"}, "daily", "true or false"),
    ]
    for data, field, words in bad:
        ack = host.call("set_backup_settings", data)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", (data, ack)
        assert ack["error"]["data"]["field"] == field and words in ack["error"]["message"], ack
    for event, data in (
        ("set_backup_settings", {**good, "folder": str(tmp_path / "theirs")}),
        ("get_backup_settings", {}),
        ("start_backup", {}),
    ):
        ack = guest.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
    after = _ok(host.call("get_backup_settings"))
    assert (after["folder"], after["keep"], after["daily"]) == (str(tmp_path / "good"), 3, True)
    assert not (tmp_path / "theirs").exists() and not (settings.data_dir / "inside").exists()
    assert guest.received("backup_progress", within=0.3) == []
    # The folder turned into a file after it was chosen: the backup fails and says why.
    (tmp_path / "good").rmdir()
    (tmp_path / "good").write_text("in the way")
    _ok(host.call("start_backup"))
    failed = host.expect("backup_failed", timeout=BACKUP_TIMEOUT)
    assert (
        failed["error"]["code"] == "backup_failed"
        and str(tmp_path / "good") in (failed["error"]["message"])
    )
    last = _ok(host.call("get_backup_settings"))["last"]
    assert last["ok"] is False and last["error"] == failed["error"]["message"]
    assert guest.received("backup_failed", within=0.3) == []


# -- the schedule ------------------------------------------------------------------------------


@pytest.fixture
def scheduled_server(settings: Settings) -> Iterator[ServerHandle]:
    from backend import start_server

    handle = start_server(settings.replace(backup_interval=0.4, backup_check_interval=0.05))
    yield handle
    handle.stop()


def test_daily_backups_keep_exactly_the_last_n(
    scheduled_server: ServerHandle, tmp_path: Path
) -> None:
    """With the day shortened to 0.4 s: N + 2 scheduled backups leave exactly the newest N, and
    nothing in the folder that is not a Parley backup is touched."""
    keep = 3
    host = Peer(scheduled_server.url, {"owner_key": scheduled_server.owner_url.split("#owner=")[1]})
    try:
        host.send(host.room_id(), "to be kept", "k1")
        folder = tmp_path / "daily"
        folder.mkdir()
        (folder / "parley-backup-notes").mkdir()  # named like one, but no manifest: not ours
        (folder / "holiday-photos").mkdir()
        (folder / "readme.txt").write_text("mine")
        # What a crash cut off two days ago goes; one being written (fresh) stays.
        stale, fresh = (
            folder / ".parley-backup-00000000aaaa.partial",
            folder / (".parley-backup-00000000bbbb.partial"),
        )
        stale.mkdir()
        fresh.mkdir()
        two_days_ago = time.time() - 2 * 86400
        os.utime(stale, (two_days_ago, two_days_ago))
        _ok(host.call("set_backup_settings", {"folder": str(folder), "keep": keep, "daily": True}))
        made = []
        for _ in range(keep + 2):
            finished = host.expect("backup_finished", timeout=BACKUP_TIMEOUT)
            assert finished["scheduled"] is True
            made.append(Path(finished["path"]))
        _ok(host.call("set_backup_settings", {"folder": str(folder), "keep": keep, "daily": False}))
        deadline = time.monotonic() + BACKUP_TIMEOUT
        while _ok(host.call("get_backup_settings"))["running"]:  # one may have been under way
            assert time.monotonic() < deadline
            time.sleep(0.05)
        made += [Path(f["path"]) for f in host.received("backup_finished", within=0.3)]
        backups = {p for p in folder.iterdir() if p.name.startswith("parley-backup-2")}
        assert backups == set(made[-keep:])
        assert {"parley-backup-notes", "holiday-photos", "readme.txt", fresh.name} <= {
            p.name for p in folder.iterdir()
        }
        assert not stale.exists()
        assert len(made) == len(set(made))
    finally:
        host.close()


# -- restore refuses what it cannot trust ---------------------------------------------------------


def _variant(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def _rewrite_manifest(backup: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _relist(backup: Path, relative: str) -> Callable[[dict[str, Any]], None]:
    data = (backup / relative).read_bytes()

    def change(manifest: dict[str, Any]) -> None:
        for entry in manifest["files"]:
            if entry["path"] == relative:
                entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()

    return change


def test_restore_refuses_damaged_or_foreign_backups_and_used_folders(
    live_server: ServerHandle, connect: Connect, tmp_path: Path, settings: Settings
) -> None:
    from backend import BackupError, make_backup

    ana = connect("Ana")
    data = os.urandom(5000)
    upload = Files(live_server.url, ana.token).upload(ana.room_id(), "a.bin", data)
    sha = upload["sha256"] if "sha256" in upload else hashlib.sha256(data).hexdigest()
    good = make_backup(settings.data_dir, tmp_path / "bk").path
    blob = f"files/{sha[:2]}/{sha}"
    assert (good / blob).read_bytes() == data

    def refused(backup: Path, words: str, target: Path | None = None) -> None:
        target = target or tmp_path / f"restore-{backup.name}"
        with pytest.raises(BackupError, match=words):
            restore_backup(backup, target)
        assert not target.exists() or not any(target.iterdir())
        assert not list(target.parent.glob(f".{target.name}.restoring-*"))

    flipped = _variant(good, tmp_path / "v" / "flipped")
    (flipped / blob).write_bytes(b"X" + data[1:])
    refused(flipped, "damaged")

    missing = _variant(good, tmp_path / "v" / "missing")
    (missing / blob).unlink()
    refused(missing, "missing")

    escaping = _variant(good, tmp_path / "v" / "escaping")
    _rewrite_manifest(
        escaping,
        lambda m: m["files"].append({"path": "../../etc/x", "size": 1, "sha256": "0" * 64}),
    )
    refused(escaping, "manifest is damaged")

    corrupt = _variant(good, tmp_path / "v" / "corrupt")
    db = bytearray((corrupt / "parley.sqlite3").read_bytes())
    db[4096 : 4096 * 3] = os.urandom(8192)  # pages 2 and 3: tables and indexes
    (corrupt / "parley.sqlite3").write_bytes(bytes(db))
    _rewrite_manifest(corrupt, _relist(corrupt, "parley.sqlite3"))  # the checksums now agree
    refused(corrupt, "integrity check|cannot be read|not a Parley database")

    newer = _variant(good, tmp_path / "v" / "newer")
    _rewrite_manifest(newer, lambda m: m.update(format_version=99))
    refused(newer, "format")

    not_a_backup = tmp_path / "v" / "photos"
    not_a_backup.mkdir()
    refused(not_a_backup, "not a Parley backup")

    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(good, used)
    assert [p.name for p in used.iterdir()] == ["keep.txt"]

    # Backing up: no database there, or into the data dir itself, is refused.
    with pytest.raises(BackupError, match="no Parley database"):
        make_backup(tmp_path / "nothing", tmp_path / "bk")
    with pytest.raises(BackupError, match="outside"):
        make_backup(settings.data_dir, settings.data_dir / "backups")
    # The good one still restores.
    assert restore_backup(good, tmp_path / "fine").counts["files"] == 1
